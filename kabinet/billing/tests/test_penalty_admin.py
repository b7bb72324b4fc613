"""The penalty tables in the back office: staff add a rate, never change or delete one."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.billing.models import KeyRate
from kabinet.billing.penalties import rates_current
from kabinet.demo.staff import staff_users_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    staff_users_load()
    client.force_login(User.objects.get(username="operator"))
    return client


def test_staff_add_a_new_rate_and_the_calculation_takes_it(operator):
    response = operator.post(
        reverse("admin:billing_keyrate_add"),
        {"valid_from": "02.02.2027", "rate": "15,5", "kind": "key"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = KeyRate.objects.get(valid_from=datetime.date(2027, 2, 2))
    assert added.rate == D("15.5") and added.created_by.username == "operator"
    assert rates_current().key_rate(datetime.date(2027, 2, 2)) == D("15.5")
    assert rates_current().key_rate(datetime.date(2027, 2, 1)) == D("16")


def test_a_second_rate_on_the_same_day_is_refused_on_the_form(operator):
    response = operator.post(
        reverse("admin:billing_keyrate_add"),
        {"valid_from": "22.12.2025", "rate": "15", "kind": "key"},
    )
    assert response.status_code == 200
    assert "уже существует" in response.content.decode()
    assert KeyRate.objects.get(valid_from=datetime.date(2025, 12, 22)).rate == D("16")


def test_history_is_neither_changed_nor_deleted(operator):
    rate = KeyRate.objects.get(valid_from=datetime.date(2024, 7, 29))
    change = reverse("admin:billing_keyrate_change", args=[rate.pk])
    page = operator.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        operator.post(change, {"valid_from": "29.07.2024", "rate": "5", "kind": "key"}).status_code
        == 403
    )
    delete = reverse("admin:billing_keyrate_delete", args=[rate.pk])
    assert operator.post(delete, {"post": "yes"}).status_code == 403
    rate.refresh_from_db()
    assert rate.rate == D("18")
    with pytest.raises(TypeError):
        rate.delete()
    with pytest.raises(TypeError):
        KeyRate.objects.filter(pk=rate.pk).update(rate=D("5"))


@pytest.mark.parametrize(
    "name",
    ["keyrate", "penaltycap", "penaltymoratorium", "contractdueday", "penalty"],
)
def test_the_lists_open(operator, name):
    assert operator.get(reverse(f"admin:billing_{name}_changelist")).status_code == 200

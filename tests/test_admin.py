"""The back office: Russian, searchable, and the ledgers cannot be edited."""

from decimal import Decimal as D

import pytest
from django.contrib import admin
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.billing.models import Charge, Payment, Tariff
from kabinet.demo.reference import reference_load
from kabinet.demo.staff import staff_users_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return reference_load()


@pytest.fixture
def operator_client(client):
    staff_users_load()
    client.force_login(User.objects.get(username="operator"))
    return client


@pytest.fixture
def admin_client_(client):
    staff_users_load()
    client.force_login(User.objects.get(username="admin"))
    return client


def test_every_back_office_list_opens_in_russian(admin_client_, account):
    index = admin_client_.get(reverse("admin:index"))
    assert "Лицевые счета" in index.content.decode()
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = admin_client_.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("query", ["1234567", "Гражданская", "Муравьев", "154"])
def test_staff_find_an_account_by_number_address_or_holder(operator_client, account, query):
    response = operator_client.get(
        reverse("admin:housing_personalaccount_changelist"), {"q": query}
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [account]


def test_the_account_page_shows_the_balance(operator_client, account):
    response = operator_client.get(
        reverse("admin:housing_personalaccount_change", args=[account.pk])
    )
    assert "5\u202f589,37" in response.content.decode()


def test_charges_cannot_be_edited_deleted_or_added_by_hand(operator_client, account):
    charge = Charge.objects.filter(account=account).first()
    change = reverse("admin:billing_charge_change", args=[charge.pk])
    response = operator_client.post(change, {"amount": "1.00"})
    assert response.status_code == 403
    assert (
        operator_client.post(
            reverse("admin:billing_charge_delete", args=[charge.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert operator_client.get(reverse("admin:billing_charge_add")).status_code == 403
    charge.refresh_from_db()
    assert charge.amount == D("141.40")


def test_staff_add_a_cash_payment_and_a_duplicate_is_refused(operator_client, account):
    form = {
        "account": account.pk,
        "paid_on": "01.11.2014",
        "amount": "417,99",
        "source": Payment.Source.CASH,
        "external_id": "kassa-0001",
        "note": "",
    }
    response = operator_client.post(reverse("admin:billing_payment_add"), form)
    assert response.status_code == 302
    assert Payment.objects.get(external_id="kassa-0001").amount == D("417.99")

    again = operator_client.post(reverse("admin:billing_payment_add"), form)
    assert again.status_code == 200
    assert "Платеж с таким внешним идентификатором уже проведен." in again.content.decode()
    assert Payment.objects.filter(external_id="kassa-0001").count() == 1


def test_payments_cannot_be_edited(operator_client, account):
    payment = Payment.objects.filter(account=account).first()
    response = operator_client.post(
        reverse("admin:billing_payment_change", args=[payment.pk]), {"amount": "1"}
    )
    assert response.status_code == 403


def test_a_saved_tariff_keeps_its_price(admin_client_, account):
    tariff = Tariff.objects.filter(
        service__organization=account.organization, valid_to__isnull=True
    ).first()
    url = reverse("admin:billing_tariff_change", args=[tariff.pk])
    response = admin_client_.post(url, {"price": "999", "valid_to": "31.12.2014"})
    assert response.status_code == 302
    tariff.refresh_from_db()
    assert tariff.price != D("999")
    assert str(tariff.valid_to) == "2014-12-31"  # closing a tariff is allowed


def test_the_operator_does_not_manage_users(operator_client):
    assert operator_client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_staff_attach_an_account_without_payments_to_a_resident(admin_client_, account):
    # An account without payments is proved by nothing a resident types (docs/security.md):
    # staff attach it after checking the person.
    from kabinet.housing.models import AccountAttachAttempt, AccountLink
    from tests.factories import UserFactory

    resident = UserFactory(username="resident")
    response = admin_client_.post(
        reverse("admin:housing_accountlink_add"), {"user": resident.pk, "account": account.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AccountLink.objects.filter(user=resident, account=account).exists()
    attempt = AccountAttachAttempt.objects.get(user=resident)
    assert attempt.outcome == AccountAttachAttempt.Outcome.BY_STAFF

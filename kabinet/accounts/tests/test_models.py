"""The database itself keeps logins and e-mails unique regardless of case, Cyrillic too."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from kabinet.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("first", "second"), [("Ivan", "iVAN"), ("Иван", "иВАН"), ("Ёж", "ёж")])
def test_it_refuses_a_username_differing_only_in_case(first, second):
    UserFactory(username=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username=second)


def test_it_refuses_an_email_differing_only_in_case():
    UserFactory(email="Почта@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="почта@EXAMPLE.COM")


def test_it_allows_many_users_without_an_email():
    UserFactory(email="")
    UserFactory(email="")
    assert User.objects.filter(email="").count() == 2


def test_it_finds_a_user_by_natural_key_in_any_case():
    user = UserFactory(username="Пётр")
    assert User.objects.get_by_natural_key("пЁТР") == user


def test_it_lets_staff_into_the_admin_through_the_same_backends(client):
    UserFactory(username="operator", email="op@example.com", is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"), {"username": "OP@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_it_keeps_client_login_working_in_other_tests(client):
    """`Client.login()` passes no request: throttling skips it instead of failing."""
    UserFactory(username="tester")
    assert client.login(username="tester", password=PASSWORD)

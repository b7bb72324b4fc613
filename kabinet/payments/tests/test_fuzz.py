"""No input to the gateway endpoints, the sandbox's page or the pay pages produces a 500,
and none credits money (hypothesis; also run on PostgreSQL, which refuses NUL)."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing.models import Payment
from kabinet.housing.models import AccountLink
from kabinet.payments.gateways.moneta import LOGGED_FIELDS, SIGNED_FIELDS
from kabinet.payments.sandbox import signing
from kabinet.payments.sandbox.operations import REQUEST_FIELDS
from tests.factories import UserFactory

from .helpers import CODE, check_url, notification, online_payment, pay_url

pytestmark = pytest.mark.django_db

text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=2000),
    st.sampled_from(["\x00", "54600817", "1500.50", "RUB", "0", "1", "CHECK", "%", " ", "ﬀ"]),
)
FUZZ = settings(
    max_examples=50,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fields_of(names):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, text))


@FUZZ
@given(data=fields_of([*LOGGED_FIELDS, "other"]), check=st.booleans())
def test_the_endpoints_never_fail_nor_credit_garbage(moneta, data, check):
    response = Client().post(check_url() if check else pay_url(), data)
    assert response.status_code == 200
    assert not Payment.objects.exists()


@FUZZ
@given(name=st.sampled_from([*SIGNED_FIELDS, "MNT_COMMAND", "MNT_SIGNATURE"]), value=text)
def test_one_changed_signed_field_credits_nothing(account, moneta, name, value):
    payment = online_payment(account)
    genuine = notification(payment)
    if value == genuine.get(name, "") or value.lower() == genuine.get(name, "").lower():
        return  # not changed (a signature in capitals is the same signature)
    before = Payment.objects.count()
    assert Client().get(pay_url(), {**genuine, name: value}).status_code == 200
    assert Payment.objects.count() == before


@FUZZ
@given(data=fields_of([*REQUEST_FIELDS, "card_number", "expiry", "cvc", "contact"]))
def test_the_sandbox_page_never_fails(sandbox, data):
    url = reverse("payments:sandbox_assistant")
    assert Client().get(url, data).status_code in (200, 400)
    assert Client().post(url, data).status_code in (200, 400)


@FUZZ
@given(card=fields_of(["card_number", "expiry", "cvc", "contact"]))
def test_the_sandbox_card_form_never_fails(account, sandbox, card):
    payment = online_payment(account)
    request = {
        "MNT_ID": payment.merchant_id,
        "MNT_TRANSACTION_ID": payment.transaction_id,
        "MNT_AMOUNT": "1500.50",
        "MNT_CURRENCY_CODE": "RUB",
        "MNT_TEST_MODE": "1",
    }
    request["MNT_SIGNATURE"] = signing.sign("request", request, CODE)
    response = Client().post(reverse("payments:sandbox_assistant"), {**request, **card})
    assert response.status_code in (200, 302, 400)


@FUZZ
@given(payment=text, amount=text, contact=text)
def test_the_pay_pages_never_fail(account, moneta, payment, amount, contact):
    user = UserFactory()
    AccountLink.objects.create(user=user, account=account)
    client = Client()
    client.force_login(user)
    for name in ("pay_success", "pay_fail", "pay_in_progress", "pay_return"):
        url = reverse(f"cabinet:{name}", args=[account.pk])
        assert client.get(url, {"payment": payment}).status_code in (200, 404)
    url = reverse("cabinet:pay", args=[account.pk])
    assert client.get(url, {"amount": amount}).status_code == 200
    assert client.post(url, {"amount": amount, "contact": contact}).status_code in (200, 302)

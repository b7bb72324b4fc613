"""The Pay URL and the Check URL: only a verified notification that matches the payment
credits money, once; everything else gets no credit and the protocol's answer."""

from decimal import Decimal as D
from xml.etree import ElementTree

import pytest
from django.test import Client

from kabinet.billing.models import Payment
from kabinet.billing.selectors import account_balance
from kabinet.payments.gateways.moneta import signature
from kabinet.payments.models import GatewayKind, Notification, OnlinePayment

from .helpers import CODE, check_request, check_url, notification, online_payment, pay_url

pytestmark = pytest.mark.django_db
Outcome = Notification.Outcome


@pytest.fixture
def gateway_client():
    """A gateway: no CSRF token, no cookies, no User-Agent."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def payment(account, moneta):
    return online_payment(account, amount="1500.50")


def post(client, params, url=None):
    response = client.post(url or pay_url(), params)
    return response.status_code, response.content.decode()


def credited(payment) -> list[Payment]:
    return list(Payment.objects.filter(account=payment.account))


def last_log() -> Notification:
    return Notification.objects.order_by("-id").first()


def test_a_verified_notification_credits_the_payment_once(gateway_client, payment):
    assert post(gateway_client, notification(payment)) == (200, "SUCCESS")
    [row] = credited(payment)
    assert (row.amount, row.source, row.external_id) == (D("1500.50"), "online", "moneta:123456")
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID
    assert payment.operation_id == "123456" and payment.ledger_payment == row
    assert payment.notified_at is not None and payment.paid_at is not None
    assert account_balance(account_id=payment.account_id) == D("-1500.50")
    log = last_log()
    assert (log.outcome, log.signature_valid, log.answer) == (Outcome.CREDITED, True, "SUCCESS")
    assert log.ledger_payment == row and log.online_payment == payment
    assert log.params["MNT_OPERATION_ID"] == "123456"


def test_a_replay_credits_nothing_more_and_is_acknowledged(gateway_client, payment):
    params = notification(payment)
    for _ in range(3):
        assert post(gateway_client, params) == (200, "SUCCESS")
    assert len(credited(payment)) == 1
    outcomes = list(Notification.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [Outcome.CREDITED, Outcome.REPEAT, Outcome.REPEAT]


def test_it_comes_by_get_too(gateway_client, payment):
    response = gateway_client.get(pay_url(), notification(payment))
    assert response.content == b"SUCCESS" and len(credited(payment)) == 1


@pytest.mark.parametrize(
    "overrides, outcome",
    [
        ({"MNT_AMOUNT": "1500.51"}, Outcome.WRONG_AMOUNT),
        ({"MNT_AMOUNT": "1.00"}, Outcome.WRONG_AMOUNT),
        ({"MNT_CURRENCY_CODE": "USD"}, Outcome.WRONG_CURRENCY),
        ({"MNT_ID": "54600818"}, Outcome.WRONG_ACCOUNT),
        ({"MNT_TEST_MODE": "1"}, Outcome.WRONG_TEST_MODE),
    ],
)
def test_a_signed_notification_that_does_not_match_is_refused(
    gateway_client, payment, overrides, outcome
):
    # Signed with the right code: genuine, yet not what was asked for.
    assert post(gateway_client, notification(payment, **overrides)) == (200, "FAIL")
    assert credited(payment) == []
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.CREATED and payment.notified_at is None
    log = last_log()
    assert (log.outcome, log.signature_valid, log.answer) == (outcome, True, "FAIL")
    assert log.needs_attention


@pytest.mark.parametrize(
    "params",
    [
        lambda p: notification(p, code="WRONG"),
        lambda p: {**notification(p), "MNT_AMOUNT": "1.00"},  # changed after signing
        lambda p: {**notification(p), "MNT_SIGNATURE": "0" * 32},
        lambda p: {**notification(p), "MNT_OPERATION_ID": "999999"},
    ],
    ids=["wrong code", "tampered amount", "zeros", "tampered operation"],
)
def test_a_bad_signature_is_refused(gateway_client, payment, params):
    assert post(gateway_client, params(payment)) == (200, "FAIL")
    assert credited(payment) == []
    log = last_log()
    assert (log.outcome, log.signature_valid) == (Outcome.BAD_SIGNATURE, False)


def test_test_mode_is_taken_only_while_the_organization_is_in_it_and_never_credited(
    gateway_client, account, moneta
):
    moneta.test_mode = True
    moneta.save()
    payment = online_payment(account)  # started in test mode
    moneta.test_mode = False  # switched off since
    moneta.save()
    assert post(gateway_client, notification(payment)) == (200, "FAIL")
    assert last_log().outcome == Outcome.WRONG_TEST_MODE and credited(payment) == []
    moneta.test_mode = True
    moneta.save()
    for _ in range(2):
        assert post(gateway_client, notification(payment)) == (200, "SUCCESS")
    payment.refresh_from_db()
    # Acknowledged, shown as done in test mode, but no money moved: nothing credited.
    assert payment.status == OnlinePayment.Status.TEST_PAID and payment.ledger_payment is None
    assert credited(payment) == []
    assert [n.outcome for n in Notification.objects.order_by("id")][-2:] == [
        Outcome.TEST_PAID,
        Outcome.REPEAT,
    ]
    cancel = notification(payment, MNT_COMMAND="CANCELLED_DEBIT")
    assert post(gateway_client, cancel) == (200, "SUCCESS")
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.TEST_PAID


def test_a_real_payment_announced_as_a_test_one_is_refused_even_in_test_mode(
    gateway_client, account, moneta
):
    payment = online_payment(account)  # asked for real money
    moneta.test_mode = True
    moneta.save()
    assert post(gateway_client, notification(payment, MNT_TEST_MODE="1")) == (200, "FAIL")
    assert credited(payment) == []


def test_unknown_payments_and_garbage_are_refused_and_logged(gateway_client, payment):
    assert post(gateway_client, notification(payment, MNT_TRANSACTION_ID="nope")) == (200, "FAIL")
    assert last_log().outcome == Outcome.UNKNOWN
    assert post(gateway_client, {"MNT_ID": "1", "junk": "x" * 5000}) == (200, "FAIL")
    log = last_log()
    assert log.outcome == Outcome.MALFORMED and log.params == {"MNT_ID": "1"}  # nothing else kept
    assert post(gateway_client, {}) == (200, "FAIL")
    assert credited(payment) == []


def test_a_failure_after_success_changes_nothing(gateway_client, payment):
    post(gateway_client, notification(payment))
    cancel = notification(payment, MNT_COMMAND="CANCELLED_DEBIT", MNT_OPERATION_ID="123457")
    assert post(gateway_client, cancel) == (200, "SUCCESS")  # taken: stop retrying
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID and len(credited(payment)) == 1
    assert account_balance(account_id=payment.account_id) == D("-1500.50")
    assert last_log().outcome == Outcome.LATE_FAILURE and last_log().needs_attention


def test_a_failure_before_success_marks_it_failed_and_a_success_still_credits(
    gateway_client, payment
):
    cancel = notification(payment, MNT_COMMAND="CANCELLED_DEBIT")
    assert post(gateway_client, cancel) == (200, "SUCCESS")
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.FAILED and credited(payment) == []
    # The money came after all (another attempt at the gateway): it is credited.
    assert post(gateway_client, notification(payment, MNT_OPERATION_ID="777")) == (200, "SUCCESS")
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID and len(credited(payment)) == 1


def test_a_hold_is_in_progress_without_money(gateway_client, payment):
    assert post(gateway_client, notification(payment, MNT_COMMAND="AUTHORISE")) == (200, "SUCCESS")
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.IN_PROGRESS and credited(payment) == []
    assert last_log().outcome == Outcome.IN_PROGRESS


def test_an_unknown_command_is_refused(gateway_client, payment):
    assert post(gateway_client, notification(payment, MNT_COMMAND="REFUND")) == (200, "FAIL")
    assert last_log().outcome == Outcome.UNKNOWN_COMMAND and credited(payment) == []


def test_a_second_operation_for_the_same_payment_is_money_too(gateway_client, payment):
    post(gateway_client, notification(payment, MNT_OPERATION_ID="1"))
    assert post(gateway_client, notification(payment, MNT_OPERATION_ID="2")) == (200, "SUCCESS")
    assert sorted(p.external_id for p in credited(payment)) == ["moneta:1", "moneta:2"]
    assert last_log().outcome == Outcome.CREDITED_AGAIN and last_log().needs_attention
    payment.refresh_from_db()
    assert payment.operation_id == "1"


def test_without_an_integrity_code_nothing_is_credited(gateway_client, payment, moneta):
    moneta.integrity_code_encrypted = ""
    moneta.save()
    assert post(gateway_client, notification(payment)) == (200, "FAIL")
    assert last_log().outcome == Outcome.NO_CODE and credited(payment) == []


def test_a_code_from_the_environment_wins(gateway_client, payment, settings):
    settings.PAYMENTS_INTEGRITY_CODES = {payment.merchant_id: "FROM-ENV"}
    assert post(gateway_client, notification(payment)) == (200, "FAIL")  # signed with QWERTY
    assert post(gateway_client, notification(payment, code="FROM-ENV")) == (200, "SUCCESS")


def test_with_fiscal_receipts_the_answer_is_signed_xml_with_the_receipt(
    gateway_client, account, moneta
):
    moneta.fiscal_receipts = True
    moneta.save()
    payment = online_payment(account, amount="417.99", receipt_contact="resident@example.com")
    params = notification(payment)
    response = gateway_client.post(pay_url(), params)
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    assert root.findtext("MNT_RESULT_CODE") == "200"
    assert root.findtext("MNT_SIGNATURE") == signature(
        "200", payment.merchant_id, payment.transaction_id, code=CODE
    )
    values = {a.findtext("KEY"): a.findtext("VALUE") for a in root.iter("ATTRIBUTE")}
    assert values["CUSTOMER"] == "resident@example.com"
    assert '"price": "417.99"' in values["INVENTORY"]
    assert "лицевой счет № 1234567" in values["INVENTORY"]
    # A replay gets the same answer (the receipt is not issued twice: one operation).
    assert gateway_client.post(pay_url(), params).content == response.content
    assert len(credited(payment)) == 1


def test_other_methods_are_refused(gateway_client, payment):
    assert gateway_client.put(pay_url(), notification(payment)).status_code == 405
    assert credited(payment) == []


def test_the_sandbox_endpoints_are_gone_in_production(gateway_client, account, sandbox, settings):
    payment = online_payment(account)
    settings.PAYMENTS_SANDBOX = False
    assert (
        gateway_client.post(pay_url(GatewayKind.SANDBOX), notification(payment)).status_code == 404
    )
    settings.PAYMENTS_SANDBOX = True
    assert post(gateway_client, notification(payment), url=pay_url(GatewayKind.SANDBOX)) == (
        200,
        "SUCCESS",
    )


def test_a_notification_at_another_gateways_url_is_unknown(gateway_client, account, sandbox):
    payment = online_payment(account)  # a sandbox payment
    assert post(gateway_client, notification(payment)) == (200, "FAIL")  # at Moneta's URL
    assert last_log().outcome == Outcome.UNKNOWN and credited(payment) == []


# --- the Check URL --------------------------------------------------------------------------


def check(client, params) -> tuple[str, ElementTree.Element]:
    response = client.post(check_url(), params)
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return root.findtext("MNT_RESULT_CODE"), root


def test_check_answers_follow_the_payment(gateway_client, payment):
    code, root = check(gateway_client, check_request(payment, MNT_AMOUNT=""))
    assert code == "100" and root.findtext("MNT_AMOUNT") == "1500.50"  # amount supplied by us
    assert root.findtext("MNT_SIGNATURE") == signature(
        "100", payment.merchant_id, payment.transaction_id, code=CODE
    )
    assert check(gateway_client, check_request(payment))[0] == "402"  # payable
    assert check(gateway_client, check_request(payment, MNT_AMOUNT="1.00"))[0] == "500"
    post(gateway_client, notification(payment, MNT_COMMAND="AUTHORISE"))
    assert check(gateway_client, check_request(payment))[0] == "302"  # in progress
    post(gateway_client, notification(payment))
    assert check(gateway_client, check_request(payment))[0] == "200"  # paid
    assert check(gateway_client, check_request(payment, MNT_TRANSACTION_ID="nope"))[0] == "500"
    assert check(gateway_client, check_request(payment, code="WRONG"))[0] == "500"
    assert len(credited(payment)) == 1  # checks never credit


def test_a_check_of_a_failed_payment_says_cancelled(gateway_client, payment):
    post(gateway_client, notification(payment, MNT_COMMAND="CANCELLED_DEBIT"))
    assert check(gateway_client, check_request(payment))[0] == "500"


def test_a_pay_notification_at_the_check_url_is_refused(gateway_client, payment):
    code, _root = check(gateway_client, notification(payment))  # no MNT_COMMAND=CHECK
    assert code == "500" and credited(payment) == []


def test_an_operation_already_credited_to_another_payment_is_refused(
    gateway_client, account, payment
):
    other = online_payment(account, amount="1500.50")
    post(gateway_client, notification(payment, MNT_OPERATION_ID="42"))
    assert post(gateway_client, notification(other, MNT_OPERATION_ID="42")) == (200, "FAIL")
    other.refresh_from_db()
    assert other.status == OnlinePayment.Status.CREATED and other.notified_at is None
    assert len(credited(payment)) == 1
    log = last_log()
    assert (log.outcome, log.online_payment, log.ledger_payment) == (
        Outcome.OPERATION_CONFLICT,
        other,
        None,
    )
    assert log.needs_attention


def test_garbage_at_the_check_url_gets_well_formed_xml(gateway_client, moneta):
    code, root = check(gateway_client, {"MNT_ID": "5460\x00", "MNT_TRANSACTION_ID": "a\x01b"})
    assert code == "500"
    assert (root.findtext("MNT_ID"), root.findtext("MNT_TRANSACTION_ID")) == ("5460", "ab")
    assert last_log().outcome == Outcome.MALFORMED
    assert last_log().params == {"MNT_ID": "5460\ufffd", "MNT_TRANSACTION_ID": "a\ufffdb"}

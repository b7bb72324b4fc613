"""MONETA.Assistant's signatures and answers, pinned to the protocol's published examples.

Both signing codes are checked against them: the Moneta gateway's (Kabinet's side) and
the sandbox's own (the imitation of Moneta), written apart on purpose.
"""

from decimal import Decimal as D
from xml.etree import ElementTree

import pytest

from kabinet.payments.gateways.base import (
    Event,
    NoticeMalformed,
    PaymentRequest,
    Receipt,
    ReceiptLine,
    Verdict,
)
from kabinet.payments.gateways.moneta import MonetaGateway, signature
from kabinet.payments.sandbox import signing

moneta = MonetaGateway()

# The three examples (code QWERTY), as in the protocol's documentation.
NOTIFICATION = {
    "MNT_ID": "54600817",
    "MNT_TRANSACTION_ID": "FF790ABCD",
    "MNT_OPERATION_ID": "123456",
    "MNT_AMOUNT": "120.25",
    "MNT_CURRENCY_CODE": "RUB",
    "MNT_SUBSCRIBER_ID": "",
    "MNT_TEST_MODE": "0",
}
NOTIFICATION_SIGNATURE = "69bdf9bd91820b8f7b4c4b25d3d22dfa"
ANSWER_SIGNATURE = "29807c8e5d82198b5c4360e6ec711cce"  # 200|54600817|FF790ABCD
AUTHORISE = {
    "MNT_COMMAND": "AUTHORISE",
    "MNT_ID": "96801571",
    "MNT_TRANSACTION_ID": "qynt-514-pqme",
    "MNT_OPERATION_ID": "102345423",
    "MNT_AMOUNT": "10.00",
    "MNT_CURRENCY_CODE": "RUB",
    "MNT_SUBSCRIBER_ID": "",
    "MNT_TEST_MODE": "0",
}
AUTHORISE_SIGNATURE = "ed56b32f21cb8aa5e7e99b75345a0207"


def test_the_gateway_signs_the_three_examples():
    assert signature(*NOTIFICATION.values(), code="QWERTY") == NOTIFICATION_SIGNATURE
    assert signature("200", "54600817", "FF790ABCD", code="QWERTY") == ANSWER_SIGNATURE
    assert signature(*AUTHORISE.values(), code="QWERTY") == AUTHORISE_SIGNATURE


def test_the_sandbox_signs_the_three_examples():
    assert signing.sign("notification", NOTIFICATION, "QWERTY") == NOTIFICATION_SIGNATURE
    answer = {"MNT_RESULT_CODE": "200", "MNT_ID": "54600817", "MNT_TRANSACTION_ID": "FF790ABCD"}
    assert signing.sign("answer", answer, "QWERTY") == ANSWER_SIGNATURE
    assert signing.sign("notification", AUTHORISE, "QWERTY") == AUTHORISE_SIGNATURE


def test_the_gateway_verifies_the_examples_as_received():
    paid = moneta.read({**NOTIFICATION, "MNT_SIGNATURE": NOTIFICATION_SIGNATURE}, kind="pay")
    assert paid.event is Event.PAID and paid.amount == D("120.25")
    assert moneta.verify(paid, code="QWERTY")
    assert not moneta.verify(paid, code="QWERTZ")
    held = moneta.read({**AUTHORISE, "MNT_SIGNATURE": AUTHORISE_SIGNATURE}, kind="pay")
    assert held.event is Event.AUTHORISED and moneta.verify(held, code="QWERTY")


@pytest.mark.parametrize(
    "field, value",
    [
        ("MNT_AMOUNT", "120.26"),
        ("MNT_AMOUNT", "120.250"),  # the same number, not the same text: signed raw
        ("MNT_ID", "54600818"),
        ("MNT_OPERATION_ID", "123457"),
        ("MNT_TEST_MODE", "1"),
        ("MNT_SUBSCRIBER_ID", "x"),
        ("MNT_COMMAND", "AUTHORISE"),
    ],
)
def test_any_changed_value_breaks_the_signature(field, value):
    params = {**NOTIFICATION, "MNT_SIGNATURE": NOTIFICATION_SIGNATURE, field: value}
    try:
        notice = moneta.read(params, kind="pay")
    except NoticeMalformed:
        return  # refused earlier, as malformed: fine too
    assert not moneta.verify(notice, code="QWERTY")


def test_an_absent_subscriber_signs_as_empty_and_uppercase_hex_is_read():
    params = {k: v for k, v in NOTIFICATION.items() if k != "MNT_SUBSCRIBER_ID"}
    notice = moneta.read({**params, "MNT_SIGNATURE": NOTIFICATION_SIGNATURE.upper()}, kind="pay")
    assert moneta.verify(notice, code="QWERTY")


@pytest.mark.parametrize(
    "overrides",
    [
        {"MNT_ID": None},
        {"MNT_TRANSACTION_ID": ""},
        {"MNT_OPERATION_ID": None},
        {"MNT_AMOUNT": "120,25"},
        {"MNT_AMOUNT": "-1.00"},
        {"MNT_AMOUNT": "1e3"},
        {"MNT_CURRENCY_CODE": "rub"},
        {"MNT_TEST_MODE": "yes"},
        {"MNT_SIGNATURE": "not-hex"},
        {"MNT_SIGNATURE": None},
        {"MNT_TRANSACTION_ID": "x" * 256},
        {"MNT_ID": "5460ABCD"},
    ],
)
def test_malformed_notifications_are_refused_before_any_lookup(overrides):
    params = {**NOTIFICATION, "MNT_SIGNATURE": NOTIFICATION_SIGNATURE, **overrides}
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(NoticeMalformed):
        moneta.read(params, kind="pay")


def test_a_check_request_needs_the_check_command_and_may_leave_out_the_amount():
    params = {**NOTIFICATION, "MNT_COMMAND": "CHECK", "MNT_AMOUNT": "", "MNT_OPERATION_ID": ""}
    params["MNT_SIGNATURE"] = signing.sign("notification", params, "QWERTY")
    notice = moneta.read(params, kind="check")
    assert notice.event is Event.CHECK and notice.amount is None
    assert moneta.verify(notice, code="QWERTY")
    with pytest.raises(NoticeMalformed):
        moneta.read({**params, "MNT_COMMAND": ""}, kind="check")


def test_the_request_is_signed_so_that_the_sandbox_accepts_it():
    request = PaymentRequest(
        transaction_id="FF790ABCD",
        merchant_id="54600817",
        amount=D("417.99"),
        currency="RUB",
        test_mode=False,
        description="Оплата ЖКУ",
        success_url="https://k.example/ok",
        fail_url="https://k.example/fail",
        in_progress_url="https://k.example/wait",
        return_url="https://k.example/back",
    )
    redirect = moneta.start(
        request=request, page_url="https://moneta.ru/assistant.htm", code="QWERTY"
    )
    assert redirect.url.startswith("https://moneta.ru/assistant.htm?MNT_ID=54600817&")
    assert "https://moneta.ru" in redirect.origins
    from .helpers import query

    fields = query(redirect.url)
    assert fields["MNT_AMOUNT"] == "417.99" and fields["MNT_TEST_MODE"] == "0"
    assert fields["MNT_SUCCESS_URL"] == "https://k.example/ok"
    # md5("54600817" "FF790ABCD" "417.99" "RUB" "" "0" "QWERTY"), by the other side's code
    assert signing.signed_correctly("request", fields, "QWERTY")
    assert not signing.signed_correctly("request", {**fields, "MNT_AMOUNT": "1.00"}, "QWERTY")


def test_answers_plain_and_signed_xml_with_the_receipt():
    params = {**NOTIFICATION, "MNT_SIGNATURE": NOTIFICATION_SIGNATURE}
    notice = moneta.read(params, kind="pay")
    plain = moneta.answer(verdict=Verdict.ACCEPTED, notice=notice, params=params, code="QWERTY")
    assert (plain.content, plain.content_type) == ("SUCCESS", "text/plain; charset=utf-8")
    refused = moneta.answer(verdict=Verdict.REFUSED, notice=notice, params=params, code="QWERTY")
    assert refused.content == "FAIL"

    receipt = Receipt(
        customer="+79123456789",
        lines=(ReceiptLine(name="Оплата ЖКУ", price=D("120.25"), quantity=D(1), vat_tag="1105"),),
    )
    xml = moneta.answer(
        verdict=Verdict.ACCEPTED, notice=notice, params=params, code="QWERTY", receipt=receipt
    )
    root = ElementTree.fromstring(xml.content.encode())
    assert [child.tag for child in root][:4] == [
        "MNT_ID",
        "MNT_TRANSACTION_ID",
        "MNT_RESULT_CODE",
        "MNT_SIGNATURE",
    ]
    assert root.findtext("MNT_RESULT_CODE") == "200"
    assert root.findtext("MNT_SIGNATURE") == ANSWER_SIGNATURE
    attributes = {
        a.findtext("KEY"): a.findtext("VALUE") for a in root.iterfind("MNT_ATTRIBUTES/ATTRIBUTE")
    }
    assert attributes["CUSTOMER"] == "+79123456789"
    assert attributes["INVENTORY"] == (
        '[{"name": "Оплата ЖКУ", "price": "120.25", "quantity": "1", "vatTag": "1105", '
        '"pm": "full_payment", "po": "service"}]'
    )


@pytest.mark.parametrize(
    "verdict, code", [
        (Verdict.CHECK_AMOUNT, "100"),
        (Verdict.CHECK_PAID, "200"),
        (Verdict.CHECK_IN_PROGRESS, "302"),
        (Verdict.CHECK_PAYABLE, "402"),
        (Verdict.CHECK_REFUSED, "500"),
    ],
)  # fmt: skip
def test_check_answers_carry_their_code_signed(verdict, code):
    params = {"MNT_ID": "54600817", "MNT_TRANSACTION_ID": "FF790ABCD"}
    answer = moneta.answer(
        verdict=verdict, notice=None, params=params, code="QWERTY", amount=D("5")
    )
    root = ElementTree.fromstring(answer.content.encode())
    assert root.findtext("MNT_RESULT_CODE") == code
    assert root.findtext("MNT_SIGNATURE") == signature(
        code, "54600817", "FF790ABCD", code="QWERTY"
    )
    assert root.findtext("MNT_AMOUNT") == ("5.00" if code == "100" else None)

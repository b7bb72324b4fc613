"""The sandbox gateway: its page checks the signed request, the card decides the outcome,
and a paid operation is announced to the Pay URL until acknowledged, as Moneta does."""

import datetime
from decimal import Decimal as D
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kabinet.billing.models import Payment
from kabinet.payments.models import GatewayKind, OnlinePayment, SandboxOperation
from kabinet.payments.sandbox import cards, operations, signing
from kabinet.payments.services import ReturnPaths, online_payment_start
from tests.factories import UserFactory

from .helpers import CODE, query, run_tasks

pytestmark = pytest.mark.django_db
PATHS = ReturnPaths(success="/ok/", fail="/fail/", in_progress="/wait/", back="/back/")
START = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def started(account, sandbox, settings):
    """A payment of 1 500,50 started by a resident: the sandbox request's fields."""
    settings.SITE_URL = "http://testserver"
    user = UserFactory()
    payment, redirect = online_payment_start(
        account=account, user=user, amount=D("1500.50"), receipt_contact="", paths=PATHS
    )
    assert redirect.url.startswith("http://testserver/payments/sandbox/assistant/?")
    return payment, query(redirect.url)


@pytest.fixture
def shop(monkeypatch):
    """The shop's Pay URL answered in-process (no server in these tests); `down` makes it
    fail like a server that is not there."""

    class Shop:
        down = 0  # how many deliveries fail before it answers
        client = Client()
        seen: list[dict] = []

        def deliver(self, url, fields):
            self.seen.append(dict(fields))
            if self.down:
                self.down -= 1
                return None, "[Errno 111] Connection refused"
            response = self.client.post(urlsplit(url).path, fields)
            return response.status_code, response.content.decode()

    shop = Shop()
    shop.seen = []
    monkeypatch.setattr(operations, "deliver", shop.deliver)
    return shop


def pay(client, fields, card=cards.SUCCESS, **form):
    data = {**fields, "card_number": card, "expiry": "12/30", "cvc": "123", **form}
    return client.post(reverse("payments:sandbox_assistant"), data)


def test_the_page_shows_fig_6(client, started):
    _payment, fields = started
    response = client.get(reverse("payments:sandbox_assistant"), fields)
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Оплата через систему Moneta.Ру",
        "Изменить сумму оплаты",
        "Номер карты",
        "Срок действия",
        "CVC2/CVV2",
        "E-mail или телефон",
        "Сумма к оплате",
        "1\u202f500,50",
        "Оплатить",
        "Песочница",
        "4111 1111 1111 1111",
    ):
        assert text in page, text
    assert 'href="http://testserver/back/?payment=' in page  # "Изменить сумму оплаты"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"MNT_AMOUNT": "1.00"}, "Подпись запроса неверна"),
        ({"MNT_SIGNATURE": "0" * 32}, "Подпись запроса неверна"),
        ({"MNT_ID": "999"}, "Неизвестный счет магазина"),
        ({"MNT_ID": ""}, "Неизвестный счет магазина"),
    ],
)
def test_a_request_not_signed_by_the_shop_is_refused(client, started, change, message):
    _payment, fields = started
    response = client.get(reverse("payments:sandbox_assistant"), {**fields, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert pay(client, {**fields, **change}).status_code == 400
    assert SandboxOperation.objects.count() == 0


def test_the_success_card_pays_and_the_shop_is_told(client, started, shop):
    payment, fields = started
    response = pay(client, fields, card="4111 1111 1111 1111", contact="8 912 345-67-89")
    assert response.status_code == 302
    assert response.url == f"http://testserver/ok/?payment={payment.transaction_id}"
    operation = SandboxOperation.objects.get()
    assert (operation.status, operation.amount, operation.test_mode) == (
        "succeeded",
        "1500.50",
        "0",
    )
    assert run_tasks() == 1
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID
    assert payment.operation_id == operation.operation_id
    assert Payment.objects.get().external_id == f"sandbox:{operation.pk}"
    operation.refresh_from_db()
    assert operation.acknowledged_at is not None and operation.attempts == 1
    [sent] = shop.seen
    assert signing.signed_correctly("notification", sent, CODE)
    assert "card" not in str(sent).lower() and "4111" not in str(sent)


@pytest.mark.parametrize(
    "card, back, status",
    [
        (cards.DECLINE, "/fail/", "declined"),
        (cards.IN_PROGRESS, "/wait/", "in_progress"),
        ("4242424242424242", "/fail/", "declined"),  # any other card: the bank says no
    ],
)
def test_other_cards_decline_or_stay_in_progress_without_a_notification(
    client, started, shop, card, back, status
):
    payment, fields = started
    response = pay(client, fields, card=card)
    assert response.url == f"http://testserver{back}?payment={payment.transaction_id}"
    assert SandboxOperation.objects.get().status == status
    assert run_tasks() == 0 and shop.seen == []
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.CREATED and not Payment.objects.exists()


def test_an_operation_left_in_progress_can_go_through_later(client, started, shop):
    payment, fields = started
    pay(client, fields, card=cards.IN_PROGRESS)
    operation = SandboxOperation.objects.get()
    assert operations.operation_complete(operation=operation)
    assert not operations.operation_complete(operation=operation)  # once
    run_tasks()
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"card_number": "4111 1111 1111 1112"}, "card_number", "Проверьте номер карты"),
        ({"card_number": ""}, "card_number", "Введите номер карты"),
        ({"expiry": "13/30"}, "expiry", "ММ/ГГ"),
        ({"expiry": "01/20"}, "expiry", "Срок действия карты истек"),
        ({"cvc": "12"}, "cvc", "три цифры"),
        ({"contact": "not an address"}, "contact", "Введите e-mail"),
    ],
)
def test_card_form_errors_are_shown_next_to_the_field_and_the_card_is_not_echoed(
    client, started, form, field, message
):
    _payment, fields = started
    response = pay(client, fields, **form)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    page = response.content.decode()
    assert "4111111111111111" not in page and "4111 1111 1111 1112" not in page
    assert 'value="123"' not in page
    assert SandboxOperation.objects.count() == 0


def test_an_order_is_paid_once(client, started, shop):
    _payment, fields = started
    pay(client, fields)
    response = pay(client, fields)
    assert response.status_code == 400 and "Этот заказ уже оплачен" in response.content.decode()
    assert SandboxOperation.objects.count() == 1


def test_the_payer_is_sent_back_only_to_the_shops_own_site(client, account, sandbox, settings):
    settings.SITE_URL = "http://testserver"
    _payment, redirect = online_payment_start(
        account=account,
        user=UserFactory(),
        amount=D("10"),
        receipt_contact="",
        paths=ReturnPaths(success="/ok/", fail="/f/", in_progress="/w/", back="/b/"),
    )
    fields = query(redirect.url)
    fields["MNT_SUCCESS_URL"] = "https://evil.example/phish"  # not signed: may be tampered
    assert pay(client, fields).url == "http://testserver/"


def test_the_page_is_gone_in_production(client, started, settings):
    _payment, fields = started
    settings.PAYMENTS_SANDBOX = False
    assert client.get(reverse("payments:sandbox_assistant"), fields).status_code == 404
    assert pay(client, fields).status_code == 404


def test_notifications_are_retried_with_growing_pauses_until_acknowledged(client, started, shop):
    payment, fields = started
    shop.down = 3
    with time_machine.travel(START, tick=False) as clock:
        pay(client, fields)
        assert run_tasks() == 1  # refused connection
        operation = SandboxOperation.objects.get()
        assert run_tasks() == 0  # not yet: the next try waits
        pauses = []
        for _ in range(3):
            [due] = DBTaskResult.objects.filter(status="READY")
            pauses.append(due.run_after - timezone.now())
            clock.move_to(due.run_after)
            run_tasks()
        assert pauses == [datetime.timedelta(seconds=s) for s in (30, 60, 120)]
    operation.refresh_from_db()
    assert operation.attempts == 4 and operation.acknowledged_at is not None
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID and Payment.objects.count() == 1
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_an_answer_that_is_not_an_acknowledgement_is_retried(client, started, shop, monkeypatch):
    _payment, fields = started
    answers = iter([(200, "OK"), (500, "SUCCESS"), (200, "<MNT_RESPONSE/>"), (200, "SUCCESS")])
    monkeypatch.setattr(operations, "deliver", lambda url, fields: next(answers))
    with time_machine.travel(START, tick=False) as clock:
        pay(client, fields)
        for _ in range(4):
            run_tasks()
            clock.shift(datetime.timedelta(hours=1))
    operation = SandboxOperation.objects.get()
    assert operation.attempts == 4 and operation.acknowledged_at is not None


def test_an_xml_answer_must_be_signed_for_this_order():
    fields = {"MNT_ID": "54600817", "MNT_TRANSACTION_ID": "FF790ABCD"}
    good = (
        "<MNT_RESPONSE><MNT_ID>54600817</MNT_ID><MNT_TRANSACTION_ID>FF790ABCD"
        "</MNT_TRANSACTION_ID><MNT_RESULT_CODE>200</MNT_RESULT_CODE>"
        "<MNT_SIGNATURE>29807c8e5d82198b5c4360e6ec711cce</MNT_SIGNATURE></MNT_RESPONSE>"
    )
    assert operations.acknowledged(200, good, fields, "QWERTY")
    assert not operations.acknowledged(200, good, fields, "OTHER")
    assert not operations.acknowledged(200, good.replace(">200<", ">500<"), fields, "QWERTY")
    assert not operations.acknowledged(200, good, {**fields, "MNT_TRANSACTION_ID": "X"}, "QWERTY")
    assert not operations.acknowledged(200, "<MNT_RESPONSE", fields, "QWERTY")
    assert operations.acknowledged(200, " SUCCESS\n", fields, "QWERTY")
    assert not operations.acknowledged(200, "FAIL", fields, "QWERTY")


def test_after_27_hours_the_sandbox_stops_as_moneta_does(client, started, shop):
    payment, fields = started
    shop.down = 10**6
    with time_machine.travel(START, tick=False) as clock:
        pay(client, fields)
        while DBTaskResult.objects.filter(status="READY").exists():
            due = DBTaskResult.objects.get(status="READY").task_result.task
            clock.move_to(due.run_after or timezone.now())  # None: at once
            run_tasks()
        elapsed = timezone.now() - START
    operation = SandboxOperation.objects.get()
    assert operation.gave_up_at is not None and operation.acknowledged_at is None
    assert datetime.timedelta(hours=27) <= elapsed < datetime.timedelta(hours=28)
    assert 30 < operation.attempts < 45  # hourly at the end
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.CREATED  # for the reconciliation now


def test_the_sandbox_uses_its_own_gateway_kind(started):
    payment, _fields = started
    assert payment.gateway == GatewayKind.SANDBOX and not payment.test_mode


def test_in_test_mode_the_sandbox_payment_is_acknowledged_but_not_credited(
    client, account, sandbox, shop, settings
):
    settings.SITE_URL = "http://testserver"
    sandbox.test_mode = True
    sandbox.save()
    payment, redirect = online_payment_start(
        account=account, user=UserFactory(), amount=D("10"), receipt_contact="", paths=PATHS
    )
    fields = query(redirect.url)
    assert fields["MNT_TEST_MODE"] == "1"
    pay(client, fields)
    run_tasks()
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.TEST_PAID and not Payment.objects.exists()
    assert SandboxOperation.objects.get().acknowledged_at is not None

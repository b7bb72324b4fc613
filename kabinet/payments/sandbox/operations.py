"""The sandbox gateway's side: read a payment request, make an operation, announce it.

It behaves as Moneta does, as far as Kabinet can tell: it checks the request's
signature and the shop account (MNT_ID), keeps one paid operation per order, sends the
payer back to the shop's success, failure or in-progress URL, and announces a paid
operation to the shop's Pay URL with a signed notification, again and again with a
growing pause until the shop acknowledges it, for at most 27 hours (docs/payments.md).
"""

import datetime
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import GatewayKind, GatewaySettings, SandboxOperation
from . import cards, signing

REQUEST_FIELDS = (
    "MNT_ID",
    "MNT_TRANSACTION_ID",
    "MNT_AMOUNT",
    "MNT_CURRENCY_CODE",
    "MNT_SUBSCRIBER_ID",
    "MNT_TEST_MODE",
    "MNT_DESCRIPTION",
    "MNT_SIGNATURE",
    "MNT_SUCCESS_URL",
    "MNT_FAIL_URL",
    "MNT_INPROGRESS_URL",
    "MNT_RETURN_URL",
)
_AMOUNT = re.compile(r"\d{1,12}\.\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
GIVE_UP_AFTER = datetime.timedelta(hours=27)
FIRST_RETRY = 30  # seconds; doubles with each attempt
LONGEST_PAUSE = 3600
TIMEOUT = 10  # seconds to wait for the shop's answer


class SandboxRefusal(Exception):
    """The request cannot be paid; the message is shown to the payer."""


@dataclass(frozen=True)
class Order:
    fields: dict[str, str]
    config: GatewaySettings

    @property
    def amount(self) -> Decimal:
        return Decimal(self.fields["MNT_AMOUNT"])

    def back_url(self, name: str) -> str:
        """One of the shop's URLs, if it is on the shop's own site (as Moneta lets a
        shop override only its own addresses); else the shop's address."""
        base = self.config.base_url()
        url = self.fields.get(name, "")
        same_site = urlsplit(url)[:2] == urlsplit(base)[:2] and url.startswith(base + "/")
        return url if same_site else base + "/"


def order_read(params: Mapping[str, str]) -> Order:
    fields = {name: (params.get(name) or "")[:500] for name in REQUEST_FIELDS}
    if any(_CONTROL.search(value) for value in fields.values()):
        raise SandboxRefusal(_("Запрос на оплату составлен неверно."))
    config = (
        GatewaySettings.objects.filter(
            kind=GatewayKind.SANDBOX, account_id=fields["MNT_ID"], enabled=True
        )
        .select_related("organization")
        .first()
    )
    if not fields["MNT_ID"] or config is None:
        raise SandboxRefusal(_("Неизвестный счет магазина (MNT_ID)."))
    code = config.integrity_code()
    if not code or not signing.signed_correctly("request", fields, code):
        raise SandboxRefusal(_("Подпись запроса неверна (MNT_SIGNATURE)."))
    if not fields["MNT_TRANSACTION_ID"]:
        raise SandboxRefusal(_("Не указан номер заказа (MNT_TRANSACTION_ID)."))
    too_long = max(len(fields["MNT_TRANSACTION_ID"]), len(fields["MNT_SUBSCRIBER_ID"])) > 255
    if too_long or fields["MNT_TEST_MODE"] not in ("", "0", "1"):
        raise SandboxRefusal(_("Запрос на оплату составлен неверно."))
    if not _AMOUNT.fullmatch(fields["MNT_AMOUNT"]) or Decimal(fields["MNT_AMOUNT"]) <= 0:
        raise SandboxRefusal(_("Сумма указана неверно (MNT_AMOUNT)."))
    if fields["MNT_CURRENCY_CODE"] != "RUB":
        raise SandboxRefusal(_("Песочница принимает только рубли (RUB)."))
    if _paid(fields):
        raise SandboxRefusal(_("Этот заказ уже оплачен."))
    return Order(fields=fields, config=config)


def _paid(fields: Mapping[str, str]) -> bool:
    return SandboxOperation.objects.filter(
        merchant_id=fields["MNT_ID"],
        transaction_id=fields["MNT_TRANSACTION_ID"],
        status=SandboxOperation.Status.SUCCEEDED,
    ).exists()


def outcome_for(card_number: str) -> str:
    if card_number == cards.SUCCESS:
        return SandboxOperation.Status.SUCCEEDED
    if card_number == cards.IN_PROGRESS:
        return SandboxOperation.Status.IN_PROGRESS
    return SandboxOperation.Status.DECLINED


def operation_pay(*, order: Order, card_number: str) -> SandboxOperation:
    """The payer pressed "Оплатить": an operation with the card's outcome; a paid one is
    announced to the shop (the task is queued in the same transaction)."""
    from .tasks import sandbox_notify

    status = outcome_for(card_number)
    fields = order.fields
    try:
        with transaction.atomic():
            operation = SandboxOperation.objects.create(
                merchant_id=fields["MNT_ID"],
                transaction_id=fields["MNT_TRANSACTION_ID"],
                amount=fields["MNT_AMOUNT"],
                currency=fields["MNT_CURRENCY_CODE"],
                subscriber_id=fields["MNT_SUBSCRIBER_ID"],
                test_mode=fields["MNT_TEST_MODE"],
                description=fields["MNT_DESCRIPTION"],
                status=status,
                pay_url=order.config.base_url() + reverse("payments:sandbox_pay"),
                completed_at=timezone.now()
                if status == SandboxOperation.Status.SUCCEEDED
                else None,
            )
            if status == SandboxOperation.Status.SUCCEEDED:
                sandbox_notify.enqueue(operation.pk)
    except IntegrityError:  # paid a moment ago in another tab
        raise SandboxRefusal(_("Этот заказ уже оплачен.")) from None
    return operation


def operation_complete(*, operation: SandboxOperation) -> bool:
    """An operation left in progress goes through after all (the sandbox's back office):
    it is announced like any paid one. False if it cannot (not in progress, or the
    order was paid by another operation meanwhile)."""
    from .tasks import sandbox_notify

    if operation.status != SandboxOperation.Status.IN_PROGRESS:
        return False
    try:
        with transaction.atomic():
            operation.status = SandboxOperation.Status.SUCCEEDED
            operation.completed_at = timezone.now()
            operation.save(update_fields=["status", "completed_at"])
            sandbox_notify.enqueue(operation.pk)
    except IntegrityError:
        return False
    return True


# --- announcing to the shop's Pay URL -------------------------------------------------------


def notification_fields(operation: SandboxOperation, code: str) -> dict[str, str]:
    fields = {
        "MNT_ID": operation.merchant_id,
        "MNT_TRANSACTION_ID": operation.transaction_id,
        "MNT_OPERATION_ID": operation.operation_id,
        "MNT_AMOUNT": operation.amount,
        "MNT_CURRENCY_CODE": operation.currency,
        "MNT_SUBSCRIBER_ID": operation.subscriber_id,
        "MNT_TEST_MODE": operation.test_mode,
    }
    fields["MNT_SIGNATURE"] = signing.sign("notification", fields, code)
    return fields


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a Pay URL that redirects is not an answer


_opener = urllib.request.build_opener(_NoRedirects)
_opener.addheaders = []  # no User-Agent, as gateways often send none


def deliver(url: str, fields: Mapping[str, str]) -> tuple[int | None, str]:
    """POST the notification; the HTTP status (None: no answer) and the body."""
    request = urllib.request.Request(url, data=urlencode(fields).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return response.status, response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(65536).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        return None, str(error)[:500]


def acknowledged(status: int | None, body: str, fields: Mapping[str, str], code: str) -> bool:
    """SUCCESS, or a signed XML answer with MNT_RESULT_CODE 200 for this very order."""
    if status != 200:
        return False
    text = body.strip()
    if text == "SUCCESS":
        return True
    if not text.startswith("<"):
        return False
    try:
        root = ElementTree.fromstring(text.encode())
    except ElementTree.ParseError:
        return False
    answer = {child.tag: (child.text or "") for child in root}
    return (
        root.tag == "MNT_RESPONSE"
        and answer.get("MNT_RESULT_CODE") == "200"
        and answer.get("MNT_ID") == fields["MNT_ID"]
        and answer.get("MNT_TRANSACTION_ID") == fields["MNT_TRANSACTION_ID"]
        and signing.signed_correctly("answer", answer, code)
    )


def pause_before(attempt: int) -> datetime.timedelta:
    """After the n-th unanswered attempt: 30 s, 1 min, 2 min… at most an hour."""
    return datetime.timedelta(seconds=min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_PAUSE))


def operation_announce(*, operation_id: int) -> str:
    """One attempt to announce a paid operation; the next is queued if it goes unanswered."""
    from .tasks import sandbox_notify

    operation = SandboxOperation.objects.get(pk=operation_id)
    if operation.acknowledged_at or operation.gave_up_at:
        return "done"
    config = GatewaySettings.objects.filter(
        kind=GatewayKind.SANDBOX, account_id=operation.merchant_id
    ).first()
    code = config.integrity_code() if config else None
    now = timezone.now()
    if code is None:
        status, body = (
            None,
            _("нет кода проверки целостности для счета %(id)s") % {"id": operation.merchant_id},
        )
        ok = False
    else:
        fields = notification_fields(operation, code)
        status, body = deliver(operation.pay_url, fields)
        ok = acknowledged(status, body, fields, code)
    operation.attempts += 1
    operation.last_answer = f"{status or '—'} {body}"[:2000]
    if ok:
        operation.acknowledged_at = now
        result = "acknowledged"
    elif now - operation.completed_at >= GIVE_UP_AFTER:
        operation.gave_up_at = now  # Moneta completes the operation without the shop
        result = "gave up"
    else:
        sandbox_notify.using(run_after=now + pause_before(operation.attempts)).enqueue(
            operation.pk
        )
        result = "retry"
    operation.save(update_fields=["attempts", "last_answer", "acknowledged_at", "gave_up_at"])
    return result

"""Writes of online payments: start one, take in what the gateway says, reconcile.

Money reaches the ledger in one place, `_credit`: through
`billing.services.payment_record` (idempotent by source and external id, locking the
account), in the same transaction as the online payment's change of state and the log
row of the notification that caused it. Only a verified notification of the gateway,
or staff reconciling with the gateway's statement, credits money; the payer's return
to a success page proves nothing (docs/payments.md).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import Payment
from kabinet.billing.services import payment_record
from kabinet.core.money import format_money, round_money
from kabinet.core.security import log_event
from kabinet.housing.models import PersonalAccount

from . import crypto
from .gateways import gateway_get
from .gateways.base import (
    Answer,
    Event,
    Gateway,
    Notice,
    NoticeMalformed,
    PaymentRequest,
    Receipt,
    ReceiptLine,
    Redirect,
    Verdict,
)
from .models import GatewayKind, GatewaySettings, Notification, OnlinePayment
from .selectors import online_offer

Status = OnlinePayment.Status
Outcome = Notification.Outcome

# Tests stop a process here, inside the crediting transaction (payments/tests/test_postgres.py).
credit_hook: Callable[[], None] | None = None


# --- gateway settings ---------------------------------------------------------------------


def gateway_settings_check(
    *, config: GatewaySettings, new_code: str | None, clear_code: bool = False
) -> None:
    """Raise ValidationError unless the settings can take payments: a gateway usable
    here, and an integrity code (from the environment, the form, or already stored)."""
    gateway = gateway_get(config.kind)
    if gateway is None:
        raise ValidationError({"kind": _("Песочница недоступна в рабочем режиме (PRODUCTION=1).")})
    stored = None if clear_code else crypto.code_decrypt(config.integrity_code_encrypted)
    has_code = bool(new_code or stored or crypto.code_from_environment(config.account_id))
    if config.enabled and not has_code:
        raise ValidationError(
            {
                "integrity_code": _(
                    "Укажите код проверки целостности данных из настроек счета в Moneta "
                    "(или задайте переменную окружения MONETA_INTEGRITY_CODE_%(id)s)."
                )
                % {"id": config.account_id or "<MNT_ID>"}
            }
        )


def gateway_settings_save(
    *, config: GatewaySettings, new_code: str | None = None, clear_code: bool = False, user_id=None
) -> GatewaySettings:
    """Save an organization's gateway settings; a new integrity code is stored encrypted.
    The security log names what changed, never the code."""
    gateway_settings_check(config=config, new_code=new_code, clear_code=clear_code)
    if new_code:
        config.integrity_code_encrypted = crypto.code_encrypt(new_code)
    elif clear_code:
        config.integrity_code_encrypted = ""
    adding = config._state.adding
    config.full_clean(exclude=["organization"] if adding else None)
    config.save()
    log_event(
        "payments_settings_saved",
        user_id=user_id,
        organization_id=config.organization_id,
        kind=config.kind,
        enabled=int(config.enabled),
        test_mode=int(config.test_mode),
        code_changed=int(bool(new_code) or clear_code),
    )
    return config


# --- starting a payment ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnPaths:
    """Where the gateway sends the payer back (paths on Kabinet's site)."""

    success: str
    fail: str
    in_progress: str
    back: str


def online_payment_start(
    *,
    account: PersonalAccount,
    user,
    amount: Decimal,
    receipt_contact: str,
    paths: ReturnPaths,
) -> tuple[OnlinePayment, Redirect]:
    """Record a payment waiting for the gateway and say where to send the payer."""
    config = online_offer(organization_id=account.organization_id)
    if config is None:
        raise ValidationError(_("Онлайн-оплата для этого лицевого счета не подключена."))
    code = config.integrity_code()
    if not code:
        log_event(
            "online_payment_no_code", user_id=user.pk, organization_id=config.organization_id
        )
        raise ValidationError(
            _("Онлайн-оплата временно недоступна. Попробуйте позже или оплатите по квитанции.")
        )
    amount = round_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("Сумма должна быть больше нуля.")})
    if amount > config.max_amount:
        raise ValidationError(
            {
                "amount": _("Не больше %(max)s ₽ за один платеж.")
                % {"max": format_money(config.max_amount)}
            }
        )
    gateway = gateway_get(config.kind)
    payment = OnlinePayment.objects.create(
        account=account,
        user=user,
        gateway=config.kind,
        merchant_id=config.account_id,
        test_mode=config.test_mode,
        amount=amount,
        receipt_contact=receipt_contact,
    )
    base = config.base_url()
    query = "?" + urlencode({"payment": payment.transaction_id})
    request = PaymentRequest(
        transaction_id=payment.transaction_id,
        merchant_id=payment.merchant_id,
        amount=payment.amount,
        currency=payment.currency,
        test_mode=payment.test_mode,
        description=_("Оплата ЖКУ, лицевой счет № %(number)s") % {"number": account.number},
        success_url=base + paths.success + query,
        fail_url=base + paths.fail + query,
        in_progress_url=base + paths.in_progress + query,
        return_url=base + paths.back + query,
    )
    redirect = gateway.start(
        request=request, page_url=config.page_url or gateway.default_page_url(base), code=code
    )
    log_event(
        "online_payment_started",
        user_id=user.pk,
        account_id=account.pk,
        payment=payment.transaction_id,
        amount=payment.amount,
        gateway=payment.gateway,
    )
    return payment, redirect


def online_payment_returned(*, payment: OnlinePayment, outcome: str) -> OnlinePayment:
    """The gateway sent the payer back to a failure or in-progress page. That is the
    gateway's word to the payer, not a signed notification: it may mark a payment not
    yet credited as failed or in progress, and never touches money."""
    target = {"fail": Status.FAILED, "in_progress": Status.IN_PROGRESS}[outcome]
    allowed = {
        Status.FAILED: (Status.CREATED, Status.IN_PROGRESS),
        Status.IN_PROGRESS: (Status.CREATED,),
    }
    with transaction.atomic():
        locked = OnlinePayment.objects.select_for_update().get(pk=payment.pk)
        if locked.status in allowed[target]:
            locked.status = target
            locked.status_note = _("по возврату плательщика со страницы платежной системы")
            locked.save(update_fields=["status", "status_note"])
    return locked


# --- notifications and check requests ------------------------------------------------------


def notification_receive(
    *, gateway: Gateway, kind: str, params: Mapping[str, str], ip: str | None = None
) -> Answer:
    """Take in a Pay URL notification (kind "pay") or a Check URL request ("check").

    The signature is checked on the raw values, then the account (MNT_ID), amount,
    currency and test flag against the stored payment; a successful payment is credited
    once, whatever the number of copies; a failure after success changes nothing. Every
    request is logged (Notification) with what was made of it and the answer given.
    """
    checking = kind == Notification.Kind.CHECK
    refusal = Verdict.CHECK_REFUSED if checking else Verdict.REFUSED
    log = {
        "gateway": gateway.kind,
        "kind": kind,
        "ip_address": ip,
        "params": {
            name: _printable(params[name]) for name in gateway.logged_fields if name in params
        },
    }

    def refuse(outcome, *, notice=None, payment=None, code=None, signature_valid=None):
        answer = gateway.answer(verdict=refusal, notice=notice, params=params, code=code)
        Notification.objects.create(
            **log,
            **_notice_fields(notice),
            online_payment=payment,
            signature_valid=signature_valid,
            outcome=outcome,
            answer=answer.content,
        )
        if signature_valid:  # a genuine message we did not take: worth a line in the log
            log_event(
                "payment_notification_refused",
                ip=ip,
                outcome=outcome,
                payment=notice.transaction_id,
                operation=notice.operation_id,
            )
        return answer

    try:
        notice = gateway.read(params, kind=kind)
    except NoticeMalformed:
        return refuse(Outcome.MALFORMED)

    payment = (
        OnlinePayment.objects.filter(gateway=gateway.kind, transaction_id=notice.transaction_id)
        .select_related("account")
        .first()
    )
    config = _settings_for(gateway=gateway, payment=payment, merchant_id=notice.merchant_id)
    code = config.integrity_code() if config else None
    if code is None:
        return refuse(Outcome.UNKNOWN if payment is None else Outcome.NO_CODE, notice=notice)
    if not gateway.verify(notice, code=code):
        return refuse(Outcome.BAD_SIGNATURE, notice=notice, payment=payment, signature_valid=False)
    if payment is None:
        return refuse(Outcome.UNKNOWN, notice=notice, code=code, signature_valid=True)
    mismatch = _mismatch(notice, payment, config)
    if mismatch:
        return refuse(mismatch, notice=notice, payment=payment, code=code, signature_valid=True)

    signed = {**log, **_notice_fields(notice), "signature_valid": True}
    if checking:
        return _check_answer(gateway, notice, payment, params, code, signed)
    if notice.event is Event.PAID and not notice.test_mode:
        receipt = _receipt(payment, config) if config.fiscal_receipts else None

        def answer_for(outcome):
            if outcome == Outcome.OPERATION_CONFLICT:
                return gateway.answer(verdict=refusal, notice=notice, params=params, code=code)
            return gateway.answer(
                verdict=Verdict.ACCEPTED, notice=notice, params=params, code=code, receipt=receipt
            )

        _payment, _outcome, answer = _credit(
            payment_id=payment.pk,
            external_id=f"{gateway.kind}:{notice.operation_id}",
            operation_id=notice.operation_id,
            note=_("%(gateway)s, операция %(operation)s")
            % {"gateway": GatewayKind(gateway.kind).label, "operation": notice.operation_id},
            notification=signed,
            answer_for=answer_for,
        )
        return answer
    if notice.event in (Event.PAID, Event.AUTHORISED, Event.CANCELLED):
        answer = gateway.answer(verdict=Verdict.ACCEPTED, notice=notice, params=params, code=code)
        _state_from_gateway(
            payment_id=payment.pk,
            notice=notice,
            notification={**signed, "answer": answer.content},
        )
        return answer
    return refuse(
        Outcome.UNKNOWN_COMMAND, notice=notice, payment=payment, code=code, signature_valid=True
    )


def _printable(value: str) -> str:
    """A received value fit for the log: no control characters (PostgreSQL refuses NUL)."""
    return re.sub(r"[\x00-\x1f\x7f]", "\ufffd", value[:255])


def _notice_fields(notice: Notice | None) -> dict:
    if notice is None:
        return {}
    return {
        "transaction_id": notice.transaction_id,
        "operation_id": notice.operation_id,
        "command": notice.command,
        "amount": "" if notice.amount is None else f"{notice.amount:f}",
    }


def _settings_for(
    *, gateway: Gateway, payment: OnlinePayment | None, merchant_id: str
) -> GatewaySettings | None:
    """The settings whose code signs this: the payment's organization's, else (for an
    answer to an unknown payment) those of the account named."""
    if payment is not None:
        return GatewaySettings.objects.filter(
            organization_id=payment.account.organization_id
        ).first()
    return GatewaySettings.objects.filter(kind=gateway.kind, account_id=merchant_id).first()


def _mismatch(notice: Notice, payment: OnlinePayment, config: GatewaySettings) -> str | None:
    if notice.merchant_id != payment.merchant_id:
        return Outcome.WRONG_ACCOUNT
    if notice.currency and notice.currency != payment.currency:
        return Outcome.WRONG_CURRENCY
    if notice.amount is not None and notice.amount != payment.amount:
        return Outcome.WRONG_AMOUNT
    # Test mode: only as the payment asked, and only while the organization is in it.
    if notice.test_mode != payment.test_mode or (notice.test_mode and not config.test_mode):
        return Outcome.WRONG_TEST_MODE
    return None


def _check_answer(gateway, notice, payment, params, code, signed) -> Answer:
    verdict = {
        Status.PAID: Verdict.CHECK_PAID,
        Status.TEST_PAID: Verdict.CHECK_PAID,
        Status.IN_PROGRESS: Verdict.CHECK_IN_PROGRESS,
        Status.FAILED: Verdict.CHECK_REFUSED,
    }.get(payment.status)
    if verdict is None:  # waiting for payment
        verdict = Verdict.CHECK_AMOUNT if notice.amount is None else Verdict.CHECK_PAYABLE
    answer = gateway.answer(
        verdict=verdict, notice=notice, params=params, code=code, amount=payment.amount
    )
    Notification.objects.create(
        **signed, online_payment=payment, outcome=Outcome.CHECKED, answer=answer.content
    )
    return answer


def _receipt(payment: OnlinePayment, config: GatewaySettings) -> Receipt:
    name = _("%(item)s, лицевой счет № %(number)s") % {
        "item": config.receipt_item_name,
        "number": payment.account.number,
    }
    line = ReceiptLine(
        name=name, price=payment.amount, quantity=Decimal(1), vat_tag=config.receipt_vat_tag
    )
    return Receipt(customer=payment.receipt_contact, lines=(line,))


def _credit(
    *,
    payment_id: int,
    external_id: str,
    operation_id: str,
    note: str,
    notification: dict | None = None,
    answer_for: Callable[[str], Answer] | None = None,
    status_note: str = "",
    reconciled_by=None,
) -> tuple[OnlinePayment, str, Answer | None]:
    """Credit an online payment once: the ledger row, the payment's new state and the
    notification's log row (with `answer_for(outcome)`) commit together, or none does."""
    now = timezone.now()
    with transaction.atomic():
        # Copies of one notification queue here; the first credits, the others see it done.
        payment = (
            OnlinePayment.objects.select_for_update().select_related("account").get(pk=payment_id)
        )
        fields = []
        if payment.status == Status.PAID and payment.operation_id == operation_id:
            outcome, ledger = Outcome.REPEAT, payment.ledger_payment
        else:
            ledger, created = payment_record(
                account=payment.account,
                paid_on=timezone.localdate(now),
                amount=payment.amount,
                source=Payment.Source.ONLINE,
                external_id=external_id,
                note=note,
            )
            if not created and not _credited_here(payment, ledger):
                # This operation already paid another online payment: nothing is changed.
                outcome, ledger = Outcome.OPERATION_CONFLICT, None
            elif payment.status != Status.PAID:
                outcome = Outcome.CREDITED
                payment.status, payment.status_note = Status.PAID, status_note
                payment.operation_id, payment.ledger_payment, payment.paid_at = (
                    operation_id,
                    ledger,
                    now,
                )
                fields += ["status", "status_note", "operation_id", "ledger_payment", "paid_at"]
            else:  # a second operation paying the same order: real money, credited too
                outcome = Outcome.CREDITED_AGAIN if created else Outcome.REPEAT
        if notification is not None and payment.notified_at is None and ledger is not None:
            payment.notified_at = now
            fields.append("notified_at")
        if reconciled_by is not None and ledger is not None:
            payment.reconciled_at, payment.reconciled_by = now, reconciled_by
            fields += ["reconciled_at", "reconciled_by"]
        if fields:
            payment.save(update_fields=fields)
        if credit_hook is not None:
            credit_hook()
        answer = answer_for(outcome) if answer_for is not None else None
        if notification is not None:
            Notification.objects.create(
                **notification,
                online_payment=payment,
                ledger_payment=ledger,
                outcome=outcome,
                answer=answer.content if answer else "",
            )
    if outcome != Outcome.REPEAT:
        log_event(
            "online_payment_credited",
            payment=payment.transaction_id,
            operation=operation_id,
            amount=payment.amount,
            account_id=payment.account_id,
            outcome=outcome,
        )
    return payment, outcome, answer


def _credited_here(payment: OnlinePayment, ledger: Payment) -> bool:
    """Is this ledger row (found, not created) this online payment's own money?"""
    return (
        payment.ledger_payment_id == ledger.pk
        or Notification.objects.filter(online_payment=payment, ledger_payment=ledger).exists()
    )


def _state_from_gateway(*, payment_id: int, notice: Notice, notification: dict) -> str:
    """A hold (AUTHORISE), a cancellation, or a payment in test mode (which moved no
    money): a change of state, never of money."""
    now = timezone.now()
    event = notice.event
    with transaction.atomic():
        payment = OnlinePayment.objects.select_for_update().get(pk=payment_id)
        fields = []
        if payment.status in (Status.PAID, Status.TEST_PAID):
            outcome = Outcome.LATE_FAILURE if event is Event.CANCELLED else Outcome.REPEAT
        elif event is Event.CANCELLED:
            outcome = Outcome.FAILED
            payment.status, payment.status_note = Status.FAILED, _("отмена по уведомлению")
            fields += ["status", "status_note"]
        elif event is Event.PAID:  # in test mode
            outcome = Outcome.TEST_PAID
            payment.status, payment.status_note = Status.TEST_PAID, ""
            payment.operation_id, payment.paid_at = notice.operation_id, now
            fields += ["status", "status_note", "operation_id", "paid_at"]
        else:
            outcome = Outcome.IN_PROGRESS
            if payment.status == Status.CREATED:
                payment.status = Status.IN_PROGRESS
                payment.status_note = _("средства заблокированы, ждут списания")
                fields += ["status", "status_note"]
        if payment.notified_at is None:
            payment.notified_at = now
            fields.append("notified_at")
        if fields:
            payment.save(update_fields=fields)
        Notification.objects.create(**notification, online_payment=payment, outcome=outcome)
    return outcome


# --- reconciliation by staff -----------------------------------------------------------------

_OPERATION = re.compile(r"[0-9A-Za-z-]{1,64}")


def online_payment_credit_by_staff(
    *, payment: OnlinePayment, operation_id: str, user
) -> OnlinePayment:
    """Credit a payment the gateway's statement shows as paid when its notification never
    came (the gateway stops retrying after ~27 h): the same crediting, by operation id,
    so that a notification arriving later credits nothing twice."""
    operation_id = operation_id.strip()
    if not _OPERATION.fullmatch(operation_id):
        raise ValidationError(
            {"operation_id": _("Номер операции: цифры и латинские буквы, как в выписке.")}
        )
    if payment.status == Status.PAID:
        raise ValidationError(_("Этот платеж уже зачислен."))
    if payment.test_mode:
        raise ValidationError(_("Платеж в тестовом режиме не зачисляется: деньги не списывались."))
    credited, outcome, _answer = _credit(
        payment_id=payment.pk,
        external_id=f"{payment.gateway}:{operation_id}",
        operation_id=operation_id,
        note=_("%(gateway)s, операция %(operation)s (по сверке)")
        % {"gateway": GatewayKind(payment.gateway).label, "operation": operation_id},
        status_note=_("зачислен сотрудником по сверке с выпиской платежной системы"),
        reconciled_by=user,
    )
    if outcome == Outcome.OPERATION_CONFLICT:
        raise ValidationError(
            {"operation_id": _("Операция с этим номером уже зачислена по другому платежу.")}
        )
    log_event(
        "online_payment_credited_by_staff",
        user_id=user.pk,
        payment=payment.transaction_id,
        operation=operation_id,
    )
    return credited


def online_payment_close_unpaid(*, payment: OnlinePayment, user) -> bool:
    """Staff checked the gateway's statement: this payment was never paid. Returns
    whether it changed (a credited payment stays credited)."""
    with transaction.atomic():
        locked = OnlinePayment.objects.select_for_update().get(pk=payment.pk)
        if locked.is_paid or locked.reconciled_at is not None:
            return False
        locked.status = Status.FAILED
        locked.status_note = _("сверено: оплата не поступала")
        locked.reconciled_at, locked.reconciled_by = timezone.now(), user
        locked.save(update_fields=["status", "status_note", "reconciled_at", "reconciled_by"])
    log_event("online_payment_closed_unpaid", user_id=user.pk, payment=payment.transaction_id)
    return True

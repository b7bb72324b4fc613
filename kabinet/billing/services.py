"""Writes to the billing ledgers. Each function owns its transaction."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kabinet.core.money import line_amount, round_money
from kabinet.housing.models import PersonalAccount

from .models import BillingPeriod, Charge, Payment, Penalty, Service, Tariff


def period_open(*, organization_id: int, month: datetime.date) -> BillingPeriod:
    """The organization's period for a month, created open if it does not exist yet."""
    period, _created = BillingPeriod.objects.get_or_create(
        organization_id=organization_id, month=month.replace(day=1)
    )
    return period


def charge_add(
    *,
    account: PersonalAccount,
    period: BillingPeriod,
    service: Service,
    tariff: Tariff,
    volume: Decimal,
    recalculation: Decimal = Decimal("0"),
) -> Charge:
    """Book one service's charge: tariff price × volume, rounded half-up once.

    Idempotent: a second call for the same account, period and service returns the
    row already booked (the ledger is never rewritten).
    """
    if period.is_closed:
        raise ValidationError(_("Период %(period)s закрыт.") % {"period": period})
    if period.organization_id != account.organization_id:
        raise ValidationError(_("Период принадлежит другой организации."))
    with transaction.atomic():
        charge, _created = Charge.objects.get_or_create(
            account=account,
            period=period,
            service=service,
            defaults={
                "tariff": tariff,
                "price": tariff.price,
                "volume": volume,
                "amount": line_amount(tariff.price, volume),
                "recalculation": round_money(recalculation),
            },
        )
    return charge


def penalty_add(
    *, account: PersonalAccount, period: BillingPeriod, amount: Decimal, note: str = ""
) -> Penalty:
    return Penalty.objects.create(
        account=account, period=period, amount=round_money(amount), note=note
    )


def payment_record(
    *,
    account: PersonalAccount,
    paid_on: datetime.date,
    amount: Decimal,
    source: str,
    external_id: str = "",
    note: str = "",
) -> tuple[Payment, bool]:
    """Post a payment once. Returns (payment, created).

    With an external id, a repeated call (a bank file loaded twice, a gateway
    notification retried) returns the payment already posted instead of a second one.
    """
    amount = round_money(amount)
    if amount == 0:
        raise ValidationError({"amount": _("Сумма платежа не может быть нулевой.")})
    if external_id:
        existing = Payment.objects.filter(source=source, external_id=external_id).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            # Lock the account: concurrent postings to one account are serialised.
            PersonalAccount.objects.select_for_update().filter(pk=account.pk).first()
            payment = Payment.objects.create(
                account=account,
                paid_on=paid_on,
                amount=amount,
                source=source,
                external_id=external_id,
                note=note,
            )
    except IntegrityError:
        if not external_id:
            raise
        # Lost a race with the same external id: the other posting stands.
        return Payment.objects.get(source=source, external_id=external_id), False
    return payment, True

"""Writes of billing: tariffs, periods and the ledgers. Each function owns its transaction."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kabinet.core.money import line_amount, round_money
from kabinet.housing.models import House, PersonalAccount

from .models import BillingPeriod, Charge, Payment, Penalty, Service, Tariff

# --- tariffs: history, never overwritten ---------------------------------------------------


def tariff_check(
    *,
    service: Service,
    house: House | None,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    tariff_id: int | None = None,
) -> None:
    """Raise ValidationError unless a tariff with these dates fits the service's history:
    a house of the service's own organization, and no overlap with another tariff of the
    same service and scope (the organization's, or that house's)."""
    if house is not None and house.organization_id != service.organization_id:
        raise ValidationError({"house": _("Дом обслуживает другая организация.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError(
            {"valid_to": _("«Действует по» не может быть раньше «действует с».")}
        )
    overlapping = Tariff.objects.filter(
        service_id=service.pk, house_id=house.pk if house else None
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if tariff_id is not None:
        overlapping = overlapping.exclude(pk=tariff_id)
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    if overlapping.exists():
        raise ValidationError(
            _("Период действия пересекается с другим тарифом этой услуги. "
              "Закройте прежний тариф датой «действует по».")
        )  # fmt: skip


def tariff_add(
    *,
    service: Service,
    price: Decimal,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    house: House | None = None,
) -> Tariff:
    """A new price from a date: checked against the history, then saved once."""
    with transaction.atomic():
        # Lock the service: two tariffs added at once cannot both pass the overlap check.
        Service.objects.select_for_update(of=("self",)).filter(pk=service.pk).first()
        tariff_check(service=service, house=house, valid_from=valid_from, valid_to=valid_to)
        return Tariff.objects.create(
            service=service, house=house, price=price, valid_from=valid_from, valid_to=valid_to
        )


def tariff_close(*, tariff: Tariff, valid_to: datetime.date | None) -> Tariff:
    """Set (or clear) a tariff's last day; its price and start never change."""
    with transaction.atomic():
        Service.objects.select_for_update(of=("self",)).filter(pk=tariff.service_id).first()
        tariff_check(
            service=tariff.service,
            house=tariff.house,
            valid_from=tariff.valid_from,
            valid_to=valid_to,
            tariff_id=tariff.pk,
        )
        tariff.valid_to = valid_to
        tariff.save(update_fields=["valid_to"])
    return tariff


# --- periods and the ledgers -----------------------------------------------------------


def _check_open(period: BillingPeriod, account: PersonalAccount) -> None:
    if period.is_closed:
        raise ValidationError(_("Период %(period)s закрыт.") % {"period": period})
    if period.organization_id != account.organization_id:
        raise ValidationError(_("Период принадлежит другой организации."))


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
    _check_open(period, account)
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
    """Book a penalty in an open period of the account's organization."""
    _check_open(period, account)
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
            # Lock the account: concurrent postings to one account are serialised. Its row
            # only (`of`): `first()` orders by the organization, and a plain FOR UPDATE
            # would lock the organization's row too, and every payment of it with it.
            PersonalAccount.objects.select_for_update(of=("self",)).filter(pk=account.pk).first()
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

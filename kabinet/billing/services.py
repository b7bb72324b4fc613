"""Writes of billing: tariffs, periods and the ledgers. Each function owns its transaction."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kabinet.core.money import line_amount, round_money
from kabinet.core.periods import add_months, month_label, month_start
from kabinet.housing.models import House, PersonalAccount

from .models import BillingPeriod, Charge, Payment, Penalty, Recalculation, Service, Tariff
from .selectors import tariff_for
from .totals import account_totals_write

# --- tariffs: history, never overwritten ---------------------------------------------------


def tariff_check(
    *,
    service: Service,
    house: House | None,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    zones: int = 1,
    zone: int = 1,
    tariff_id: int | None = None,
) -> None:
    """Raise ValidationError unless a tariff with these dates fits the service's history:
    a house of the service's own organization, and no overlap with another tariff of the
    same service, scope (the organization's, or that house's) and zone."""
    if house is not None and house.organization_id != service.organization_id:
        raise ValidationError({"house": _("Дом обслуживает другая организация.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError(
            {"valid_to": _("«Действует по» не может быть раньше «действует с».")}
        )
    if not 1 <= zone <= zones <= 3:
        raise ValidationError({"zone": _("Зона — от 1 до числа зон счетчика (не больше 3).")})
    overlapping = Tariff.objects.filter(
        service_id=service.pk, house_id=house.pk if house else None, zones=zones, zone=zone
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
    zones: int = 1,
    zone: int = 1,
) -> Tariff:
    """A new price from a date: checked against the history, then saved once."""
    with transaction.atomic():
        # Lock the service: two tariffs added at once cannot both pass the overlap check.
        Service.objects.select_for_update(of=("self",)).filter(pk=service.pk).first()
        tariff_check(
            service=service, house=house, valid_from=valid_from, valid_to=valid_to,
            zones=zones, zone=zone,
        )  # fmt: skip
        return Tariff.objects.create(
            service=service, house=house, price=price, valid_from=valid_from,
            valid_to=valid_to, zones=zones, zone=zone,
        )  # fmt: skip


def tariff_close(*, tariff: Tariff, valid_to: datetime.date | None) -> Tariff:
    """Set (or clear) a tariff's last day; its price and start never change."""
    with transaction.atomic():
        Service.objects.select_for_update(of=("self",)).filter(pk=tariff.service_id).first()
        tariff_check(
            service=tariff.service,
            house=tariff.house,
            valid_from=tariff.valid_from,
            valid_to=valid_to,
            zones=tariff.zones,
            zone=tariff.zone,
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
        charge, created = Charge.objects.get_or_create(
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
        if created:
            account_totals_write(account_id=account.pk, period_id=period.pk)
    return charge


def penalty_add(
    *, account: PersonalAccount, period: BillingPeriod, amount: Decimal, note: str = ""
) -> Penalty:
    """Book a penalty in an open period of the account's organization."""
    _check_open(period, account)
    with transaction.atomic():
        penalty = Penalty.objects.create(
            account=account, period=period, amount=round_money(amount), note=note
        )
        account_totals_write(account_id=account.pk, period_id=period.pk)
    return penalty


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


def period_for_correction(*, organization_id: int, month: datetime.date) -> BillingPeriod:
    """Where a correction of `month` is booked: that period if it is still open, else the
    first open period after it (a closed period's lines never change)."""
    month = month_start(month)
    period = (
        BillingPeriod.objects.filter(
            organization_id=organization_id, month__gte=month, is_closed=False
        )
        .order_by("month")
        .first()
    )
    if period is not None:
        return period
    latest = (
        BillingPeriod.objects.filter(organization_id=organization_id)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    after = add_months(latest, 1) if latest and latest >= month else month
    return period_open(organization_id=organization_id, month=after)


def recalculation_price(
    *,
    account: PersonalAccount,
    service: Service,
    concerns_month: datetime.date,
    reason: str,
    amount: Decimal | None = None,
    volume: Decimal | None = None,
) -> Decimal:
    """Check a staff recalculation and give its sum: the sum as given, or the volume at
    the tariff of the month it concerns. Raises ValidationError naming the field."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Укажите основание перерасчета.")})
    if (amount is None) == (volume is None):
        raise ValidationError(_("Укажите либо сумму, либо объем перерасчета."))
    if service.organization_id != account.organization_id:
        raise ValidationError({"service": _("Услугу начисляет другая организация.")})
    if volume is not None:
        month = month_start(concerns_month)
        tariff = tariff_for(service_id=service.pk, house_id=account.premises.house_id, on=month)
        if tariff is None:
            raise ValidationError(
                {"volume": _("На %(month)s у услуги нет тарифа: укажите сумму.")
                 % {"month": month_label(month)}}
            )  # fmt: skip
        amount = line_amount(tariff.price, volume)
    amount = round_money(amount)
    if not amount:
        field = "volume" if volume is not None else "amount"
        raise ValidationError({field: _("Сумма перерасчета не может быть нулевой.")})
    return amount


def recalculation_add(
    *,
    account: PersonalAccount,
    service: Service,
    concerns_month: datetime.date,
    reason: str,
    amount: Decimal | None = None,
    volume: Decimal | None = None,
    user=None,
) -> Recalculation:
    """A staff correction of one service's charge for a month, by a sum or by a volume
    (priced at that month's tariff), with its grounds. It is booked in that month's
    period if still open, else in the next open one; the next run of that period puts it
    in the line's "Перерасчет" column. Recalculations are never edited: a mistaken one is
    undone by another."""
    amount = recalculation_price(
        account=account, service=service, concerns_month=concerns_month, reason=reason,
        amount=amount, volume=volume,
    )  # fmt: skip
    concerns_month = month_start(concerns_month)
    with transaction.atomic():
        period = period_for_correction(
            organization_id=account.organization_id, month=concerns_month
        )
        return Recalculation.objects.create(
            account=account, service=service, period=period, concerns_month=concerns_month,
            kind=Recalculation.Kind.MANUAL, volume=volume, amount=amount,
            reason=reason.strip(), created_by=user,
        )  # fmt: skip

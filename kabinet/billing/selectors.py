"""Reads of the billing ledgers. A balance is always a sum, never a stored number."""

import datetime
from decimal import Decimal

from django.db.models import Q, Sum

from kabinet.core.money import ZERO, round_money

from .models import Charge, Payment, Penalty, Tariff


def _sum(queryset, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def account_balance(*, account_id: int, as_of: datetime.date | None = None) -> Decimal:
    """Debt (positive) or overpayment (negative): charges + penalties − payments.

    With `as_of`, counts charges and penalties of periods up to that month and
    payments made up to that day.
    """
    charges = Charge.objects.filter(account_id=account_id)
    penalties = Penalty.objects.filter(account_id=account_id)
    payments = Payment.objects.filter(account_id=account_id)
    if as_of is not None:
        charges = charges.filter(period__month__lte=as_of)
        penalties = penalties.filter(period__month__lte=as_of)
        payments = payments.filter(paid_on__lte=as_of)
    debt = _sum(charges, "total") + _sum(penalties, "amount") - _sum(payments, "amount")
    return round_money(debt)


def tariff_for(*, service_id: int, house_id: int | None, on: datetime.date) -> Tariff | None:
    """The tariff in force on a date: the house's own if it has one, else the organization's."""
    in_force = Tariff.objects.filter(service_id=service_id, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    house_tariff = (
        in_force.filter(house_id=house_id).order_by("-valid_from").first() if house_id else None
    )
    return house_tariff or in_force.filter(house__isnull=True).order_by("-valid_from").first()

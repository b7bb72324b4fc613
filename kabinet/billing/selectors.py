"""Reads of the billing ledgers: balances, a period's charges, totals by period, payments,
tariffs in force, and the last payment that proves an account is one's own.

A balance is always a sum, never a stored number. The functions that serve the
resident's pages run a fixed number of queries whatever the length of the history
(asserted in kabinet/cabinet/tests/test_views.py).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    Func,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from kabinet.core.money import ZERO, round_money
from kabinet.core.prepared import PreparedQuery

from .models import ZONE_NAMES, Charge, Payment, Penalty, Service, Tariff

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


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


class _SubquerySum(Func):
    """SUM() inside a correlated subquery: one row over the filtered rows, no GROUP BY."""

    function = "SUM"
    output_field = MONEY_FIELD


def _ledger_sum(model, field: str, **filters):
    """The sum of one ledger column over the rows matching `filters` (outer references
    allowed), 0 if there are none."""
    total = model.objects.filter(**filters).order_by().values(ledger_sum=_SubquerySum(field))
    return Coalesce(Subquery(total), Value(ZERO), output_field=MONEY_FIELD)


def balance_annotations(*, account: OuterRef) -> dict:
    """Annotations `charged`, `penalties` and `paid` of the account an outer query's row
    refers to: balance = charged + penalties − paid, the sum `account_balance` gives."""
    return {
        "charged": _ledger_sum(Charge, "total", account_id=account),
        "penalties": _ledger_sum(Penalty, "amount", account_id=account),
        "paid": _ledger_sum(Payment, "amount", account_id=account),
    }


def last_payment_matches(*, account, paid_on: datetime.date, amount: Decimal) -> bool:
    """Does (paid_on, amount) name the account's last payment on record?

    The last payment is the latest day with an incoming (positive) payment; any
    payment of that day with that amount proves it. An account without payments is
    not proved by anything typed (its opening date was about 12 guesses a year): staff
    attach it (housing.services.account_link_add_by_staff; docs/security.md).
    """
    incoming = Payment.objects.filter(account_id=account.pk, amount__gt=0)  # not reversals
    last_day = incoming.aggregate(day=Max("paid_on"))["day"]
    if last_day is None:
        return False
    if paid_on != last_day:
        return False
    return incoming.filter(paid_on=last_day, amount=amount).exists()


# --- one period's charges (the card's Fig. 5 table) ---------------------------------------


@dataclass(frozen=True)
class ChargeLine:
    """One service's line of a period's charges (Fig. 5), per tariff zone."""

    service: str  # with the zone for a day/night meter: "Электроснабжение (день)"
    unit: str
    price: Decimal  # per unit, as charged
    volume: Decimal  # the premises' own
    amount: Decimal  # price × volume
    common_volume: Decimal  # the share of the house's common-property use (ОДН)
    common_amount: Decimal
    recalculation: Decimal
    total: Decimal

    @property
    def charged(self) -> Decimal:
        """ "Начислено": the premises' own use and its common-property share."""
        return self.amount + self.common_amount


@dataclass(frozen=True)
class ChargesTable:
    """One period's charges with the penalty line and the totals row."""

    month: datetime.date
    rows: list[ChargeLine]
    penalty: Decimal
    amount: Decimal  # "Начислено": charges (common-property shares included) + penalty
    recalculation: Decimal
    total: Decimal  # "Итого начислено"


_CHARGE_COLUMNS = (
    "service__name", "service__unit", "price", "volume", "amount", "common_volume",
    "common_amount", "recalculation", "total", "zone", "tariff__zones", "period__month",
    "penalty",
)  # fmt: skip


def _with_penalty(charges):
    """Charges with their period's penalty (the same on every line of a period)."""
    penalty = _ledger_sum(
        Penalty, "amount", account_id=OuterRef("account_id"), period_id=OuterRef("period_id")
    )
    return (
        charges.annotate(penalty=penalty)
        .order_by("service__sort_order", "service__name", "zone")
        .values_list(*_CHARGE_COLUMNS)
    )


def _latest_charges_query(account_id):
    charges = Charge.objects.filter(account_id=account_id)
    latest = charges.order_by("-period__month", "-period_id").values("period_id")[:1]
    return _with_penalty(charges.filter(period_id=Subquery(latest)))


# The card's hot query, compiled once per process (kabinet/core/prepared.py).
_latest_charges = PreparedQuery(_latest_charges_query)


def _service_label(name: str, zone: int, zones: int | None) -> str:
    zone_name = ZONE_NAMES.get((zones or 1, zone))
    return f"{name} ({zone_name})" if zone_name else name


def _charges_table(rows: list[tuple]) -> ChargesTable | None:
    if not rows:
        return None
    lines = [
        ChargeLine(_service_label(name, zone, zones), *figures)
        for name, *figures, zone, zones, _month, _penalty in rows
    ]
    month, penalty = rows[0][-2], rows[0][-1]
    return ChargesTable(
        month=month,
        rows=lines,
        penalty=penalty,
        amount=sum((line.charged for line in lines), ZERO) + penalty,
        recalculation=sum((line.recalculation for line in lines), ZERO),
        total=sum((line.total for line in lines), ZERO) + penalty,
    )


def account_period_charges(
    *, account_id: int, month: datetime.date | None = None
) -> ChargesTable | None:
    """The charges of one month (the latest charged one by default), in one query."""
    if month is None:
        return _charges_table(_latest_charges.rows(account_id=account_id))
    charges = Charge.objects.filter(account_id=account_id, period__month=month)
    return _charges_table(list(_with_penalty(charges)))


# --- totals by period, payments ------------------------------------------------------------


@dataclass(frozen=True)
class PeriodTotals:
    month: datetime.date
    amount: Decimal
    recalculation: Decimal
    penalty: Decimal
    total: Decimal


def account_charge_history(*, account_id: int) -> list[PeriodTotals]:
    """Totals by period, newest first: two queries whatever the length of the history."""
    charges = (
        Charge.objects.filter(account_id=account_id)
        .values("period__month")
        .annotate(amount=Sum("amount"), recalculation=Sum("recalculation"), total=Sum("total"))
        .order_by()
    )
    penalties = (
        Penalty.objects.filter(account_id=account_id)
        .values("period__month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    months: dict[datetime.date, dict] = {}
    for row in charges:
        months[row["period__month"]] = row
    penalty_by_month = {row["period__month"]: row["amount"] for row in penalties}
    result = []
    for month in sorted(set(months) | set(penalty_by_month), reverse=True):
        row = months.get(month, {})
        penalty = penalty_by_month.get(month, ZERO)
        result.append(
            PeriodTotals(
                month=month,
                amount=row.get("amount", ZERO),
                recalculation=row.get("recalculation", ZERO),
                penalty=penalty,
                total=row.get("total", ZERO) + penalty,
            )
        )
    return result


def account_payments(*, account_id: int):
    """The account's payments, newest first (a queryset, for pagination)."""
    return Payment.objects.filter(account_id=account_id).order_by("-paid_on", "-id")


# --- tariffs ---------------------------------------------------------------------------


def tariff_for(*, service_id: int, house_id: int | None, on: datetime.date) -> Tariff | None:
    """The tariff in force on a date: the house's own if it has one, else the organization's."""
    in_force = Tariff.objects.filter(service_id=service_id, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    house_tariff = (
        in_force.filter(house_id=house_id).order_by("-valid_from").first() if house_id else None
    )
    return house_tariff or in_force.filter(house__isnull=True).order_by("-valid_from").first()


@dataclass(frozen=True)
class ServiceTariffs:
    service: Service
    current: Tariff | None  # in force on the day asked
    history: list[Tariff]  # newest first; the house's own tariffs and the organization's


def _in_force(tariff: Tariff, on: datetime.date) -> bool:
    return tariff.valid_from <= on and (tariff.valid_to is None or tariff.valid_to >= on)


def account_tariffs(*, account, on: datetime.date) -> list[ServiceTariffs]:
    """The account's services with their suppliers, the tariff in force and its history.

    The account's services are those of its latest charged period (the card's lines);
    before the first charge, all services of its organization. A house's own tariff wins
    over the organization's, as in `tariff_for`, picked here in memory so that all
    services take two queries.
    """
    house_id = account.premises.house_id
    charged = Charge.objects.filter(account_id=account.pk)
    latest = charged.order_by("-period__month").values("period_id")[:1]
    services = Service.objects.filter(organization_id=account.organization_id).filter(
        Q(pk__in=charged.filter(period_id=Subquery(latest)).values("service_id"))
        | ~Exists(charged)
    )
    services = list(services.select_related("supplier").order_by("sort_order", "name"))
    tariffs = Tariff.objects.filter(service__in=[s.pk for s in services]).filter(
        Q(house__isnull=True) | Q(house_id=house_id)
    )
    by_service: dict[int, list[Tariff]] = {}
    for tariff in tariffs.order_by("-valid_from", "house_id"):
        by_service.setdefault(tariff.service_id, []).append(tariff)

    result = []
    for service in services:
        history = by_service.get(service.pk, [])
        in_force = [t for t in history if _in_force(t, on)]
        current = next((t for t in in_force if t.house_id), None) or next(iter(in_force), None)
        result.append(ServiceTariffs(service=service, current=current, history=history))
    return result

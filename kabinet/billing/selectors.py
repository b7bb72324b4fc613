"""Reads of the billing ledgers: balances, a period's charges, totals by period, a
period's recalculations with their grounds, the money flow by month, tariffs in force,
and the last payment that proves an account is one's own.

A balance is always a sum, never a stored number: `account_balance` sums the lines
themselves; the resident's pages sum the period totals (`PeriodTotal`, one row per account
and period, written with the lines), which a test holds equal to it. The functions that
serve the resident's pages run a fixed number of queries whatever the length of the
history (asserted in kabinet/cabinet/tests/test_views.py and test_ledger_pages.py).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from django.db.models import (
    CharField,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from kabinet.core.i18n import per_language
from kabinet.core.money import ZERO, round_money
from kabinet.core.periods import add_months
from kabinet.core.prepared import PreparedQuery, Read

from .models import (
    ZONE_NAMES,
    Charge,
    Payment,
    Penalty,
    PeriodTotal,
    Recalculation,
    Service,
    Tariff,
)

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


def _ledger_sum(model, field, **filters):
    """The sum of one ledger column (or an expression of its columns) over the rows
    matching `filters` (outer references allowed), 0 if there are none."""
    total = model.objects.filter(**filters).order_by().values(ledger_sum=_SubquerySum(field))
    return Coalesce(Subquery(total), Value(ZERO), output_field=MONEY_FIELD)


def balance_annotations(*, account: OuterRef) -> dict:
    """Annotations `due` (charges with penalties) and `paid` of the account an outer
    query's row refers to: balance = due − paid, the sum `account_balance` gives (from the
    period totals: a row a month rather than a dozen lines, read once)."""
    return {
        "due": _ledger_sum(PeriodTotal, F("total") + F("penalty"), account_id=account),
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


class ChargeLine(NamedTuple):
    """One service's line of a period's charges (Fig. 5), per tariff zone.

    This and the other rows a page builds by the dozen (a month's total, a payment, a
    month of the money flow) are named tuples: immutable like a frozen dataclass, made
    in a third of its time (which sets each field through `object.__setattr__`)."""

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

    @property
    def own_amount(self) -> Decimal:
        """The premises' own use, without the common-property shares and the penalty."""
        return sum((line.amount for line in self.rows), ZERO)

    @property
    def common_amount(self) -> Decimal:
        return sum((line.common_amount for line in self.rows), ZERO)


# A charge line as the queries read it; `_CHARGE_COLUMNS` adds the period's penalty.
_LINE_COLUMNS = (
    "service__name", "service__unit", "price", "volume", "amount", "common_volume",
    "common_amount", "recalculation", "total", "zone", "tariff__zones", "period__month",
)  # fmt: skip
_CHARGE_COLUMNS = (*_LINE_COLUMNS, "penalty")
_LINE_MONTH_AT = _LINE_COLUMNS.index("period__month")


def _penalty_of_line():
    """A charge line's period penalty (the same on every line of the period)."""
    return _ledger_sum(
        Penalty, "amount", account_id=OuterRef("account_id"), period_id=OuterRef("period_id")
    )


def _with_penalty(charges):
    """Charges with their period's penalty, in the table's order."""
    return (
        charges.annotate(penalty=_penalty_of_line())
        .order_by("service__sort_order", "service__name", "zone")
        .values_list(*_CHARGE_COLUMNS)
    )


def _latest_charged_period(account_id):
    """The period of the account's latest charges, as a subquery (one index row)."""
    charged = PeriodTotal.objects.filter(account_id=account_id, lines__gt=0)
    return Subquery(charged.order_by("-month").values("period_id")[:1])


def _latest_lines(account_id):
    """The charge lines of the account's latest charged period."""
    return Charge.objects.filter(
        account_id=account_id, period_id=_latest_charged_period(account_id)
    )


def _latest_charges_query(account_id):
    return _with_penalty(_latest_lines(account_id))


# The card's hot query, compiled once per process (kabinet/core/prepared.py).
_latest_charges = PreparedQuery(_latest_charges_query)


def _service_label(name: str, zone: int, zones: int | None) -> str:
    zone_name = ZONE_NAMES.get((zones or 1, zone))
    return f"{name} ({zone_name})" if zone_name else name


def _charges_table(rows: list[tuple], penalty: Decimal) -> ChargesTable | None:
    """A period's table from the rows of its lines (`_LINE_COLUMNS` first) and its penalty."""
    if not rows:
        return None
    lines = [
        ChargeLine(_service_label(name, zone, zones), *figures)
        for name, *figures, zone, zones in (row[:_LINE_MONTH_AT] for row in rows)
    ]
    month = rows[0][_LINE_MONTH_AT]
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
        rows = _latest_charges.rows(account_id=account_id)
    else:
        charges = Charge.objects.filter(account_id=account_id, period__month=month)
        rows = list(_with_penalty(charges))
    return _charges_table(rows, rows[0][-1] if rows else ZERO)


# --- totals by period, payments ------------------------------------------------------------


class PeriodTotals(NamedTuple):
    month: datetime.date
    amount: Decimal  # the premises' own use
    recalculation: Decimal
    penalty: Decimal
    total: Decimal  # the period's "Итого": charges, shares, recalculations and the penalty
    common_amount: Decimal = ZERO  # the common-property shares (ОДН)

    @property
    def charged(self) -> Decimal:
        """ "Начислено": the own use and the common-property share, without recalculations
        and the penalty."""
        return self.amount + self.common_amount


def _totals_by_period_query(account_id):
    return (
        PeriodTotal.objects.filter(account_id=account_id)
        .order_by("-month")
        .values_list("month", "amount", "common_amount", "recalculation", "total", "penalty")
    )


# The history pages' query, compiled once per process (kabinet/core/prepared.py).
_totals_by_period = PreparedQuery(_totals_by_period_query)


def account_charge_history(*, account_id: int) -> list[PeriodTotals]:
    """Totals by period, newest first, from the period totals: one query whatever the
    length of the history."""
    return [_period_totals(*row) for row in _totals_by_period.rows(account_id=account_id)]


def _period_totals(month, amount, common, recalculation, total, penalty) -> PeriodTotals:
    """A period total's row (as `_totals_by_period_query` reads it) for the pages: the
    "Итого" with the penalty."""
    return PeriodTotals(month, amount, recalculation, penalty, total + penalty, common)


class MonthTotal(NamedTuple):
    month: datetime.date
    total: Decimal  # the period's "Итого" with its penalty
    recalculated: bool  # recalculations were booked in the period


def _recalculations_booked():
    """Whether recalculations were booked in an outer period total's period."""
    booked = Recalculation.objects.filter(
        period_id=OuterRef("period_id"), account_id=OuterRef("account_id")
    )
    return Exists(booked)


def _monthly_totals_query(account_id):
    return (
        PeriodTotal.objects.filter(account_id=account_id)
        .order_by("-month")
        .annotate(recalculated=_recalculations_booked())
        .values_list("month", "total", "penalty", "recalculated")
    )


_monthly_totals = PreparedQuery(_monthly_totals_query)


def account_monthly_totals(*, account_id: int) -> list[MonthTotal]:
    """Each period's "Итого" with its penalty, newest first, and whether recalculations
    were booked in it: the months, the chart and the comparison of "Начисления", read
    without the columns only one month needs (on SQLite every figure read is a float
    turned into a Decimal); a period without recalculations spares their query."""
    return _month_totals(_monthly_totals.rows(account_id=account_id))


def _month_totals(rows) -> list[MonthTotal]:
    """(month, total, penalty, recalculated) rows, newest first."""
    return [
        MonthTotal(month, total + penalty, bool(recalculated))
        for month, total, penalty, recalculated in rows
    ]


# Where a month's figures go in the lines' columns, in `_charges_overview_query`: each in
# a column of its type, so that a database reads it as it reads the line's (on SQLite a
# money column's float is rounded to kopecks by its field).
_MONTH_IN_LINE_COLUMNS = {
    "period__month": "month", "total": "total", "recalculation": "penalty",
    "zone": "recalculated",
}  # fmt: skip
# Where the overview's rows hold them: after `is_month` and `service_order`.
_MONTH_AT = tuple(2 + _LINE_COLUMNS.index(column) for column in _MONTH_IN_LINE_COLUMNS)


def _charges_overview_query(account_id):
    """The latest period's lines (those of `_latest_charges_query`, the card's, without
    the penalty) and one row a month (as `_monthly_totals_query`) in one statement: the
    lines first in the table's order, then the months newest first. A month's row
    carries its month, total, penalty and whether recalculations were booked (1 or 0) in
    the lines' columns named by `_MONTH_IN_LINE_COLUMNS`, and nothing in the others; the
    lines' period penalty is their month's."""
    lines = _latest_lines(account_id).annotate(
        is_month=Value(False), service_order=F("service__sort_order")
    )
    months = PeriodTotal.objects.filter(account_id=account_id).annotate(
        is_month=Value(True),
        service_order=Value(None, output_field=IntegerField()),
        recalculated=Cast(_recalculations_booked(), IntegerField()),
        nothing=Value(None, output_field=CharField()),
    )
    month_columns = [_MONTH_IN_LINE_COLUMNS.get(column, "nothing") for column in _LINE_COLUMNS]
    return (
        lines.order_by()
        .values_list("is_month", "service_order", *_LINE_COLUMNS)
        .union(
            months.order_by().values_list("is_month", "service_order", *month_columns),
            all=True,
        )
        .order_by("is_month", "-period__month", "service_order", "service__name", "zone")
    )


_charges_overview = PreparedQuery(_charges_overview_query)


def account_charges_overview(*, account_id: int) -> tuple[list[MonthTotal], ChargesTable | None]:
    """ "Начисления" as first opened, in one query: the monthly totals
    (`account_monthly_totals()`) and the latest charged period's table
    (`account_period_charges()`)."""
    return charges_overview_read(account_id=account_id).run()


def charges_overview_read(
    *, account_id: int
) -> Read[tuple[list[MonthTotal], ChargesTable | None]]:
    """`account_charges_overview()` as a read that can go with others (`read_together`)."""
    return Read(_charges_overview, {"account_id": account_id}, _overview_of_rows)


def _overview_of_rows(rows: list[tuple]) -> tuple[list[MonthTotal], ChargesTable | None]:
    lines = [row[2:] for row in rows if not row[0]]
    latest = lines[0][_LINE_MONTH_AT] if lines else None
    at_month, at_total, at_penalty, at_recalculated = _MONTH_AT
    months = [
        (row[at_month], row[at_total], row[at_penalty], row[at_recalculated])
        for row in rows
        if row[0]
    ]
    penalty = next((penalty for month, _total, penalty, _r in months if month == latest), ZERO)
    return _month_totals(months), _charges_table(lines, penalty)


# --- one period's recalculations with their grounds ------------------------------------


@dataclass(frozen=True)
class RecalculationLine:
    """A recalculation booked in a period: what (the service), for which month, why."""

    service: str
    concerns_month: datetime.date
    kind: str  # "перерасчет", "временное отсутствие", "по фактическим показаниям"
    reason: str
    volume: Decimal | None
    amount: Decimal
    booked_in: datetime.date  # the period whose "Перерасчет" column carries it

    @property
    def for_past_period(self) -> bool:
        return self.concerns_month < self.booked_in


_RECALCULATION_COLUMNS = (
    "service__name", "concerns_month", "kind", "reason", "volume", "amount",
    "service__sort_order", "id",
)  # fmt: skip


def _latest_recalculations_query(account_id):
    """The recalculations booked in the period of the account's latest charges."""
    return (
        Recalculation.objects.filter(
            account_id=account_id, period_id=_latest_charged_period(account_id)
        )
        .order_by()
        .values_list(*_RECALCULATION_COLUMNS)
    )


_latest_recalculations = PreparedQuery(_latest_recalculations_query)


def account_period_recalculations(
    *, account_id: int, month: datetime.date, latest: bool = False
) -> list[RecalculationLine]:
    """The recalculations booked in one month, with their grounds: one query. Those of
    the month itself first, then those of earlier months, newest first. With `latest`,
    `month` is that of the account's latest charges (`account_period_charges()`), and
    the query is the prepared one."""
    if latest:
        rows = _latest_recalculations.rows(account_id=account_id)
    else:
        rows = (
            Recalculation.objects.filter(account_id=account_id, period__month=month)
            .order_by()
            .values_list(*_RECALCULATION_COLUMNS)
        )
    kinds = dict(Recalculation.Kind.choices)
    lines = sorted(
        rows, key=lambda row: (row[1] != month, -row[1].toordinal(), row[6], row[0], row[7])
    )
    return [
        RecalculationLine(
            service=name,
            concerns_month=concerns,
            kind=str(kinds.get(kind, kind)),
            reason=reason,
            volume=volume,
            amount=amount,
            booked_in=month,
        )
        for name, concerns, kind, reason, volume, amount, _order, _id in lines
    ]


# --- the money flow ("Движение финансов") -----------------------------------------------


class PaymentLine(NamedTuple):
    paid_on: datetime.date
    amount: Decimal  # negative: a reversal (сторно)
    source: str  # Payment.Source
    source_label: str


class FlowMonth(NamedTuple):
    """One month of the money flow: opening + charged + recalculated + penalties − paid =
    closing. A positive balance is a debt, a negative one an overpayment."""

    month: datetime.date
    opening: Decimal
    charged: Decimal  # the month's charges and common-property shares
    recalculated: Decimal
    penalties: Decimal
    paid: Decimal
    payments: tuple[PaymentLine, ...] = ()

    @property
    def closing(self) -> Decimal:
        return self.opening + self.charged + self.recalculated + self.penalties - self.paid


@dataclass(frozen=True)
class AccountLedger:
    """An account's ledgers summed by month: charges by their period, payments by the
    month they were made in (as `account_balance` counts them)."""

    charges: dict[datetime.date, PeriodTotals]
    payments: dict[datetime.date, list[PaymentLine]]  # by the month they were made in
    paid: dict[datetime.date, Decimal]

    @cached_property
    def months(self) -> list[datetime.date]:
        return sorted(set(self.charges) | set(self.paid))

    @cached_property
    def first(self) -> datetime.date | None:
        months = self.months
        return months[0] if months else None

    @cached_property
    def last(self) -> datetime.date | None:
        months = self.months
        return months[-1] if months else None

    @cached_property
    def balance(self) -> Decimal:
        """Debt (positive) or overpayment (negative) after every row: the sum
        `account_balance` gives."""
        return ZERO if self.last is None else self.balance_before(add_months(self.last, 1))

    def balance_before(self, month: datetime.date) -> Decimal:
        """Debt (or overpayment) at the start of `month`."""
        charged = sum((t.total for m, t in self.charges.items() if m < month), ZERO)
        paid = sum((amount for m, amount in self.paid.items() if m < month), ZERO)
        return charged - paid


def _ledger_rows_query(account_id):
    """The account's period totals and its payments in one round trip (on PostgreSQL a
    query costs more in the round trip and the reading of its rows than in running it:
    docs/benchmarks.md). A period
    total is (month, amount, common_amount, recalculation, total, penalty, "", id), a
    payment (paid_on, amount, None, None, None, None, source, id): a payment always has
    a source. Nothing rather than zeros in a payment's empty columns: each figure read
    costs a Decimal."""
    nothing = Value(None, output_field=MONEY_FIELD)
    totals = PeriodTotal.objects.filter(account_id=account_id).values_list(
        "month", "amount", "common_amount", "recalculation", "total", "penalty",
        Value("", output_field=CharField()), "id",
    )  # fmt: skip
    payments = Payment.objects.filter(account_id=account_id).values_list(
        "paid_on", "amount", nothing, nothing, nothing, nothing, "source", "id"
    )
    return totals.order_by().union(payments.order_by(), all=True)


_ledger_rows = PreparedQuery(_ledger_rows_query)


@per_language
def _payment_sources() -> dict[str, str]:
    return {source: str(label) for source, label in Payment.Source.choices}


def account_ledger(*, account_id: int) -> AccountLedger:
    """The account's charges and penalties by period and its payments (each, and summed
    by the month they were made in): one query whatever the length of the history (the
    payments' rows grow by one or two a month)."""
    return ledger_read(account_id=account_id).run()


def ledger_read(*, account_id: int) -> Read[AccountLedger]:
    """`account_ledger()` as a read that can go with others (`read_together`)."""
    return Read(_ledger_rows, {"account_id": account_id}, _ledger_of_rows)


def _ledger_of_rows(rows: list[tuple]) -> AccountLedger:
    charges: dict[datetime.date, PeriodTotals] = {}
    made = []
    for row in rows:
        source = row[6]
        if source:  # (paid_on, amount, …, source, id)
            made.append((_as_date(row[0]), row[7], row[1], source))
        else:
            charges[row[0]] = _period_totals(*row[:6])
    sources = _payment_sources()
    payments: dict[datetime.date, list[PaymentLine]] = {}
    paid: dict[datetime.date, Decimal] = {}
    for paid_on, _id, amount, source in sorted(made):
        month = paid_on.replace(day=1)
        payments.setdefault(month, []).append(
            PaymentLine(paid_on, amount, source, sources.get(source, source))
        )
        paid[month] = paid.get(month, ZERO) + amount
    return AccountLedger(
        charges=charges,
        payments=payments,
        paid={month: round_money(total) for month, total in paid.items()},
    )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


@dataclass(frozen=True)
class MoneyFlow:
    """The money flow over a range of months (oldest first) and its totals."""

    first: datetime.date
    last: datetime.date
    months: list[FlowMonth]

    @property
    def opening(self) -> Decimal:
        return self.months[0].opening

    @property
    def charged(self) -> Decimal:
        return sum((m.charged for m in self.months), ZERO)

    @property
    def recalculated(self) -> Decimal:
        return sum((m.recalculated for m in self.months), ZERO)

    @property
    def penalties(self) -> Decimal:
        return sum((m.penalties for m in self.months), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((m.paid for m in self.months), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.months[-1].closing


def account_money_flow(
    *, first: datetime.date, last: datetime.date, ledger: AccountLedger
) -> MoneyFlow:
    """Each month from `first` to `last` (first days of months), from `ledger`
    (`account_ledger`): no query of its own."""
    payments = ledger.payments
    months = []
    opening = ledger.balance_before(first)
    month = first
    while month <= last:
        totals = ledger.charges.get(month)
        row = FlowMonth(
            month=month,
            opening=opening,
            charged=totals.charged if totals else ZERO,
            recalculated=totals.recalculation if totals else ZERO,
            penalties=totals.penalty if totals else ZERO,
            paid=ledger.paid.get(month, ZERO),
            payments=tuple(payments.get(month, ())),
        )
        months.append(row)
        opening = row.closing
        month = add_months(month, 1)
    return MoneyFlow(first=first, last=last, months=months)


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
    latest = _latest_charged_period(account.pk)
    services = Service.objects.filter(organization_id=account.organization_id).filter(
        Q(pk__in=charged.filter(period_id=latest).values("service_id")) | ~Exists(charged)
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


@dataclass(frozen=True)
class PenaltyBreakdown:
    """A period's penalty of one account with its stored breakdown (docs/penalties.md)."""

    month: datetime.date
    total: Decimal  # the period's penalty (0 without one)
    lines: list  # PenaltyLine rows: by debt month, paid parts first, then the unpaid rest
    months: list[datetime.date]  # the months with a penalty, latest first

    @property
    def lines_total(self) -> Decimal:
        """The sum of the rows as shown (each rounded to kopecks): it may differ from the
        total, which is rounded once."""
        return sum((round_money(line.amount) for line in self.lines), ZERO)


def account_penalty_breakdown(
    *, account_id: int, month: datetime.date | None = None
) -> PenaltyBreakdown | None:
    """The penalty of `month` (else the latest month with one) with its lines; None when
    the account never had a penalty and no month is asked for. Three queries at most."""
    from .models import PenaltyLine

    by_month = dict(
        Penalty.objects.filter(account_id=account_id)
        .values_list("period__month")
        .annotate(total=Sum("amount"))
        .order_by("-period__month")
    )
    months = list(by_month)
    if month is None:
        if not months:
            return None
        month = months[0]
    lines = list(
        PenaltyLine.objects.filter(penalty__account_id=account_id, penalty__period__month=month)
    )
    lines.sort(key=lambda line: (line.month, line.capital_repair, line.paid_on or datetime.date.max,
                                 line.start))  # fmt: skip
    return PenaltyBreakdown(
        month=month,
        total=round_money(by_month.get(month) or ZERO),
        lines=lines,
        months=months,
    )

"""The penalty calculation (ЖК РФ ст. 155 ч. 14), pure: no database, no clock
(docs/penalties.md).

Conventions (../shared/DOMAIN.md, "Penalties"):
- day k of delay is the due date (the last day to pay) + k days; days 1-30 accrue nothing,
  days 31-90 accrue 1/300 of the rate a day, day 91 on 1/130 (capital repair
  contributions: 1/300 throughout);
- a part paid on day k accrues up to and including day k (the payment day counts), at the
  rate in force on its payment date; the unpaid rest accrues up to and including the
  calculation date, at the rate in force on that date;
- payments repay the oldest debt first; a reversal (a negative payment) takes back the
  latest money allocated;
- a cap window replaces the rate for the days inside it (a fixed rate, or the lower of a
  ceiling and the rate); a moratorium's days count toward the day number but accrue
  nothing;
- arithmetic is exact (fractions: 1/300 and 1/130 have no finite decimal), and the total
  is rounded half-up to kopecks once; each row's `sum` is that row rounded for display.
"""

import bisect
import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from kabinet.core.money import KOPECK

FREE_DAYS = 30  # days 1-30 of delay accrue nothing
LOW_SHARE_LAST_DAY = 90  # days 31-90 at 1/300, from day 91 at 1/130
LOW_SHARE, HIGH_SHARE = 300, 130
ONE_DAY = datetime.timedelta(days=1)


class NoRate(ValueError):
    """The rate table has no rate for a date (before its first row)."""

    def __init__(self, day: datetime.date):
        super().__init__(f"no key rate on {day:%d.%m.%Y}")
        self.day = day


def round_half_up(value: Fraction) -> Decimal:
    """An exact amount rounded half-up to kopecks (0,005 → 0,01; −0,005 → −0,01)."""
    cents = abs(value) * 100
    whole = (2 * cents.numerator + cents.denominator) // (2 * cents.denominator)
    sign = -1 if value < 0 else 1
    return (Decimal(sign * whole) / 100).quantize(KOPECK)


@dataclass(frozen=True)
class Cap:
    """A window of accrual days whose rate is fixed (`fixed`) or at most `rate`
    (`ceiling`)."""

    start: datetime.date
    end: datetime.date
    kind: str  # "fixed" | "ceiling"
    rate: Decimal
    grounds: str = ""

    def apply(self, rate: Decimal) -> Decimal:
        return self.rate if self.kind == "fixed" else min(self.rate, rate)


@dataclass(frozen=True)
class Moratorium:
    """Days that accrue nothing (for every debt, or for the debts due before a day)."""

    start: datetime.date
    end: datetime.date
    debts_due_before: datetime.date | None = None
    grounds: str = ""

    def covers(self, due: datetime.date) -> bool:
        return self.debts_due_before is None or due < self.debts_due_before


class Rates:
    """The lookup the calculation needs: the key rate on a date, the caps and the moratoria."""

    def __init__(
        self,
        key_rates: Iterable[tuple],
        caps: Iterable[Cap] = (),
        moratoria: Iterable[Moratorium] = (),
    ):
        pairs = sorted((row[0], Decimal(row[1])) for row in key_rates)
        self._dates = [day for day, _rate in pairs]
        self._rates = [rate for _day, rate in pairs]
        self.caps = tuple(sorted(caps, key=lambda cap: cap.start))
        self.moratoria = tuple(sorted(moratoria, key=lambda m: m.start))

    def key_rate(self, on: datetime.date) -> Decimal:
        index = bisect.bisect_right(self._dates, on) - 1
        if index < 0:
            raise NoRate(on)
        return self._rates[index]

    def rate(self, base: Decimal, day: datetime.date) -> Decimal:
        """The rate a day accrues at, given the rate of the payment or calculation date."""
        for cap in self.caps:
            if cap.start <= day <= cap.end:
                return cap.apply(base)
        return base


@dataclass(frozen=True)
class Row:
    """One line of the breakdown: a debt part over days of one share and rate."""

    debt: Decimal  # the part of the debt accruing
    start: datetime.date
    end: datetime.date  # inclusive
    days: int
    share: int  # 300 or 130: the share of the rate per day is 1/share
    rate: Decimal  # % a year, after the caps
    exact: Fraction
    month: datetime.date | None = None  # the billing month of the debt
    due: datetime.date | None = None
    capital_repair: bool = False
    paid_on: datetime.date | None = None  # the part's payment date; None: still unpaid

    @property
    def sum(self) -> Decimal:
        return round_half_up(self.exact)

    @property
    def share_label(self) -> str:
        return f"1/{self.share}"

    def as_json(self) -> dict:
        return {
            "debt": str(Decimal(self.debt).quantize(KOPECK)),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "share": self.share_label,
            "rate": rate_text(self.rate),
            "sum": str(self.sum),
        }


def rate_text(rate: Decimal) -> str:
    """ "9.5", "20", "8.25": the rate without trailing zeros."""
    text = f"{rate:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Result:
    rows: list[Row] = field(default_factory=list)

    @property
    def exact(self) -> Fraction:
        return sum((row.exact for row in self.rows), Fraction(0))

    @property
    def total(self) -> Decimal:
        """Rounded once, on the total."""
        return round_half_up(self.exact)

    def as_json(self) -> dict:
        return {"total": str(self.total), "rows": [row.as_json() for row in self.rows]}


@dataclass(frozen=True)
class Debt:
    amount: Decimal
    due: datetime.date  # the last day to pay
    month: datetime.date | None = None
    capital_repair: bool = False


Payment = tuple[datetime.date, Decimal]  # (paid on, sum)


def allocate(debts: Sequence[Debt], payments: Iterable[Payment]) -> list[list[Payment]]:
    """Each debt's paid parts [(date, sum)], payments in date order repaying the oldest
    debt first (in the order given); a negative payment (a reversal) takes back the latest
    money allocated. Money beyond all the debts is left over (an advance)."""
    remaining = [max(debt.amount, Decimal(0)) for debt in debts]
    allocations: list[list] = []  # [debt index, date, sum], in the order allocated
    first = 0  # the oldest debt not fully repaid
    for paid_on, amount in sorted(payments, key=lambda payment: payment[0]):
        if amount > 0:
            while amount > 0 and first < len(debts):
                if remaining[first] <= 0:
                    first += 1
                    continue
                take = min(amount, remaining[first])
                remaining[first] -= take
                amount -= take
                if allocations and allocations[-1][0] == first and allocations[-1][1] == paid_on:
                    allocations[-1][2] += take
                else:
                    allocations.append([first, paid_on, take])
        else:
            back = -amount
            while back > 0 and allocations:
                index, _day, taken = allocations[-1]
                undo = min(back, taken)
                allocations[-1][2] -= undo
                remaining[index] += undo
                back -= undo
                first = min(first, index)
                if allocations[-1][2] == 0:
                    allocations.pop()
    parts: list[list[Payment]] = [[] for _debt in debts]
    for index, day, amount in allocations:
        parts[index].append((day, amount))
    return parts


def _segments(
    *,
    due: datetime.date,
    first: datetime.date,
    last: datetime.date,
    capital_repair: bool,
    rates: Rates,
) -> list[tuple[datetime.date, datetime.date]]:
    """[start, stop) stretches from `first` to `last` inclusive over which the share, the
    cap and the moratorium do not change."""
    points = {first, last + ONE_DAY}
    if not capital_repair:
        points.add(due + datetime.timedelta(days=LOW_SHARE_LAST_DAY + 1))
    for cap in rates.caps:
        points.update((cap.start, cap.end + ONE_DAY))
    for moratorium in rates.moratoria:
        points.update((moratorium.start, moratorium.end + ONE_DAY))
    ordered = sorted(point for point in points if first <= point <= last + ONE_DAY)
    return list(itertools.pairwise(ordered))


def _exact(amount: Decimal, days: int, rate: Decimal, share: int) -> Fraction:
    """amount × days × rate % / share, exactly (in integers: kopecks and hundredths of a
    percent, the precision amounts and rates are kept in)."""
    kopecks, hundredths = int(amount * 100), int(rate * 100)
    if kopecks != amount * 100 or hundredths != rate * 100:  # finer than kept: still exact
        return Fraction(amount) * days * Fraction(rate) / (100 * share)
    return Fraction(kopecks * days * hundredths, 100 * 100 * 100 * share)


def part_rows(
    *,
    debt: Debt,
    amount: Decimal,
    last_day: datetime.date,
    rate_date: datetime.date,
    rates: Rates,
    window: tuple[datetime.date, datetime.date] | None = None,
    paid_on: datetime.date | None = None,
) -> list[Row]:
    """The rows of one part of a debt accruing up to `last_day` at the rate of `rate_date`."""
    first = debt.due + datetime.timedelta(days=FREE_DAYS + 1)
    last = last_day
    if window is not None:
        first, last = max(first, window[0]), min(last, window[1])
    if last < first or amount <= 0:
        return []
    base = rates.key_rate(rate_date)
    moratoria = [m for m in rates.moratoria if m.covers(debt.due)]
    rows: list[Row] = []
    for start, stop in _segments(
        due=debt.due, first=first, last=last, capital_repair=debt.capital_repair, rates=rates
    ):
        if any(m.start <= start <= m.end for m in moratoria):
            continue
        day_number = (start - debt.due).days
        share = (
            LOW_SHARE if debt.capital_repair or day_number <= LOW_SHARE_LAST_DAY else HIGH_SHARE
        )
        rate = rates.rate(base, start)
        days = (stop - start).days
        end = stop - ONE_DAY
        if (
            rows
            and rows[-1].end + ONE_DAY == start
            and (rows[-1].share, rows[-1].rate)
            == (
                share,
                rate,
            )
        ):
            previous = rows.pop()
            start, days = previous.start, previous.days + days
        exact = _exact(amount, days, rate, share)
        rows.append(
            Row(
                debt=amount, start=start, end=end, days=days, share=share, rate=rate,
                exact=exact, month=debt.month, due=debt.due,
                capital_repair=debt.capital_repair, paid_on=paid_on,
            )
        )  # fmt: skip
    return rows


def account_penalty(
    *,
    debts: Iterable[Debt],
    payments: Iterable[Payment],
    until: datetime.date,
    rates: Rates,
    window: tuple[datetime.date, datetime.date] | None = None,
) -> Result:
    """The penalty on several debts of one account as of `until` (the calculation date),
    payments made by then repaying the oldest debt first. With `window` (first, last day),
    only the days inside it accrue: the billing run's month."""
    ordered = sorted(debts, key=lambda d: (d.due, d.month or datetime.date.min, d.capital_repair))
    made = [(day, amount) for day, amount in payments if day <= until]
    parts = allocate(ordered, made)
    earliest = window[0] if window else None
    rows: list[Row] = []
    for debt, paid in zip(ordered, parts, strict=True):
        if debt.amount <= 0:
            continue
        debt_free_until = debt.due + datetime.timedelta(days=FREE_DAYS)
        unpaid = debt.amount
        for paid_on, amount in paid:
            unpaid -= amount
            if paid_on <= debt_free_until or (earliest and paid_on < earliest):
                continue  # paid within the free days, or before the window
            rows += part_rows(
                debt=debt, amount=amount, last_day=paid_on, rate_date=paid_on, rates=rates,
                window=window, paid_on=paid_on,
            )  # fmt: skip
        if unpaid > 0 and until > debt_free_until:
            rows += part_rows(
                debt=debt, amount=unpaid, last_day=until, rate_date=until, rates=rates,
                window=window,
            )  # fmt: skip
    return Result(rows)


def debt_penalty(
    *,
    debt: Decimal,
    due: datetime.date,
    until: datetime.date,
    payments: Iterable[Payment] = (),
    capital_repair: bool = False,
    rates: Rates,
    window: tuple[datetime.date, datetime.date] | None = None,
) -> Result:
    """The penalty on one debt due on `due` (its last day to pay) as of `until`, with the
    payments applied to it [(date, sum)]."""
    return account_penalty(
        debts=[Debt(amount=Decimal(debt), due=due, capital_repair=capital_repair)],
        payments=payments,
        until=until,
        rates=rates,
        window=window,
    )

"""The chunk's penalties for the period (docs/penalties.md): for each account, over all its
overdue debts, the days of the period accrue; one `Penalty` per account and period,
rounded once, with its breakdown in `PenaltyLine` rows.

A debt is an account's charges of one billing month (the totals of its lines, the
recalculations included), due on the organization's due date of that month; a capital
repair contribution (`Service.capital_repair`) is a debt of its own at 1/300. Payments made
by the period's last day repay the oldest debt first; a month whose total is negative (a
recalculation giving money back) counts as a payment on the first day of the next month.

Three queries read the chunk's accounts that may owe a penalty, then every debt and
payment of theirs; the calculation itself is `billing.penalties.account_penalty`, pure.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from kabinet.billing.models import Penalty, PenaltyLine
from kabinet.billing.penalties import Debt, DueDates, Rates, account_penalty
from kabinet.core.money import round_money
from kabinet.core.periods import add_months, month_end

from .sql import Chunk

# The accounts that may owe a penalty this period: a debt past its 30 free days in the
# period is at the latest the month before last's, and with payments repaying the oldest
# debt first, some of it is unpaid on a day of the period only if what was charged up to
# that month exceeds what was paid before the period. Most accounts pay on time: this
# leaves them out before their history is read.
OWING = """
, owed AS (
  SELECT ch.account_id, SUM(ch.total) AS charged FROM billing_charge ch
  WHERE ch.account_id IN (SELECT account_id FROM chunk)
    AND ch.period_id IN (SELECT id FROM billing_billingperiod
                         WHERE organization_id = %(organization)s AND month <= %(overdue_month)s)
  GROUP BY ch.account_id
), paid AS (
  SELECT pay.account_id, SUM(pay.amount) AS paid FROM billing_payment pay
  WHERE pay.account_id IN (SELECT account_id FROM chunk) AND pay.paid_on < %(month)s
  GROUP BY pay.account_id
)
SELECT o.account_id FROM owed o LEFT JOIN paid p ON p.account_id = o.account_id
WHERE o.charged > COALESCE(p.paid, 0) + 0.005
"""
# Their monthly totals of charges before the period, split by capital repair; their
# payments made by the period's last day.
DEBTS = """
SELECT ch.account_id, p.month, s.capital_repair, SUM(ch.total)
FROM billing_charge ch
JOIN billing_billingperiod p ON p.id = ch.period_id
JOIN billing_service s ON s.id = ch.service_id
WHERE ch.account_id IN ({accounts}) AND p.month < %(month)s
GROUP BY ch.account_id, p.month, s.capital_repair
"""
PAYMENTS = """
SELECT pay.account_id, pay.paid_on, pay.amount FROM billing_payment pay
WHERE pay.account_id IN ({accounts}) AND pay.paid_on <= %(month_end)s
"""


def _money(value) -> Decimal:
    """A sum as the database gave it (SQLite: a binary float of kopecks, perhaps with
    binary noise from adding) back to kopecks."""
    if isinstance(value, float):
        return Decimal(repr(round(value, 2)))
    return round_money(value)


def _date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def penalties_compute(chunk: Chunk, *, rates: Rates, due_dates: DueDates) -> dict[int, object]:
    """{account id: Result} of the chunk's accounts with a penalty in the period."""
    debts: dict[int, list[Debt]] = defaultdict(list)
    payments: dict[int, list] = defaultdict(list)
    overdue = {"overdue_month": connection.ops.adapt_datefield_value(add_months(chunk.month, -2))}
    owing = [account_id for (account_id,) in chunk.rows(OWING, overdue)]
    if not owing:
        return {}
    accounts = ", ".join(str(int(account_id)) for account_id in owing)
    with connection.cursor() as cursor:
        cursor.execute(DEBTS.format(accounts=accounts), chunk.params)
        debt_rows = cursor.fetchall()
        cursor.execute(PAYMENTS.format(accounts=accounts), chunk.params)
        payment_rows = cursor.fetchall()
    for account_id, month, capital_repair, total in debt_rows:
        month, amount = _date(month), _money(total)
        if amount > 0:
            debts[account_id].append(Debt(amount, due_dates(month), month, bool(capital_repair)))
        elif amount < 0:
            payments[account_id].append((add_months(month, 1), -amount))
    if not debts:
        return {}
    for account_id, paid_on, amount in payment_rows:
        if account_id in debts:
            payments[account_id].append((_date(paid_on), _money(amount)))
    window = (chunk.month, month_end(chunk.month))
    results = {}
    for account_id, account_debts in debts.items():
        result = account_penalty(
            debts=account_debts, payments=payments.get(account_id, ()), until=window[1],
            rates=rates, window=window,
        )  # fmt: skip
        if result.rows and result.total > 0:
            results[account_id] = result
    return results


LINES_INSERT = f"""INSERT INTO {PenaltyLine._meta.db_table} (penalty_id, period_id, month, due,
  capital_repair, debt, paid_on, start, "end", days, share, rate, amount)"""
LINE_VALUES = " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
# PostgreSQL: one statement for all the lines, a column an array (the closed period's
# guard runs once per statement; thirteen parameters rather than thirteen per line).
LINE_ARRAYS = """ SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::date[],
  %s::boolean[], %s::numeric[], %s::date[], %s::date[], %s::date[], %s::integer[],
  %s::integer[], %s::numeric[], %s::numeric[])"""
EIGHT_PLACES = Decimal("0.00000001")


def _eight_places(exact) -> Decimal:
    """A row's exact sum as stored (eight places, half-up): for display; the penalty's
    total is rounded from the exact sums."""
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        EIGHT_PLACES, rounding=ROUND_HALF_UP
    )


def penalties_write(chunk: Chunk, *, rates: Rates, due_dates: DueDates) -> Decimal:
    """Write the chunk's penalties of the period with their breakdown; their total."""
    results = penalties_compute(chunk, rates=rates, due_dates=due_dates)
    if not results:
        return Decimal("0.00")
    now = timezone.now()
    penalties = Penalty.objects.bulk_create(
        Penalty(account_id=account_id, period_id=chunk.period_id, amount=result.total,
                created_at=now)
        for account_id, result in results.items()
    )  # fmt: skip
    ops = connection.ops
    day, money = ops.adapt_datefield_value, ops.adapt_decimalfield_value
    lines = [
        (
            penalty.pk, chunk.period_id, day(row.month), day(row.due), row.capital_repair,
            money(row.debt, 14, 2), day(row.paid_on), day(row.start), day(row.end), row.days,
            row.share, money(row.rate, 5, 2), money(_eight_places(row.exact), 20, 8),
        )
        for penalty, result in zip(penalties, results.values(), strict=True)
        for row in result.rows
    ]  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                LINES_INSERT + LINE_ARRAYS, [list(column) for column in zip(*lines, strict=True)]
            )
        else:
            cursor.executemany(LINES_INSERT + LINE_VALUES, lines)
    return sum((result.total for result in results.values()), Decimal("0.00"))

"""The chunk's penalties for the period (docs/penalties.md): for each account, over all its
overdue debts, the days of the period accrue; one `Penalty` per account and period,
rounded once, with its breakdown in `PenaltyLine` rows.

A debt is an account's charges of one billing month (the totals of its lines, the
recalculations included), due on the organization's due date of that month; a capital
repair contribution (`Service.capital_repair`) is a debt of its own at 1/300. Payments made
by the period's last day repay the oldest debt first; a month whose total is negative (a
recalculation giving money back) counts as a payment on the first day of the next month.

Two queries read every debt and payment of the chunk's accounts; the calculation itself
is `billing.penalties.account_penalty`, pure.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from kabinet.billing.models import Penalty, PenaltyLine
from kabinet.billing.penalties import Debt, DueDates, Rates, account_penalty
from kabinet.core.money import round_money
from kabinet.core.periods import add_months, month_end

from .sql import Chunk

# The monthly totals of the chunk's accounts' charges before the period, split by capital
# repair; the payments made by the period's last day.
DEBTS = """
SELECT ch.account_id, p.month, s.capital_repair, SUM(ch.total)
FROM chunk c CROSS JOIN billing_charge ch
JOIN billing_billingperiod p ON p.id = ch.period_id
JOIN billing_service s ON s.id = ch.service_id
WHERE ch.account_id = c.account_id AND p.month < %(month)s
GROUP BY ch.account_id, p.month, s.capital_repair
"""
PAYMENTS = """
SELECT pay.account_id, pay.paid_on, pay.amount
FROM chunk c CROSS JOIN billing_payment pay
WHERE pay.account_id = c.account_id AND pay.paid_on <= %(month_end)s
"""


def _money(value) -> Decimal:
    """A sum as the database gave it (SQLite: a binary float) back to kopecks."""
    return round_money(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))


def _date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def penalties_compute(chunk: Chunk, *, rates: Rates, due_dates: DueDates) -> dict[int, object]:
    """{account id: Result} of the chunk's accounts with a penalty in the period."""
    debts: dict[int, list[Debt]] = defaultdict(list)
    payments: dict[int, list] = defaultdict(list)
    for account_id, month, capital_repair, total in chunk.rows(DEBTS):
        month, amount = _date(month), _money(total)
        if amount > 0:
            debts[account_id].append(Debt(amount, due_dates(month), month, bool(capital_repair)))
        elif amount < 0:
            payments[account_id].append((add_months(month, 1), -amount))
    if not debts:
        return {}
    for account_id, paid_on, amount in chunk.rows(PAYMENTS):
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
    lines = []
    for penalty, result in zip(penalties, results.values(), strict=True):
        for row in result.rows:
            lines.append(
                PenaltyLine(
                    penalty_id=penalty.pk, period_id=chunk.period_id, month=row.month,
                    due=row.due, capital_repair=row.capital_repair, debt=row.debt,
                    paid_on=row.paid_on, start=row.start, end=row.end, days=row.days,
                    share=row.share, rate=row.rate,
                    amount=Decimal(row.exact.numerator) / Decimal(row.exact.denominator),
                )
            )  # fmt: skip
    PenaltyLine.objects.bulk_create(lines, batch_size=2000)
    return sum((result.total for result in results.values()), Decimal("0.00"))

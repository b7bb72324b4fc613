"""Period totals (`PeriodTotal`): each account's period summed from its lines, written
wherever the lines are, in the same transaction (docs/billing.md "Period totals").

One statement pair replaces the totals of a period for a set of accounts given as SQL
(a subquery or a parameter), so the billing run writes a chunk's in one `INSERT … SELECT`
and `charge_add` one account's. Sums are rounded to kopecks in the database: SQLite adds
its decimals as binary floats.
"""

from django.db import connection

TOTALS_DELETE = """
DELETE FROM billing_periodtotal WHERE period_id = %(period)s AND account_id IN ({accounts})
"""

# The lines are read in the charge index's order and summed per account as they come
# (an account's penalty looked up beside), then the accounts with a penalty and no line.
PERIOD_MONTH = "(SELECT month FROM billing_billingperiod WHERE id = %(period)s)"
TOTALS_INSERT = f"""
INSERT INTO billing_periodtotal (account_id, period_id, month, lines, amount, common_amount,
  recalculation, total, penalty)
SELECT ch.account_id, %(period)s, {PERIOD_MONTH}, COUNT(*), ROUND(SUM(ch.amount), 2),
  ROUND(SUM(ch.common_amount), 2), ROUND(SUM(ch.recalculation), 2), ROUND(SUM(ch.total), 2),
  COALESCE((SELECT ROUND(SUM(pe.amount), 2) FROM billing_penalty pe
    WHERE pe.account_id = ch.account_id AND pe.period_id = %(period)s), 0)
FROM billing_charge ch WHERE ch.period_id = %(period)s AND ch.account_id IN ({{accounts}})
GROUP BY ch.account_id
UNION ALL
SELECT pe.account_id, %(period)s, {PERIOD_MONTH}, 0, 0, 0, 0, 0, ROUND(SUM(pe.amount), 2)
FROM billing_penalty pe WHERE pe.period_id = %(period)s AND pe.account_id IN ({{accounts}})
  AND NOT EXISTS (SELECT 1 FROM billing_charge ch WHERE ch.period_id = %(period)s
    AND ch.account_id = pe.account_id)
GROUP BY pe.account_id
"""


def period_totals_write(*, period_id: int, accounts: str, params: dict | None = None) -> None:
    """Replace the period's totals of `accounts` (SQL: a subquery of account ids, or a
    placeholder among `params`) by the sums of their lines as they now are."""
    values = {**(params or {}), "period": period_id}
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_DELETE.format(accounts=accounts), values)
        cursor.execute(TOTALS_INSERT.format(accounts=accounts), values)


def account_totals_write(*, account_id: int, period_id: int) -> None:
    """One account's totals of one period (after `charge_add`, `penalty_add`)."""
    period_totals_write(
        period_id=period_id, accounts="%(account)s", params={"account": account_id}
    )

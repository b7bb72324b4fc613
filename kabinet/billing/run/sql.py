"""SQL pieces of one chunk, shared by `usage.py` and `lines.py`.

A chunk's statements read its accounts' rows through the indexes that start with the
account (`CROSS JOIN`, which SQLite takes as the order to join in, keeps it from scanning
the whole period's lines through the period's index: the run would slow down with every
chunk). PostgreSQL reorders joins and plans on statistics: taken before the run, when the
period had no lines, they make it read each chunk's rows through the period's index,
every line written so far. So on PostgreSQL the run refreshes the statistics of the
tables it fills after its 1st, 2nd, 4th, 8th… chunk (`service.statistics_refresh`): they
stay within twice the truth, for a handful of `ANALYZE`s.

Written as SQL rather than with the ORM because they are `INSERT … SELECT` and
`UPDATE … WHERE EXISTS` statements over a chunk's whole set of accounts, which the ORM
cannot express; they run unchanged on PostgreSQL and SQLite. Money is computed by the
functions of kabinet/billing/sql.py, exact on both.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from kabinet.core.periods import add_months, month_end

# The chunk's accounts: open on some day of the month, in the chunk's houses.
CHUNK = """chunk AS (
  SELECT a.id AS account_id, p.id AS premises_id, p.house_id AS house_id,
         p.area AS area, p.residents_registered AS residents
  FROM housing_personalaccount a JOIN housing_premises p ON p.id = a.premises_id
  WHERE a.organization_id = %(organization)s AND p.house_id IN ({houses})
    AND a.opened_on <= %(month_end)s AND (a.closed_on IS NULL OR a.closed_on >= %(month)s)
)"""

# Who is billed for a premises' meters: its first open account (a premises with several
# accounts, a communal flat registered as one premises, is billed once).
HOLDERS = """holders AS (
  SELECT premises_id, house_id, residents, MIN(account_id) AS account_id
  FROM chunk GROUP BY premises_id, house_id, residents
)"""

ACTIVE_METER = """{m}.installed_on <= %(month_end)s
  AND ({m}.removed_on IS NULL OR {m}.removed_on >= %(month)s)"""

# A meter of the service's resource (wastewater: cold or hot water).
METER_OF_SERVICE = """({m}.resource = {s}.resource
  OR ({s}.resource = 'wastewater' AND {m}.resource IN ('cold_water', 'hot_water')))"""

POSITIVE = "CASE WHEN {x} > 0 THEN {x} ELSE 0 END"


# The tariff of each service (and zone) for each of the chunk's houses, in force on the
# period's first day: the house's own if it has one, else the organization's. A few
# hundred rows, computed once per statement; the lines join it on equality.
IN_FORCE = (
    """{t}.valid_from <= %(month)s AND ({t}.valid_to IS NULL OR {t}.valid_to >= %(month)s)"""
)
TARIFFS = f"""tariffs AS MATERIALIZED (
  SELECT h.house_id, t.service_id, t.zones, t.zone, t.id AS tariff_id, t.price
  FROM (SELECT DISTINCT house_id FROM chunk) h
  JOIN billing_tariff t ON {IN_FORCE.format(t="t")}
    AND (t.house_id = h.house_id OR (t.house_id IS NULL AND NOT EXISTS (
      SELECT 1 FROM billing_tariff th WHERE th.house_id = h.house_id
        AND th.service_id = t.service_id AND th.zones = t.zones AND th.zone = t.zone
        AND {IN_FORCE.format(t="th")})))
  JOIN billing_service s ON s.id = t.service_id AND s.organization_id = %(organization)s
)"""


@dataclass(frozen=True)
class Chunk:
    """What every statement of one chunk needs: the period, the houses, the parameters."""

    run_id: int
    period_id: int
    organization_id: int
    month: datetime.date
    houses: tuple[int, ...]

    @property
    def params(self) -> dict:
        ops = connection.ops
        return {
            "run": self.run_id,
            "period": self.period_id,
            "organization": self.organization_id,
            "month": ops.adapt_datefield_value(self.month),
            "month_end": ops.adapt_datefield_value(month_end(self.month)),
            "previous": ops.adapt_datefield_value(add_months(self.month, -1)),
            "now": ops.adapt_datetimefield_value(timezone.now()),
        }

    @property
    def house_list(self) -> str:
        """The chunk's house ids as SQL: "12, 13, 14"."""
        return ", ".join(str(int(house)) for house in self.houses)

    def sql(self, statement: str) -> str:
        """A statement with the chunk's common tables in front (`WITH chunk, holders,
        tariffs`; a table a statement does not use is not computed)."""
        return f"WITH {CHUNK.format(houses=self.house_list)}, {HOLDERS}, {TARIFFS} {statement}"

    def execute(self, statement: str, extra: dict | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self.sql(statement), {**self.params, **(extra or {})})
            return cursor.rowcount

    def rows(self, statement: str, extra: dict | None = None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql(statement), {**self.params, **(extra or {})})
            return cursor.fetchall()


def decimal_param(value: Decimal):
    return connection.ops.adapt_decimalfield_value(value, max_digits=18, decimal_places=6)

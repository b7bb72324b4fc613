"""SQL pieces of one chunk, shared by `usage.py` and `lines.py`.

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


def tariff_in_force(t: str, *, service: str, house: str, zones: str, zone: str) -> str:
    """Join condition: `t` is the service's tariff for that zone in force on the period's
    first day, the house's own if it has one, else the organization's."""
    in_force = (
        "{a}.service_id = {service} AND {a}.zones = {zones} AND {a}.zone = {zone} "
        "AND {a}.valid_from <= %(month)s AND ({a}.valid_to IS NULL OR {a}.valid_to >= %(month)s)"
    )
    return (
        f"{in_force.format(a=t, service=service, zones=zones, zone=zone)} "
        f"AND ({t}.house_id = {house} OR ({t}.house_id IS NULL AND NOT EXISTS ("
        f"SELECT 1 FROM billing_tariff th WHERE th.house_id = {house} AND "
        f"{in_force.format(a='th', service=service, zones=zones, zone=zone)})))"
    )


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

    def sql(self, statement: str) -> str:
        """A statement with the chunk's common tables in front (`WITH chunk, holders`)."""
        houses = ", ".join(str(int(house)) for house in self.houses)
        return f"WITH {CHUNK.format(houses=houses)}, {HOLDERS} {statement}"

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

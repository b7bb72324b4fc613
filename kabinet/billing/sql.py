"""Money arithmetic inside the database, exact on both databases, and the guard that
freezes a closed period's lines (docs/billing.md).

The billing run computes its lines with `INSERT … SELECT`. Two SQL functions do the
money there, with the same names and results on PostgreSQL and SQLite:

- `kabinet_line_amount(price, volume)`: price × volume rounded half-up once to kopecks,
  as `core.money.line_amount` does in Python;
- `kabinet_share(volume, part, whole)`: volume × part / whole rounded half-up to six
  places (a premises' share of a house's common-property volume by floor area).

PostgreSQL computes them in exact `numeric` (functions created by a migration). SQLite
stores decimals as binary floats, where `round(2.675, 2)` is 2.67: there the functions
are Python, registered on every connection, and read their arguments back as the
decimals they were written as (at most six places) before computing in `Decimal`.
"""

from decimal import ROUND_HALF_UP, Decimal

from kabinet.core.money import round_money

SIX_PLACES = Decimal("0.000001")

POSTGRESQL_FUNCTIONS = """
CREATE OR REPLACE FUNCTION kabinet_line_amount(price numeric, volume numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round(price * volume, 2) $$;

CREATE OR REPLACE FUNCTION kabinet_share(volume numeric, part numeric, whole numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT round(volume * part / whole, 6) $$;
"""


def _decimal(value) -> Decimal:
    """The decimal a column value or an expression of them stands for. Stored values have
    at most six places and SQLite hands them back as the nearest binary float, whose
    shortest repr() is that decimal; a float sum or difference of them (a volume from two
    readings, say) carries binary noise past the sixth place, which rounding removes."""
    if isinstance(value, float):
        return Decimal(repr(round(value, 6)))
    return Decimal(value).quantize(SIX_PLACES)


def _micros(value) -> int:
    """The value in millionths, exactly: the same decimal as `_decimal`, as an integer.
    A float's error is far below half a millionth for any sum of money or volume Kabinet
    stores (under 10⁹), so rounding the scaled float lands on the decimal it stands for."""
    if isinstance(value, float):
        return round(value * 1_000_000)
    if isinstance(value, int):
        return value * 1_000_000
    return int(_decimal(value) * 1_000_000)


def _divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, as ROUND_HALF_UP does."""
    quotient = (2 * abs(numerator) + abs(denominator)) // (2 * abs(denominator))
    return -quotient if (numerator < 0) != (denominator < 0) else quotient


# The SQLite functions run once per line of a run (a million calls at 100 000 accounts),
# so they compute in integers; `_line_amount_decimal` and `_share_decimal` say the same in
# Decimal, and a test holds the two to each other.
def _line_amount(price, volume):
    if price is None or volume is None:
        return None
    # millionths × millionths = 10⁻¹² units; kopecks are 10⁻².
    return _divide_half_up(_micros(price) * _micros(volume), 10**10) / 100


def _share(volume, part, whole):
    if volume is None or part is None or not whole:
        return None
    whole_micros = _micros(whole)
    if not whole_micros:
        return None
    return _divide_half_up(_micros(volume) * _micros(part), whole_micros) / 1_000_000


def _line_amount_decimal(price, volume):
    if price is None or volume is None:
        return None
    return float(round_money(_decimal(price) * _decimal(volume)))


def _share_decimal(volume, part, whole):
    if volume is None or part is None or not whole:
        return None
    share = _decimal(volume) * _decimal(part) / _decimal(whole)
    return float(share.quantize(SIX_PLACES, rounding=ROUND_HALF_UP))


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function("kabinet_line_amount", 2, _line_amount, deterministic=True)
        raw.create_function("kabinet_share", 3, _share, deterministic=True)


# --- the closed period's guard ---------------------------------------------------------

# Tables whose rows belong to one period and are frozen once it is closed (each gets its
# triggers from a migration: 0003 for the first four, 0008 for the penalty lines, 0009 for
# the period totals).
FROZEN_TABLES = (
    "billing_charge",
    "billing_penalty",
    "billing_meterusage",
    "billing_recalculation",
    "billing_penaltyline",
    "billing_periodtotal",
)
PERIODS = "billing_billingperiod"
FROZEN_MESSAGE = "Расчетный период закрыт: его строки не меняются"


def sqlite_guard(table: str) -> list[str]:
    closed = f"(SELECT is_closed FROM {PERIODS} WHERE id = {{row}}.period_id)"
    abort = f"SELECT RAISE(ABORT, '{FROZEN_MESSAGE}');"
    return [
        f"CREATE TRIGGER {table}_frozen_insert BEFORE INSERT ON {table} "
        f"WHEN {closed.format(row='NEW')} BEGIN {abort} END",
        f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} "
        f"WHEN {closed.format(row='OLD')} OR {closed.format(row='NEW')} BEGIN {abort} END",
        f"CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table} "
        f"WHEN {closed.format(row='OLD')} BEGIN {abort} END",
    ]


def postgresql_guard(table: str) -> list[str]:
    """Statement-level triggers over the transition tables: one check per statement, so
    that inserting a run's million lines costs one join rather than a million lookups."""
    statements = []
    for event, rows in (
        ("INSERT", "NEW"),
        ("UPDATE", "NEW"),
        ("UPDATE", "OLD"),
        ("DELETE", "OLD"),
    ):
        name = f"{table}_frozen_{event.lower()}_{rows.lower()}"
        function = f"{name}_check"
        statements += [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed_rows r JOIN {PERIODS} p ON p.id = r.period_id
             WHERE p.is_closed) THEN
    RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$""",
            f"CREATE TRIGGER {name} AFTER {event} ON {table} "
            f"REFERENCING {rows} TABLE AS changed_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {function}()",
        ]
    return statements


# The trigger names both functions create (PostgreSQL: per event and transition table).
GUARD_SUFFIXES = ("insert", "update", "delete", "insert_new", "update_new", "update_old",
                  "delete_old")  # fmt: skip


def guard_install(schema_editor, table: str) -> None:
    """A migration's step: the closed period's guard on `table`, on either database."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_guard(table)
    elif vendor == "sqlite":
        statements = sqlite_guard(table)
    else:  # pragma: no cover - Kabinet runs on PostgreSQL and SQLite
        raise NotImplementedError(vendor)
    for statement in statements:
        schema_editor.execute(statement)


def guard_remove(schema_editor, table: str) -> None:
    """The reverse of `guard_install`."""
    postgresql = schema_editor.connection.vendor == "postgresql"
    for suffix in GUARD_SUFFIXES:
        if postgresql:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{suffix} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_frozen_{suffix}_check()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{suffix}")

"""Read queries built with the ORM, compiled to SQL once per process, run with new arguments.

Building and compiling a queryset costs 0.3-2 ms of Python on every request, while
running the SQL of the account card's queries takes a few hundredths of a
millisecond; on the card's hot path that compilation was most of the page's time
(bench/bench_account_card.py). A `PreparedQuery` keeps the ORM as the single
description of the query (so it follows model changes) and skips the compilation:

    latest = PreparedQuery(lambda account_id: Charge.objects.filter(account_id=account_id)
                           .values_list("service__name", "amount"))
    latest.rows(account_id=42)  # [("Ремонт жилья", Decimal("141.40")), ...]

Rules, checked where they can be:
- the build function's arguments are integers (ids), and nothing else in the query
  depends on the call (no `timezone.now()`, no settings read at build time): the
  compiled parameters are frozen apart from the arguments' slots;
- the queryset is a `values_list()` one; rows come back as tuples converted by the
  database's converters exactly as the ORM would (Decimal, dates on SQLite).

On SQLite a decimal column comes back as a binary float, which Django turns into a
`Decimal` in about 3 µs (a new 15-digit context for each value, then rounding to the
field's places); a page of 36 months reads a few hundred of them. Here a column of at
most 15 digits (money) is read from the float's shortest repr and rounded to the field's
places: the same `Decimal` for every value such a column holds (a double keeps 15
significant digits exactly), and for sums of them such as a generated total (within
10⁻¹² of the kopecks they stand for, far from any rounding boundary), in a third of the
time. Wider columns (volumes, prices: 18 digits) keep Django's converter. A test holds
the two to each other.

On PostgreSQL the SQL also runs as a server-side prepared statement, so the server
plans it once per connection rather than on every request: planning the card's
queries took longer than running them (0.4 ms against 0.1 ms). Django's own cursors
bind parameters on the client, which cannot be prepared; these queries get a
server-binding cursor, and `prepare_threshold` (kabinet/settings.py) has psycopg
prepare them on first use.

The compiled state is only read after compilation, so threads may share it.

Because this rests on Django's SQL compiler, it is behind the setting PREPARED_QUERIES:
off, `rows()` runs the same queryset through the ORM (docs/architecture.md; the gain is
measured by bench/bench_account_card.py, card_prepared_queries, docs/benchmarks.md).
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import DecimalField, QuerySet
from django.db.models.expressions import Col

# Argument stand-ins while compiling: unlikely to occur as a literal in a query.
_SENTINEL = -7_340_000_000_000
SQLITE_EXACT_DIGITS = 15  # significant digits a double keeps


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._names = tuple(inspect.signature(build).parameters)
        self._compiled: dict[tuple[str, str], tuple] = {}

    def _compile(self, using: str) -> tuple:
        sentinels = {name: _SENTINEL - index for index, name in enumerate(self._names)}
        queryset = self._build(**sentinels)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(
            (position, name)
            for position, value in enumerate(params)
            for name, sentinel in sentinels.items()
            if type(value) is int and value == sentinel
        )
        missing = set(self._names) - {name for _position, name in slots}
        if missing:
            raise ImproperlyConfigured(
                f"PreparedQuery: argument(s) {sorted(missing)} do not reach the SQL parameters."
            )
        # The database's converters (Decimal and dates on SQLite…), found once as well.
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ImproperlyConfigured("PreparedQuery: composite fields are not supported.")
        converters = compiler.get_converters(columns)
        if connections[using].vendor == "sqlite":
            converters = {
                position: _sqlite_decimal_converters(converter, expression)
                for position, (converter, expression) in converters.items()
            }
        return compiler, sql, tuple(params), slots, converters

    def rows(self, *, using: str = "default", **arguments: int) -> list[tuple]:
        if not settings.PREPARED_QUERIES:
            self._check(arguments)
            return list(self._build(**arguments).using(using))
        sql, params, convert = self._statement(using, arguments)
        with _cursor(connections[using]) as cursor:
            cursor.execute(sql, params)
            return convert(cursor.fetchall())

    def _check(self, arguments: dict) -> None:
        if set(arguments) != set(self._names):
            raise TypeError(f"PreparedQuery takes {self._names}, got {tuple(arguments)}")

    def _statement(self, using: str, arguments: dict) -> tuple[str, list, Callable]:
        """The SQL, its parameters with `arguments` in their slots, and the function
        converting the rows it returns."""
        self._check(arguments)
        key = (using, connections[using].vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled.setdefault(key, self._compile(using))
        compiler, sql, frozen, slots, converters = compiled
        params = list(frozen)
        for position, name in slots:
            params[position] = int(arguments[name])

        def convert(rows: list) -> list[tuple]:
            if converters:
                return [tuple(row) for row in compiler.apply_converters(rows, converters)]
            return rows

        return sql, params, convert


@dataclass(frozen=True)
class Read[T]:
    """A prepared query, its arguments and what its rows make: a read that can be sent
    with others (`read_together`)."""

    query: PreparedQuery
    arguments: dict[str, int]
    result: Callable[[list[tuple]], T]

    def run(self, using: str = "default") -> T:
        return self.result(self.query.rows(using=using, **self.arguments))


def read_together(*reads: Read, using: str = "default") -> list:
    """Each read's result, as `read.run()` gives it, the statements sent together: on
    PostgreSQL in one round trip (psycopg's pipeline mode), elsewhere one after another.
    A round trip cost an account page about as much as running its query
    (docs/benchmarks.md)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.PREPARED_QUERIES:
        return [read.run(using) for read in reads]
    statements = [read.query._statement(using, read.arguments) for read in reads]
    cursors = []
    try:
        connection.ensure_connection()
        with connection.connection.pipeline():
            for sql, params, _convert in statements:
                cursor = _cursor(connection)
                cursors.append(cursor)
                cursor.execute(sql, params)
        return [
            read.result(convert(cursor.fetchall()))
            for read, cursor, (_sql, _params, convert) in zip(
                reads, cursors, statements, strict=True
            )
        ]
    finally:
        for cursor in cursors:
            cursor.close()


def _sqlite_decimal_converters(converters: list, expression) -> tuple[list, object]:
    """A decimal column's converters on SQLite: Django's, or the faster equivalent."""
    field = getattr(expression, "output_field", None)
    if not (
        isinstance(expression, Col)
        and isinstance(field, DecimalField)
        and field.decimal_places is not None
        and field.max_digits is not None
        and field.max_digits <= SQLITE_EXACT_DIGITS
        and len(converters) == 1  # Django's own, and no field converter after it
    ):
        return converters, expression
    places = Decimal(1).scaleb(-field.decimal_places)

    def convert(value, expression, connection):
        if value is None:
            return None
        if isinstance(value, float):
            return Decimal(repr(value)).quantize(places)
        return Decimal(value).quantize(places)

    return [convert], expression


def _cursor(connection):
    """Django's cursor, or on PostgreSQL one that binds on the server (and can be prepared),
    wrapped like Django's own so that query logging and counting still see it."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    server_binding = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(server_binding)
    return connection.make_cursor(server_binding)

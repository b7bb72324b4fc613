"""The ledger tables after every migration: the closed period's guard on each table it
freezes (a migration that remakes a table on SQLite would drop its triggers), and the
indexes the billing run writes and reads."""

import pytest
from django.db import connection

from kabinet.billing.sql import FROZEN_TABLES

pytestmark = pytest.mark.django_db


def triggers_of(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
        return {name for (name,) in cursor.fetchall()}


def index_columns(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]


@pytest.mark.parametrize("table", FROZEN_TABLES)
def test_every_frozen_table_keeps_its_guard_for_inserts_updates_and_deletes(table):
    events = {name.removeprefix(f"{table}_frozen_").split("_")[0] for name in triggers_of(table)}
    assert {"insert", "update", "delete"} <= events


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("billing_meterusage", "account_id"),
        ("billing_meterusage", "period_id"),
        ("billing_penalty", "account_id"),
        ("billing_periodtotal", "account_id"),
    ],
)
def test_a_foreign_key_leading_another_index_has_no_index_of_its_own(table, column):
    indexes = index_columns(table)
    assert [column] not in indexes
    assert any(columns[0] == column and len(columns) > 1 for columns in indexes)


def test_a_penalty_is_found_by_account_and_period():
    assert ["account_id", "period_id"] in index_columns("billing_penalty")

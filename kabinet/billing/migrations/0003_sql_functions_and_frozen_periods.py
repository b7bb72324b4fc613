"""The money functions of the billing run on PostgreSQL, and the triggers that freeze a
closed period's lines on both databases (kabinet/billing/sql.py)."""

from django.db import migrations

from kabinet.billing import sql

# The tables frozen here; a later table gets its guard in its own migration.
TABLES = ("billing_charge", "billing_penalty", "billing_meterusage", "billing_recalculation")


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        statements = [sql.POSTGRESQL_FUNCTIONS]
        for table in TABLES:
            statements += sql.postgresql_guard(table)
    elif connection.vendor == "sqlite":
        statements = [s for table in TABLES for s in sql.sqlite_guard(table)]
    else:  # pragma: no cover - Kabinet runs on PostgreSQL and SQLite
        raise NotImplementedError(connection.vendor)
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table in TABLES:
        for suffix in ("insert", "update", "delete", "insert_new", "update_new", "update_old", "delete_old"):
            if postgresql:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{suffix} ON {table}")
                schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_frozen_{suffix}_check()")
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{suffix}")


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_billing_run")]

    operations = [migrations.RunPython(forwards, backwards)]

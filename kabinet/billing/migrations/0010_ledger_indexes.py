"""Indexes of the ledger tables the billing run fills: the single-column indexes of
foreign keys that lead a composite index or a unique constraint anyway are dropped
(written a million times a run, never read), and a penalty is found by account and
period (the period totals read it per account).

The foreign keys' indexes are dropped by name rather than by altering the fields: on
SQLite, altering a field remakes the table, which would drop the closed period's
triggers (billing/sql.py). The names are Django's, the same on both databases."""

import django.db.models.deletion
from django.db import migrations, models

REDUNDANT = [
    ("meterusage", "account", "billing_meterusage", "account_id", "billing_meterusage_account_id_ea009849"),
    ("meterusage", "period", "billing_meterusage", "period_id", "billing_meterusage_period_id_f7a20542"),
    ("penalty", "account", "billing_penalty", "account_id", "billing_penalty_account_id_daaccf13"),
    ("periodtotal", "account", "billing_periodtotal", "account_id", "billing_periodtotal_account_id_548a4c2e"),
]  # fmt: skip

FIELDS = {
    ("meterusage", "account"): models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
        to="housing.personalaccount", verbose_name="лицевой счет",
    ),
    ("meterusage", "period"): models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
        to="billing.billingperiod", verbose_name="период",
    ),
    ("penalty", "account"): models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="penalties",
        to="housing.personalaccount", verbose_name="лицевой счет",
    ),
    ("periodtotal", "account"): models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.PROTECT,
        related_name="period_totals", to="housing.personalaccount", verbose_name="лицевой счет",
    ),
}  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_period_totals"),
        ("housing", "0007_attach_alert_and_staff_links"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name=model, name=field, field=FIELDS[model, field])
                for model, field, _table, _column, _index in REDUNDANT
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for _model, _field, table, column, index in REDUNDANT
            ],
        ),
        migrations.AddIndex(
            model_name="penalty",
            index=models.Index(fields=["account", "period"], name="penalty_account_period"),
        ),
    ]

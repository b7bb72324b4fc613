"""Period totals (`PeriodTotal`): the table, filled from the lines already booked, then
the closed period's guard on it (after the filling: closed periods' totals are written
once, here)."""

import django.db.models.deletion
from django.db import migrations, models

from kabinet.billing import sql

TABLE = "billing_periodtotal"

FILL = """
INSERT INTO billing_periodtotal (account_id, period_id, month, lines, amount, common_amount,
  recalculation, total, penalty)
SELECT x.account_id, x.period_id, p.month, SUM(x.lines), ROUND(SUM(x.amount), 2),
  ROUND(SUM(x.common_amount), 2), ROUND(SUM(x.recalculation), 2), ROUND(SUM(x.total), 2),
  ROUND(SUM(x.penalty), 2)
FROM (
  SELECT account_id, period_id, 1 AS lines, amount, common_amount, recalculation, total,
    0 AS penalty
  FROM billing_charge
  UNION ALL
  SELECT account_id, period_id, 0, 0, 0, 0, 0, amount FROM billing_penalty
) x JOIN billing_billingperiod p ON p.id = x.period_id
GROUP BY x.account_id, x.period_id, p.month
"""


def fill(apps, schema_editor):
    schema_editor.execute(FILL)


def guard(apps, schema_editor):
    sql.guard_install(schema_editor, TABLE)


def unguard(apps, schema_editor):
    sql.guard_remove(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_penalty_tables_and_guard"),
        ("housing", "0007_attach_alert_and_staff_links"),
    ]

    operations = [
        migrations.CreateModel(
            name="PeriodTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="месяц")),
                ("lines", models.PositiveIntegerField(verbose_name="строк начислений")),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="начислено"),
                ),
                (
                    "common_amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="начислено на СОИ"
                    ),
                ),
                (
                    "recalculation",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="перерасчет"
                    ),
                ),
                (
                    "total",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="итого начислено"
                    ),
                ),
                (
                    "penalty",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="пени"),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="period_totals",
                        to="housing.personalaccount",
                        verbose_name="лицевой счет",
                    ),
                ),
                (
                    "period",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="billing.billingperiod",
                        verbose_name="период",
                    ),
                ),
            ],
            options={
                "verbose_name": "итоги периода",
                "verbose_name_plural": "итоги периодов",
                "indexes": [
                    models.Index(fields=["account", "month"], name="period_total_account_month")
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("account", "period"), name="period_total_once")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]

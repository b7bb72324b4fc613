"""The penalty tables as shipped (a copy of kabinet/billing/penalties/data.py, frozen here
as a migration must be), and the closed period's guard on the penalty breakdown."""

import datetime
from decimal import Decimal

from django.db import migrations

from kabinet.billing import sql

KEY_RATES = (
    ("2012-09-14", "8.25", "refinancing"),
    ("2016-01-01", "11", "key"),
    ("2016-06-14", "10.5", "key"),
    ("2016-09-19", "10", "key"),
    ("2017-03-27", "9.75", "key"),
    ("2017-05-02", "9.25", "key"),
    ("2017-06-19", "9", "key"),
    ("2017-09-18", "8.5", "key"),
    ("2017-10-30", "8.25", "key"),
    ("2017-12-18", "7.75", "key"),
    ("2018-02-12", "7.5", "key"),
    ("2018-03-26", "7.25", "key"),
    ("2018-09-17", "7.5", "key"),
    ("2018-12-17", "7.75", "key"),
    ("2019-06-17", "7.5", "key"),
    ("2019-07-29", "7.25", "key"),
    ("2019-09-09", "7", "key"),
    ("2019-10-28", "6.5", "key"),
    ("2019-12-16", "6.25", "key"),
    ("2020-02-10", "6", "key"),
    ("2020-04-27", "5.5", "key"),
    ("2020-06-22", "4.5", "key"),
    ("2020-07-27", "4.25", "key"),
    ("2021-03-22", "4.5", "key"),
    ("2021-04-26", "5", "key"),
    ("2021-06-15", "5.5", "key"),
    ("2021-07-26", "6.5", "key"),
    ("2021-09-13", "6.75", "key"),
    ("2021-10-25", "7.5", "key"),
    ("2021-12-20", "8.5", "key"),
    ("2022-02-14", "9.5", "key"),
    ("2022-02-28", "20", "key"),
    ("2022-04-11", "17", "key"),
    ("2022-05-04", "14", "key"),
    ("2022-05-27", "11", "key"),
    ("2022-06-14", "9.5", "key"),
    ("2022-07-25", "8", "key"),
    ("2022-09-19", "7.5", "key"),
    ("2023-07-24", "8.5", "key"),
    ("2023-08-15", "12", "key"),
    ("2023-09-18", "13", "key"),
    ("2023-10-30", "15", "key"),
    ("2023-12-18", "16", "key"),
    ("2024-07-29", "18", "key"),
    ("2024-09-16", "19", "key"),
    ("2024-10-28", "21", "key"),
    ("2025-06-09", "20", "key"),
    ("2025-07-28", "18", "key"),
    ("2025-09-15", "17", "key"),
    ("2025-10-27", "16.5", "key"),
    ("2025-12-22", "16", "key"),
)
CAPS = (
    ("2022-02-28", "2022-07-31", "fixed", "9.5", "ПП РФ № 474 от 26.03.2022"),
    ("2022-08-01", "2026-12-31", "ceiling", "9.5", "ПП РФ № 1681 от 26.09.2022; продлено ПП РФ № 2479, № 2382, № 329"),
)
MORATORIA = (
    ("2020-04-06", "2020-12-31", None, "ПП РФ № 424 от 02.04.2020"),
    ("2022-04-01", "2022-10-01", '2022-04-01', "ПП РФ № 497 от 28.03.2022"),
)  # fmt: skip

TABLE = "billing_penaltyline"


def _day(text):
    return datetime.date.fromisoformat(text) if text else None


def seed(apps, schema_editor):
    KeyRate = apps.get_model("billing", "KeyRate")
    PenaltyCap = apps.get_model("billing", "PenaltyCap")
    PenaltyMoratorium = apps.get_model("billing", "PenaltyMoratorium")
    KeyRate.objects.bulk_create(
        KeyRate(valid_from=_day(day), rate=Decimal(rate), kind=kind) for day, rate, kind in KEY_RATES
    )
    PenaltyCap.objects.bulk_create(
        PenaltyCap(start=_day(a), end=_day(b), kind=kind, rate=Decimal(rate), grounds=grounds)
        for a, b, kind, rate, grounds in CAPS
    )
    PenaltyMoratorium.objects.bulk_create(
        PenaltyMoratorium(start=_day(a), end=_day(b), debts_due_before=_day(c), grounds=grounds)
        for a, b, c, grounds in MORATORIA
    )


def guard(apps, schema_editor):
    sql.guard_install(schema_editor, TABLE)


def unguard(apps, schema_editor):
    sql.guard_remove(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_penalties")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]

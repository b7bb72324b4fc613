"""Meter readings import (lines/s) against a bare bulk_create of the same rows.

N generated accounts (3 meters each, readings for last month) get this month's readings
from a CSV through `meters.exchange.readings_import`: every line parsed, checked against
the meter's history (previous reading, average, closed months), written with its history
row, each in its own savepoint. The baseline writes the same number of readings and
history rows with `bulk_create` for the month after, without any rule. The ratio is the
share of an import's time spent writing. Sizes: 1 000 accounts (3 000 lines), `--quick`
100; `--scale` lowers it further, never raises it (the import is not the 100 000-account
registry's bottleneck: a contractor's file is read once a month).
"""

import time
import uuid
from decimal import Decimal

from django.utils import timezone

from bench.harness import Context, Result, benchmark, throughput
from kabinet.accounts.models import User
from kabinet.core.periods import add_months, month_start
from kabinet.demo.registry import accounts_generate, company_ensure
from kabinet.meters import exchange
from kabinet.meters.models import Meter, Reading, ReadingSubmission

CITY = "г. Счетчиков"
STREETS = ["ул. Водная", "ул. Световая"]


@benchmark("meter_import")
def meter_import(context: Context) -> Result:
    accounts = 100 if context.quick else min(context.scale, 1000)
    today = timezone.localdate()
    last, this, following = add_months(today, -1), month_start(today), add_months(today, 1)
    company = company_ensure(name="Импорт показаний", inn="7700000003", city=CITY, last_month=last)
    accounts_generate(company=company, count=accounts, months=[last], city=CITY, streets=STREETS)
    meters = list(
        Meter.objects.filter(premises__house__organization=company.organization).order_by("pk")
    )
    values = {
        reading.meter_id: reading.value
        for reading in Reading.objects.filter(meter__in=meters, period=last)
    }
    lines = ["Заводской номер;Ресурс;Месяц;Показание"]
    for meter in meters:
        value = str(values[meter.pk] + Decimal(1)).replace(".", ",")
        lines.append(f"{meter.serial_number};{meter.get_resource_display()};{this:%m.%Y};{value}")
    data = ("\n".join(lines) + "\n").encode()
    staff, _created = User.objects.get_or_create(username="bench-operator", defaults={"email": ""})

    started = time.perf_counter()
    report = list(exchange.readings_import(data=data, filename="bench.csv", user=staff))
    subject = throughput(len(report), started)
    assert all(line.status == "accepted" for line in report), report[:3]

    readings = [
        Reading(meter=meter, period=following, value=values[meter.pk] + 2, source="staff")
        for meter in meters
    ]
    history = [
        ReadingSubmission(
            meter=meter, period=following, zone=1, kind="regular", value=values[meter.pk] + 2,
            source="staff", channel="import", user=staff, key=uuid.uuid4().hex,
        )
        for meter in meters
    ]  # fmt: skip
    started = time.perf_counter()
    Reading.objects.bulk_create(readings, batch_size=2000)
    ReadingSubmission.objects.bulk_create(history, batch_size=2000)
    baseline = throughput(len(meters), started)

    return Result(
        name="meter_import",
        unit="l/s",
        subject=subject,
        baseline=baseline,
        baseline_label=f"bulk_create of the same readings and history rows ({len(meters)} lines)",
    )

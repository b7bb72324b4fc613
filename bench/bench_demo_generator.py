"""Registry generator throughput (accounts/s) against a bare bulk_create of the same rows.

The baseline builds every registry row of N accounts first (untimed: houses, premises,
accounts, meters, readings) and times only their insertion; the subject times the whole
generator (building and writing) for another N accounts. The ratio is the share of time
the generator spends writing. Charging the months is the billing run's own benchmark
(bench_billing_run.py).
"""

import random
import time

from django.utils import timezone

from bench.harness import Context, Result, benchmark, throughput
from kabinet.core.periods import add_months
from kabinet.demo.registry import (
    IdAllocator,
    chunk_rows,
    company_ensure,
    registry_generate,
    rows_write,
)

CITY = "г. Тестоград"
STREETS = ["ул. Первая", "ул. Вторая"]


@benchmark("demo_generator")
def demo_generator(context: Context) -> Result:
    count = 300 if context.quick else context.scale
    months = [add_months(timezone.localdate(), -1)]

    baseline_company = company_ensure(
        name="Базовая линия", inn="7700000001", city=CITY, last_month=months[0]
    )
    rows = chunk_rows(
        company=baseline_company, first_number=1, count=count, months=months,
        city=CITY, streets=STREETS, apartments_per_house=100,
        rng=random.Random(1), next_id=IdAllocator(),
    )  # fmt: skip
    started = time.perf_counter()
    rows_write(rows)
    baseline = throughput(count, started)

    company = company_ensure(name="Генератор", inn="7700000002", city=CITY, last_month=months[0])
    started = time.perf_counter()
    registry_generate(company=company, count=count, months=months, city=CITY, streets=STREETS)
    subject = throughput(count, started)

    return Result(
        name="demo_generator",
        unit="acc/s",
        subject=subject,
        baseline=baseline,
        baseline_label=f"bulk_create of the same rows, prebuilt ({count} accounts, 12 services)",
    )

"""The billing run over N accounts × 12 services for one period (docs/benchmarks.md).

Setup: a generated registry (`kabinet.demo.registry.registry_generate`: houses of 100
flats, 12 services by every method, cold and hot water and electricity meters, some
two-zone, a few readings missing, house meters in two houses of three), N accounts, and
another of N/10 accounts for the memory comparison.

Subject: `billing_run` in the foreground for the period, in a fresh process (so that its
peak RSS is the run's own), accounts per second.
Baseline, same run and database: one `INSERT … SELECT` writing the same number of charge
lines (every account × every service, the area as the volume, area × price rounded as
the sum) for another period. The sum is rounded the way every Kabinet sum is, half-up and
exact (`kabinet_line_amount`, kabinet/billing/sql.py): SQLite's own ROUND works on binary
floats and gets half-kopecks wrong. Target: within 3× of it (ratio ≥ 0.33).
Printed beside: the run's peak RSS at N and at N/10 accounts, which should not grow.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone

from bench.harness import Context, Result, benchmark
from kabinet.core.periods import add_months

CITY = "г. Счетоград"
STREETS = ["ул. Первая", "ул. Вторая", "ул. Третья"]
ROOT = Path(__file__).resolve().parent.parent

RUN_IN_A_FRESH_PROCESS = """
import json, resource, sys, time, datetime
import django
django.setup()
from kabinet.billing.run import billing_run
started = time.perf_counter()
run = billing_run(organization_id=int(sys.argv[1]), month=datetime.date.fromisoformat(sys.argv[2]))
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "status": run.status, "lines": run.summary.get("lines"),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BASELINE = """
INSERT INTO billing_charge (created_at, account_id, period_id, service_id, tariff_id, zone,
  price, volume, amount, common_volume, common_amount, recalculation)
SELECT %s, a.id, %s, s.id, NULL, 1, s.sort_order, p.area,
  kabinet_line_amount(s.sort_order, p.area), 0, 0, 0
FROM housing_personalaccount a
JOIN housing_premises p ON p.id = a.premises_id
JOIN billing_service s ON s.organization_id = a.organization_id
WHERE a.organization_id = %s
"""


def _company(name: str, inn: str, count: int, month):
    from kabinet.demo.registry import company_ensure, registry_generate

    company = company_ensure(name=name, inn=inn, city=CITY, last_month=month)
    registry_generate(company=company, count=count, months=[month], city=CITY, streets=STREETS)
    return company.organization


def _run(organization_id: int, month, script: str = RUN_IN_A_FRESH_PROCESS) -> dict:
    """The JSON the script prints, run in a fresh process (bench_penalties runs its own)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(organization_id), month.isoformat()],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


@benchmark("billing_run")
def billing_run_benchmark(context: Context) -> Result:
    from kabinet.billing.models import Charge
    from kabinet.billing.services import period_open
    from kabinet.demo.registry import statistics_refresh

    count = 300 if context.quick else context.scale
    month = add_months(timezone.localdate(), -1)
    big = _company("Расчет: большая", "7700000011", count, month)
    small = _company("Расчет: малая", "7700000012", max(count // 10, 30), month)
    statistics_refresh()

    baseline_period = period_open(organization_id=big.pk, month=add_months(month, 1))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            BASELINE,
            [connection.ops.adapt_datetimefield_value(timezone.now()), baseline_period.pk, big.pk],
        )
    baseline_seconds = time.perf_counter() - started
    baseline_lines = Charge.objects.filter(period=baseline_period).count()

    subject = _run(big.pk, month)
    assert subject["status"] == "done", subject
    small_run = _run(small.pk, month)
    accounts = big.accounts.count()
    assert subject["lines"] >= accounts * 12, subject
    return Result(
        name="billing_run",
        unit="acc/s",
        subject=accounts / subject["seconds"],
        baseline=(baseline_lines / 12) / baseline_seconds,
        baseline_label=(
            f"INSERT … SELECT of {baseline_lines} charge lines ({accounts} accounts × 12 "
            f"services) in {baseline_seconds:.1f} s; the run wrote {subject['lines']} lines in "
            f"{subject['seconds']:.1f} s; peak RSS {subject['peak_rss_mib']:.0f} MiB at "
            f"{accounts} accounts, {small_run['peak_rss_mib']:.0f} MiB at "
            f"{small.accounts.count()}"
        ),
        target=1 / 3,
    )

"""Payment documents for a batch of accounts (docs/benchmarks.md, docs/receipts.md).

Setup: a generated registry (`kabinet.demo.registry`: 12 services, meters, house meters)
of 1 000 accounts, two months charged and closed; another of 10 000 for the memory
comparison (`--quick`: 60 and 600).

Subject, in a fresh process: every account's document of the last month as the mailing
task makes it (`receipt_document(...).pdf()`: the data fetched from the database, the
document issued and stored, the QR code, the PDF), documents per CPU second of the
process (on SQLite the database's work is the process's own; wall time is printed beside,
as it swings with whatever else the machine runs).
Baseline, the same process and pages: the bare Typst render of those documents from
prepared data (the strings and QR codes computed beforehand; distinct pages, since Typst
memoizes an identical input). Target: within 1.5× of it (ratio ≥ 0.67). Printed beside:
the subject's peak RSS at 1 000 and at 10 000 accounts, which should not grow.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.utils import timezone

from bench.harness import Context, Result, benchmark
from kabinet.core.periods import add_months

CITY = "г. Квитанциевск"
STREETS = ["ул. Первая", "ул. Вторая", "ул. Третья"]
ROOT = Path(__file__).resolve().parent.parent

BATCH_IN_A_FRESH_PROCESS = """
import json, resource, sys, time
import django
django.setup()
from kabinet.billing.models import BillingPeriod
from kabinet.housing.models import PersonalAccount
from kabinet.receipts import render
from kabinet.receipts.models import Receipt
from kabinet.receipts.services import receipt_document

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

period = BillingPeriod.objects.get(pk=int(sys.argv[1]))
with_baseline = sys.argv[2] == "1"
accounts = (
    PersonalAccount.objects.filter(organization_id=period.organization_id)
    .select_related("organization", "premises__house").order_by("pk")
)
first = accounts.first()
render.pdf_from_presented(render.present(receipt_document(account=first, period=period).data,
                                         number=None, issued_on=None))  # fonts, template: once
started, cpu = time.perf_counter(), time.process_time()
count = size = 0
for account in accounts.iterator(chunk_size=500):
    size += len(receipt_document(account=account, period=period).pdf())
    count += 1
result = {"count": count, "seconds": time.perf_counter() - started,
          "cpu": time.process_time() - cpu, "bytes": size, "peak_rss_mib": peak_mib()}
if with_baseline:
    prepared = [
        render.present(receipt.data, number=receipt.number, issued_on=receipt.issued_at.date())
        for receipt in Receipt.objects.filter(period=period).order_by("account_id")
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for presented in prepared:
        render.pdf_from_presented(presented)
    result["baseline_seconds"] = time.perf_counter() - started
    result["baseline_cpu"] = time.process_time() - cpu
    result["baseline_count"] = len(prepared)
print(json.dumps(result))
"""


def _company(name: str, inn: str, count: int, months):
    from kabinet.demo.registry import accounts_generate, company_ensure

    company = company_ensure(name=name, inn=inn, city=CITY, last_month=months[-1])
    accounts_generate(
        company=company, count=count, months=months, city=CITY, streets=STREETS, close=True
    )
    return company.organization


def _batch(period_id: int, *, with_baseline: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-c", BATCH_IN_A_FRESH_PROCESS, str(period_id), str(int(with_baseline))],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


@benchmark("receipts")
def receipts_benchmark(context: Context) -> Result:
    from kabinet.billing.models import BillingPeriod

    batch = 60 if context.quick else 1000
    months = [add_months(timezone.localdate(), -n) for n in (2, 1)]
    small = _company("Квитанции: пакет", "7700000161", batch, months)
    large = _company("Квитанции: большой пакет", "7700000162", batch * 10, months)
    period = BillingPeriod.objects.get(organization=small, month=months[-1])
    large_period = BillingPeriod.objects.get(organization=large, month=months[-1])

    subject = _batch(period.pk, with_baseline=True)
    bigger = _batch(large_period.pk, with_baseline=False)
    assert subject["count"] == subject["baseline_count"] == batch, subject
    # Documents per CPU second of the process (the database too, on SQLite): on a
    # machine shared with other work, wall time swings with the neighbours.
    return Result(
        name="receipts",
        unit="doc/s",
        subject=subject["count"] / subject["cpu"],
        baseline=subject["baseline_count"] / subject["baseline_cpu"],
        baseline_label=(
            f"the bare Typst render of the same {subject['baseline_count']} pages from "
            f"prepared data, {subject['baseline_cpu']:.1f} s CPU ({subject['baseline_seconds']:.1f} s "
            f"wall); the batch (data, issue, QR, PDF) {subject['cpu']:.1f} s CPU "
            f"({subject['seconds']:.1f} s wall), {subject['bytes'] / batch / 1024:.0f} KiB a "
            f"document; peak RSS {subject['peak_rss_mib']:.0f} MiB at {batch} accounts, "
            f"{bigger['peak_rss_mib']:.0f} MiB at {bigger['count']} "
            f"({bigger['count'] / bigger['cpu']:.1f} doc/s CPU)"
        ),
        target=1 / 1.5,
    )

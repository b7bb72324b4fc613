"""Penalties for N accounts with 24 months of history, against the billing run's own time
on the same data (docs/benchmarks.md, docs/penalties.md).

Setup: a generated registry (`registry_generate`: 12 services by every method, meters)
of N accounts; 24 months of history before the month computed, written set-based: every
account × every service each month (`INSERT … SELECT`), and each month's bill paid on the
20th of the next month, in full by most accounts, half by one in ten, never by one in
twenty, so that debts pile up over two years and every case of the calculation comes up
(paid parts, unpaid rests, day 91 and later, several debts per account).

Subject: the penalty step of the run alone (`run.penalties.penalties_write` over every
chunk, in transactions rolled back), accounts per second.
Baseline, same run and database: the billing run of the month in a fresh process (which
computes the penalties too, with the charges, readings and recalculations), accounts per
second. The ratio is how many times the penalty step fits in the run's time: target ≥ 2
(penalties take at most half of the run).
"""

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from bench.bench_billing_run import _run
from bench.harness import Context, Result, benchmark
from kabinet.core.periods import add_months

CITY = "г. Пенеград"
STREETS = ["ул. Долговая", "ул. Платежная"]
HISTORY = 24

RUN_IN_A_FRESH_PROCESS = """
import json, sys, time, datetime
import django
django.setup()
from kabinet.billing.run import billing_run
started = time.perf_counter()
run = billing_run(organization_id=int(sys.argv[1]), month=datetime.date.fromisoformat(sys.argv[2]))
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "status": run.status,
                  "penalties": run.summary.get("penalties")}))
"""

CHARGES = """
INSERT INTO billing_charge (created_at, account_id, period_id, service_id, tariff_id, zone,
  price, volume, amount, common_volume, common_amount, recalculation)
SELECT %(now)s, a.id, %(period)s, s.id, NULL, 1, s.sort_order, p.area,
  kabinet_line_amount(s.sort_order, p.area), 0, 0, 0
FROM housing_personalaccount a
JOIN housing_premises p ON p.id = a.premises_id
JOIN billing_service s ON s.organization_id = a.organization_id
WHERE a.organization_id = %(organization)s
"""

ACCOUNTS = "SELECT id FROM housing_personalaccount WHERE organization_id = %(organization)s"

# Most pay the bill in full on the 20th of the next month (within the free 30 days), one
# in ten pays half, one in twenty never pays.
PAYMENTS = """
INSERT INTO billing_payment (created_at, account_id, paid_on, amount, source, external_id, note)
SELECT %(now)s, ch.account_id, %(paid_on)s,
  CASE WHEN ch.account_id %% 10 = 3 THEN kabinet_line_amount(SUM(ch.total), 0.5)
       ELSE SUM(ch.total) END,
  'bank', '', ''
FROM billing_charge ch
WHERE ch.period_id = %(period)s AND ch.account_id %% 20 <> 7
GROUP BY ch.account_id
"""


def history_write(organization_id: int, months: list[datetime.date]) -> None:
    """Every account × every service charged in each of `months`, set-based, with their
    period totals, and each month's bill paid on the 20th of the next (also used by
    `bench_ledger_pages`)."""
    from kabinet.billing.services import period_open
    from kabinet.billing.totals import period_totals_write

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for past in months:
            period = period_open(organization_id=organization_id, month=past)
            params = {"now": now, "period": period.pk, "organization": organization_id}
            cursor.execute(CHARGES, params)
            period_totals_write(period_id=period.pk, accounts=ACCOUNTS, params=params)
            paid_on = add_months(past, 1).replace(day=20)
            cursor.execute(
                PAYMENTS,
                {**params, "paid_on": connection.ops.adapt_datefield_value(paid_on)},
            )


def _penalties_alone(organization_id: int, month) -> tuple[float, int, int]:
    """(seconds, penalties, lines) of the penalty step over every chunk, rolled back."""
    from django.conf import settings

    from kabinet.billing.models import PenaltyLine
    from kabinet.billing.penalties import DueDates, rates_current
    from kabinet.billing.run.penalties import penalties_write
    from kabinet.billing.run.plan import chunks_plan
    from kabinet.billing.run.sql import Chunk
    from kabinet.billing.services import period_open

    period = period_open(organization_id=organization_id, month=month)
    plan = chunks_plan(
        organization_id=organization_id, month=month,
        chunk_accounts=settings.BILLING_RUN_CHUNK_ACCOUNTS,
    )  # fmt: skip
    penalties = lines = 0
    started = time.perf_counter()
    for houses, _accounts in plan:
        with transaction.atomic():
            context = Chunk(run_id=0, period_id=period.pk, organization_id=organization_id,
                            month=month, houses=tuple(houses))  # fmt: skip
            before = (period.penalties.count(), PenaltyLine.objects.count())
            penalties_write(context, rates=rates_current(), due_dates=DueDates(organization_id))
            penalties += period.penalties.count() - before[0]
            lines += PenaltyLine.objects.count() - before[1]
            transaction.set_rollback(True)
    return time.perf_counter() - started, penalties, lines


@benchmark("penalties")
def penalties_benchmark(context: Context) -> Result:
    from kabinet.demo.registry import company_ensure, registry_generate, statistics_refresh

    count = 300 if context.quick else context.scale
    month = add_months(timezone.localdate(), -1)
    company = company_ensure(name="Пени: история", inn="7700000021", city=CITY, last_month=month)
    registry_generate(company=company, count=count, months=[month], city=CITY, streets=STREETS)
    organization = company.organization
    history_write(organization.pk, [add_months(month, -back) for back in range(HISTORY, 0, -1)])
    statistics_refresh()

    # The run first: it reads the history cold, as a run does; then the step alone.
    run = _run(organization.pk, month, RUN_IN_A_FRESH_PROCESS)
    assert run["status"] == "done", run
    seconds, penalties, lines = _penalties_alone(organization.pk, month)
    accounts = organization.accounts.count()
    return Result(
        name="penalties",
        unit="acc/s",
        subject=accounts / seconds,
        baseline=accounts / run["seconds"],
        baseline_label=(
            f"the billing run of {accounts} accounts with {HISTORY} months of history in "
            f"{run['seconds']:.1f} s (its penalties {run['penalties']} ₽); the penalty step "
            f"alone {seconds:.1f} s: {penalties} penalties, {lines} breakdown lines"
        ),
        target=2.0,
    )

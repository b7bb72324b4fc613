"""The billing run under concurrency and failure, on real PostgreSQL (skipped on SQLite):
two runs of one period at once, and a worker killed in the middle of a chunk."""

import datetime
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db import connection

from kabinet.billing.models import BillingRun, RunChunk, Service
from kabinet.billing.run import billing_run
from kabinet.billing.services import tariff_add, tariff_close
from tests.concurrency import race
from tests.factories import OrganizationFactory

from .helpers import NOV, busy_organization, snapshot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
    ),
]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def busy_org(settings):
    settings.BILLING_RUN_CHUNK_ACCOUNTS = 5
    return busy_organization(OrganizationFactory())


def test_two_runs_of_one_period_at_once_leave_exactly_one_set_of_lines(busy_org):
    race(2, lambda _i: billing_run(organization_id=busy_org.pk, month=NOV))
    assert list(BillingRun.objects.values_list("status", flat=True)) == ["done", "done"]
    both = snapshot(busy_org)
    assert len(both) == 36  # 12 accounts × 3 services, once
    billing_run(organization_id=busy_org.pk, month=NOV)
    assert snapshot(busy_org) == both  # what a fresh run gives


KILLED_WORKER = """
import os, sys, time
import django
django.setup()
from kabinet.billing.run import service

original = service.recalculations_write

def pause_before_commit(*args, **kwargs):
    original(*args, **kwargs)
    open(sys.argv[2], "w").close()  # the chunk's lines are written, not committed
    time.sleep(120)

service.recalculations_write = pause_before_commit
service.billing_run_chunk(chunk_id=int(sys.argv[1]))
"""


def test_a_worker_killed_inside_a_chunk_leaves_it_untouched_and_a_rerun_completes(
    busy_org, tmp_path, settings
):
    billing_run(organization_id=busy_org.pk, month=NOV)
    before = snapshot(busy_org)
    upkeep = Service.objects.get(organization=busy_org, name="Содержание")
    tariff_close(tariff=upkeep.tariffs.get(), valid_to=datetime.date(2026, 10, 31))
    tariff_add(service=upkeep, price=D("24.00"), valid_from=NOV)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    run = billing_run(organization_id=busy_org.pk, month=NOV, background=True)
    chunk = run.chunks.order_by("number").first()

    marker = tmp_path / "inside-the-transaction"
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "PYTHONPATH": str(ROOT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, str(chunk.pk), str(marker)], cwd=ROOT, env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert worker.poll() is None, "the worker ended before the pause"
            assert time.monotonic() < deadline, "the worker never reached the pause"
            time.sleep(0.1)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()

    assert snapshot(busy_org) == before  # the killed chunk left its lines as they were
    chunk.refresh_from_db()
    assert chunk.status == RunChunk.Status.RUNNING  # abandoned: the worker died

    again = billing_run(organization_id=busy_org.pk, month=NOV)
    assert again.status == BillingRun.Status.DONE
    after = snapshot(busy_org)
    assert len(after) == len(before) and after != before
    assert {row[3] for row in after if row[1] == upkeep.pk} == {D("24")}

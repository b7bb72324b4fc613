"""Receipts under concurrency, on real PostgreSQL (skipped on SQLite, run by CI): one
number per document, one mail per address however many workers run."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from kabinet.billing.models import BillingPeriod
from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from kabinet.receipts import services
from kabinet.receipts.models import Delivery, Receipt
from kabinet.receipts.tasks import delivery_send_task
from tests.concurrency import race
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
    ),
]
ROOT = Path(__file__).resolve().parents[3]
OCT_2014 = datetime.date(2014, 10, 1)


@pytest.fixture
def october():
    kamal = reference_load()
    return kamal, BillingPeriod.objects.get(organization=kamal.organization, month=OCT_2014)


def test_one_document_gets_one_number_however_many_print_it_at_once(october):
    kamal, period = october
    results = race(6, lambda _i: services.receipt_issue(account=kamal, period=period).number)
    assert results == [1] * 6
    assert Receipt.objects.count() == 1


def test_one_delivery_is_mailed_once_by_racing_workers(october, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    kamal, period = october
    AccountLink.objects.create(user=UserFactory(), account=kamal, receipts_by_email=True)
    services.mailing_publish(period=period)
    delivery = Delivery.objects.get()
    sent = race(6, lambda _i: services.delivery_send(delivery_id=delivery.pk))
    assert sum(result is not None for result in sent) == 1
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_publishing_twice_at_once_makes_one_delivery_per_address(october, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    kamal, period = october
    for _ in range(3):
        AccountLink.objects.create(user=UserFactory(), account=kamal, receipts_by_email=True)
    mailings = race(4, lambda _i: services.mailing_publish(period=period))
    assert sum(m.added for m in mailings) == 3
    assert Delivery.objects.count() == 3


def test_two_db_workers_send_each_mail_exactly_once(october, tmp_path, settings):
    """Real workers (`manage.py db_worker`, two processes) on tasks queued twice over."""
    kamal, period = october
    users = [UserFactory() for _ in range(5)]
    for user in users:
        AccountLink.objects.create(user=user, account=kamal, receipts_by_email=True)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.mailing_publish(period=period)  # queues one task per delivery
    for delivery in Delivery.objects.all():  # … and a duplicate of each
        delivery_send_task.enqueue(delivery.pk)
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "KABINET_VAR_DIR": str(tmp_path),
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}  # fmt: skip
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--worker-id",
                f"test-{n}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for n in range(2)
    ]
    for worker in workers:
        output, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0, output.decode()
    mails = sorted((tmp_path / "mail").glob("*.eml"))
    recipients = sorted(
        line.split(":", 1)[1].strip()
        for path in mails
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.startswith("To:")
    )
    assert recipients == sorted(user.email for user in users)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}

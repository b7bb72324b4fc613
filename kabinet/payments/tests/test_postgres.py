"""Exactly once on real PostgreSQL (skipped on SQLite, run by CI): duplicates at once,
and a process killed inside the crediting transaction."""

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from kabinet.billing.models import Payment
from kabinet.billing.selectors import account_balance
from kabinet.payments.models import Notification, OnlinePayment
from tests.concurrency import race

from .helpers import notification, online_payment, pay_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
    ),
]
ROOT = Path(__file__).resolve().parents[3]
COPIES = 50


def test_fifty_copies_of_a_notification_at_once_credit_exactly_once(account, moneta):
    payment = online_payment(account, amount="1500.50")
    params = notification(payment)

    def deliver(_index):
        response = Client().post(pay_url(), params)
        return response.status_code, response.content

    answers = race(COPIES, deliver)
    assert answers == [(200, b"SUCCESS")] * COPIES  # every copy acknowledged
    assert Payment.objects.filter(source="online").count() == 1
    assert account_balance(account_id=account.pk) == D("-1500.50")
    outcomes = list(Notification.objects.values_list("outcome", flat=True))
    assert outcomes.count(Notification.Outcome.CREDITED) == 1
    assert outcomes.count(Notification.Outcome.REPEAT) == COPIES - 1
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID


# The child: Django on the test database, the notification taken in, and a pause inside
# the crediting transaction (after the ledger row and the new state, before the commit).
CHILD = """
import json, sys, time
import django
django.setup()
from kabinet.payments import services
from kabinet.payments.gateways import gateway_get

def pause():
    print("inside", flush=True)
    time.sleep(120)

services.credit_hook = pause
services.notification_receive(
    gateway=gateway_get("moneta"), kind="pay", params=json.loads(sys.argv[1])
)
print("committed", flush=True)
"""


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_process_killed_inside_the_crediting_transaction_leaves_nothing_and_the_retry_credits_once(
    account, moneta
):
    payment = online_payment(account, amount="700.00")
    params = notification(payment)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(params)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "inside"
        # Inside: the ledger row is written but not committed, so not seen from here.
        assert not Payment.objects.filter(source="online").exists()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    # Nothing half-written: no ledger row, the payment still waiting, no log row.
    assert not Payment.objects.filter(source="online").exists()
    payment.refresh_from_db()
    assert (payment.status, payment.operation_id, payment.notified_at) == ("created", "", None)
    assert not Notification.objects.exists()

    # The gateway retries: credited once, and once only.
    for _ in range(2):
        assert Client().post(pay_url(), params).content == b"SUCCESS"
    assert Payment.objects.filter(source="online").count() == 1
    assert account_balance(account_id=account.pk) == D("-700.00")
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.PAID
    assert list(Notification.objects.order_by("id").values_list("outcome", flat=True)) == [
        Notification.Outcome.CREDITED,
        Notification.Outcome.REPEAT,
    ]

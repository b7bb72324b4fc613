"""Helpers for the online payment tests: gateway settings, signed notifications, the task
queue run in the test's own thread."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from kabinet.payments.gateways.moneta import amount_text
from kabinet.payments.models import GatewayKind, GatewaySettings, OnlinePayment
from kabinet.payments.sandbox import signing
from kabinet.payments.services import gateway_settings_save

CODE = "QWERTY"  # the protocol's published example code
MNT_ID = "54600817"


def gateway(organization, *, kind=GatewayKind.MONETA, code=CODE, **fields) -> GatewaySettings:
    config = GatewaySettings(
        organization=organization, kind=kind, account_id=fields.pop("account_id", MNT_ID), **fields
    )
    return gateway_settings_save(config=config, new_code=code)


def online_payment(account, *, amount="1500.50", **fields) -> OnlinePayment:
    config = GatewaySettings.objects.get(organization_id=account.organization_id)
    defaults = {
        "gateway": config.kind,
        "merchant_id": config.account_id,
        "test_mode": config.test_mode,
    }
    return OnlinePayment.objects.create(
        account=account, amount=Decimal(amount), **{**defaults, **fields}
    )


def notification(payment: OnlinePayment, *, code=CODE, sign=True, **overrides) -> dict:
    """A Pay URL notification of the payment, signed as Moneta signs (by the sandbox's own
    signing code, not the gateway's under test). Overrides are applied before signing;
    a value None removes the field."""
    fields = {
        "MNT_ID": payment.merchant_id,
        "MNT_TRANSACTION_ID": payment.transaction_id,
        "MNT_OPERATION_ID": "123456",
        "MNT_AMOUNT": amount_text(payment.amount),
        "MNT_CURRENCY_CODE": "RUB",
        "MNT_SUBSCRIBER_ID": "",
        "MNT_TEST_MODE": "1" if payment.test_mode else "0",
    }
    fields.update(overrides)
    fields = {name: value for name, value in fields.items() if value is not None}
    if sign:
        fields["MNT_SIGNATURE"] = signing.sign("notification", fields, code)
    return fields


def check_request(payment: OnlinePayment, *, code=CODE, **overrides) -> dict:
    fields = {"MNT_COMMAND": "CHECK", "MNT_OPERATION_ID": "", **overrides}
    return notification(payment, code=code, **fields)


def pay_url(kind=GatewayKind.MONETA) -> str:
    return reverse(f"payments:{kind}_pay")


def check_url(kind=GatewayKind.MONETA) -> str:
    return reverse(f"payments:{kind}_check")


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def run_tasks() -> int:
    """Run the tasks that are due, one by one in this thread, as `manage.py db_worker`
    runs each (its own `run_task`), without its polling loop. Returns how many ran."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    ran = 0
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)
        ran += 1
    return ran

"""What staff do: set up the gateway (the code never shown back), reconcile payments the
gateway never announced, read the log; `manage.py payments_reconcile`."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.billing.models import Payment
from kabinet.demo.staff import staff_users_load
from kabinet.payments import crypto
from kabinet.payments.models import GatewaySettings, Notification, OnlinePayment

from .helpers import notification, online_payment, pay_url

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def operator(client):
    staff_users_load()
    client.force_login(User.objects.get(username="operator"))
    return client


def settings_form(organization, **overrides) -> dict:
    form = {
        "organization": organization.pk,
        "enabled": "on",
        "kind": "moneta",
        "account_id": "54600817",
        "integrity_code": "",
        "page_url": "",
        "site_url": "",
        "max_amount": "100000,00",
        "receipt_item_name": "Оплата жилищно-коммунальных услуг",
        "receipt_vat_tag": "1105",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


# --- gateway settings -------------------------------------------------------------------------


def test_staff_set_up_moneta_and_the_code_is_stored_encrypted(operator, account):
    add = reverse("admin:payments_gatewaysettings_add")
    response = operator.post(
        add, settings_form(account.organization, integrity_code="S3cret-Code")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    config = GatewaySettings.objects.get()
    assert "S3cret-Code" not in config.integrity_code_encrypted
    assert config.integrity_code() == "S3cret-Code"
    page = operator.get(reverse("admin:payments_gatewaysettings_change", args=[config.pk]))
    html = page.content.decode()
    assert "S3cret-Code" not in html and "задан: ••••••de" in html
    assert "http://127.0.0.1:8000/payments/moneta/pay/" in html  # for Moneta's settings
    assert "http://127.0.0.1:8000/payments/moneta/check/" in html


def test_an_empty_code_keeps_the_stored_one_and_clearing_removes_it(operator, account, moneta):
    change = reverse("admin:payments_gatewaysettings_change", args=[moneta.pk])
    form = settings_form(account.organization, max_amount="5000,00")
    assert operator.post(change, form).status_code == 302
    moneta.refresh_from_db()
    assert moneta.integrity_code() == "QWERTY" and moneta.max_amount == D("5000.00")
    response = operator.post(change, {**form, "clear_code": "on"})
    assert "Укажите код проверки целостности" in response.content.decode()  # still enabled
    disabled = {k: v for k, v in form.items() if k != "enabled"}
    assert operator.post(change, {**disabled, "clear_code": "on"}).status_code == 302
    moneta.refresh_from_db()
    assert moneta.integrity_code() is None


def test_a_code_from_the_environment_is_named_not_shown(operator, account, moneta, settings):
    settings.PAYMENTS_INTEGRITY_CODES = {"54600817": "ENV-CODE-123"}
    page = operator.get(reverse("admin:payments_gatewaysettings_change", args=[moneta.pk]))
    html = page.content.decode()
    assert "переменной окружения MONETA_INTEGRITY_CODE_54600817" in html
    assert "ENV-CODE-123" not in html
    assert moneta.integrity_code() == "ENV-CODE-123"


def test_the_sandbox_cannot_be_chosen_in_production(operator, account, settings):
    settings.PAYMENTS_SANDBOX = False
    form = settings_form(account.organization, kind="sandbox", integrity_code="x")
    response = operator.post(reverse("admin:payments_gatewaysettings_add"), form)
    assert "Песочница недоступна в рабочем режиме" in response.content.decode()
    assert not GatewaySettings.objects.exists()


def test_a_key_change_makes_the_stored_code_unreadable_not_wrong(moneta, settings):
    settings.PAYMENTS_ENCRYPTION_KEYS = ["0" * 43 + "="]
    assert moneta.integrity_code() is None  # enter it again; never a garbled code


def test_keys_rotate(settings):
    old, new = crypto._derived_key("old"), crypto._derived_key("new")
    settings.PAYMENTS_ENCRYPTION_KEYS = [old]
    token = crypto.code_encrypt("QWERTY")
    settings.PAYMENTS_ENCRYPTION_KEYS = [new, old]
    assert crypto.code_decrypt(token) == "QWERTY"
    assert crypto.code_masked("QWERTY12") == "••••••12" and crypto.code_masked("short") == "••••••"


def test_every_change_of_settings_is_logged_without_the_code(operator, account, caplog):
    form = settings_form(account.organization, integrity_code="Log-Me-Not")
    operator.post(reverse("admin:payments_gatewaysettings_add"), form)
    logged = [r.getMessage() for r in caplog.records if r.name == "kabinet.security"]
    assert any(
        "event=payments_settings_saved" in line and "code_changed=1" in line for line in logged
    )
    assert not any("Log-Me-Not" in line for line in logged)


# --- reconciliation -------------------------------------------------------------------------


@pytest.fixture
def stale(account, moneta):
    """A payment started 28 hours ago, never announced."""
    with time_machine.travel(NOW - datetime.timedelta(hours=28), tick=False):
        return online_payment(account, amount="700.00")


def test_payments_without_a_notification_after_27_hours_are_listed(account, moneta, stale, capsys):
    with time_machine.travel(NOW, tick=False):
        fresh = online_payment(account, amount="10.00")
        with pytest.raises(SystemExit) as exit_:
            call_command("payments_reconcile")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "без уведомления больше 27 часов: 1" in out
    assert stale.transaction_id in out and "700,00" in out
    assert fresh.transaction_id not in out


def test_nothing_to_check_exits_zero(account, moneta, capsys):
    call_command("payments_reconcile")
    assert "нет" in capsys.readouterr().out


def test_refused_genuine_notifications_are_listed_too(account, moneta, capsys):
    payment = online_payment(account)
    Client().post(pay_url(), notification(payment, MNT_AMOUNT="1.00"))
    with pytest.raises(SystemExit):
        call_command("payments_reconcile")
    out = capsys.readouterr().out
    assert "требующие внимания" in out and "сумма не совпадает" in out


def test_the_admin_filters_and_closes_them(operator, stale):
    with time_machine.travel(NOW, tick=False):
        listing = operator.get(
            reverse("admin:payments_onlinepayment_changelist"), {"reconcile": "due"}
        )
        assert list(listing.context["cl"].result_list) == [stale]
        operator.post(
            reverse("admin:payments_onlinepayment_changelist"),
            {"action": "close_unpaid", "_selected_action": [stale.pk]},
        )
    stale.refresh_from_db()
    assert (
        stale.status == OnlinePayment.Status.FAILED and stale.reconciled_by.username == "operator"
    )


def test_staff_credit_a_payment_from_the_statement_and_the_late_notification_adds_nothing(
    operator, stale
):
    url = reverse("admin:payments_onlinepayment_credit", args=[stale.pk])
    assert "Я сверил" in operator.get(url).content.decode()
    refused = operator.post(url, {"operation_id": "12 34", "confirm": "on"})
    assert "Номер операции" in refused.content.decode() and not Payment.objects.exists()
    assert operator.post(url, {"operation_id": "123456"}).status_code == 200  # not confirmed
    assert not Payment.objects.exists()
    assert operator.post(url, {"operation_id": "123456", "confirm": "on"}).status_code == 302
    stale.refresh_from_db()
    assert stale.status == OnlinePayment.Status.PAID and stale.reconciled_at is not None
    [row] = Payment.objects.all()
    assert (row.amount, row.external_id) == (D("700.00"), "moneta:123456")
    # Moneta's notification turns up after all: nothing twice.
    assert Client().post(pay_url(), notification(stale, MNT_OPERATION_ID="123456")).content == (
        b"SUCCESS"
    )
    assert Payment.objects.count() == 1
    assert Notification.objects.get().outcome == Notification.Outcome.REPEAT


def test_crediting_needs_its_own_permission(client, stale):
    clerk = User.objects.create_user(username="clerk", password="x" * 12, is_staff=True)
    client.force_login(clerk)
    url = reverse("admin:payments_onlinepayment_credit", args=[stale.pk])
    assert client.post(url, {"operation_id": "1", "confirm": "on"}).status_code == 403
    assert not Payment.objects.exists()


def test_the_log_and_the_payments_cannot_be_edited(operator, account, moneta):
    payment = online_payment(account)
    Client().post(pay_url(), notification(payment))
    log = Notification.objects.get()
    change = reverse("admin:payments_notification_change", args=[log.pk])
    assert operator.post(change, {"outcome": "unknown"}).status_code == 403
    assert operator.get(reverse("admin:payments_onlinepayment_add")).status_code == 403
    delete = reverse("admin:payments_onlinepayment_delete", args=[payment.pk])
    assert operator.post(delete, {"post": "yes"}).status_code == 403
    with pytest.raises(TypeError):
        log.save()
    page = operator.get(reverse("admin:payments_onlinepayment_change", args=[payment.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_an_operation_number_already_credited_elsewhere_is_refused(operator, account, stale):
    paid = online_payment(account, amount="700.00")
    Client().post(pay_url(), notification(paid, MNT_OPERATION_ID="555"))
    url = reverse("admin:payments_onlinepayment_credit", args=[stale.pk])
    response = operator.post(url, {"operation_id": "555", "confirm": "on"})
    assert "уже зачислена по другому платежу" in response.content.decode()
    stale.refresh_from_db()
    assert stale.status == OnlinePayment.Status.CREATED and stale.reconciled_at is None
    assert Payment.objects.count() == 1

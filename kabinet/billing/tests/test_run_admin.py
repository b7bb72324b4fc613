"""The billing run in the back office: run and close from the periods' list, watch the
progress, read the report, enter a recalculation, see who changed a tariff."""

import datetime
import html
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.billing.models import BillingPeriod, BillingRun, Recalculation, Service, Tariff
from kabinet.billing.run import billing_run
from kabinet.demo.staff import staff_users_load
from tests.factories import OrganizationFactory

from .helpers import NOV, busy_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    staff_users_load()
    client.force_login(User.objects.get(username="operator"))
    return client


@pytest.fixture
def busy_org(settings):
    settings.BILLING_RUN_CHUNK_ACCOUNTS = 5
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    return busy_organization(OrganizationFactory())


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def period_action(client, action: str, *periods: BillingPeriod):
    return client.post(
        reverse("admin:billing_billingperiod_changelist"),
        {"action": action, "_selected_action": [p.pk for p in periods]},
        follow=True,
    )


def test_staff_run_a_period_and_follow_its_progress_and_report(operator, busy_org):
    period = BillingPeriod.objects.create(organization=busy_org, month=NOV)
    page = text(period_action(operator, "run", period))
    assert "расчет передан обработчикам, 12 лицевых счетов" in page
    run = BillingRun.objects.get()
    assert run.status == BillingRun.Status.DONE and run.started_by.username == "operator"
    assert "готово 12, осталось 0, с замечаниями 0" in page  # the periods' list
    report = text(operator.get(reverse("admin:billing_billingrun_change", args=[run.pk])))
    assert "строк начислений: 36" in report and "Не начислено: 0" in report
    assert "пени 0,00 ₽" in report  # nobody owes anything yet


def test_staff_close_a_period_and_it_is_refused_when_it_cannot_be(operator, busy_org):
    october = BillingPeriod.objects.create(organization=busy_org, month=datetime.date(2026, 10, 1))
    november = BillingPeriod.objects.create(organization=busy_org, month=NOV)
    billing_run(organization_id=busy_org.pk, month=NOV)
    page = text(period_action(operator, "close", november))
    assert "Сначала закройте период октябрь 2026" in page
    billing_run(organization_id=busy_org.pk, month=october.month)
    page = text(period_action(operator, "close", october, november))
    assert "Период октябрь 2026 закрыт" in page and "Период ноябрь 2026 закрыт" in page
    november.refresh_from_db()
    assert november.is_closed and november.closed_by.username == "operator"
    page = text(period_action(operator, "run", november))
    assert "Период ноябрь 2026 закрыт: его начисления не меняются." in page


def test_staff_enter_a_recalculation_with_its_grounds(operator, busy_org):
    account = busy_org.accounts.first()
    upkeep = Service.objects.get(organization=busy_org, name="Содержание")
    url = reverse("admin:billing_recalculation_add")
    form = {"account": account.pk, "service": upkeep.pk, "concerns_month": "15.10.2026"}
    refused = operator.post(url, {**form, "reason": "", "amount": "", "volume": ""})
    assert refused.status_code == 200
    assert "Укажите основание перерасчета." in refused.content.decode()
    operator.post(url, {**form, "reason": "Площадь уточнена", "amount": "", "volume": "-2,5"})
    recalculation = Recalculation.objects.get()
    assert recalculation.amount == D("-56.83")  # −2,5 × 22,73 = −56,825
    assert recalculation.concerns_month == datetime.date(2026, 10, 1)
    assert recalculation.created_by.username == "operator"


def test_who_changed_a_tariff_is_in_its_history_with_before_and_after(operator, busy_org):
    tariff = Tariff.objects.get(service__organization=busy_org, service__name="Содержание")
    change = reverse("admin:billing_tariff_change", args=[tariff.pk])
    operator.post(change, {"valid_to": "31.12.2026"})
    history = text(operator.get(reverse("admin:billing_tariff_history", args=[tariff.pk])))
    assert "operator" in history
    assert "Действует по: None → 2026-12-31" in history


def test_the_operator_cannot_edit_or_delete_a_run_or_a_recalculation(operator, busy_org):
    run = billing_run(organization_id=busy_org.pk, month=NOV)
    response = operator.post(
        reverse("admin:billing_billingrun_delete", args=[run.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert BillingRun.objects.filter(pk=run.pk).exists()

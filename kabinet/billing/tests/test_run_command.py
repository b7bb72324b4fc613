"""`manage.py billing_run`: the run from the command line, its report and refusals."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kabinet.billing.models import BillingPeriod, BillingRun, Charge, Service
from kabinet.billing.run import period_close
from tests.factories import OrganizationFactory

from .helpers import NOV, busy_organization, service

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_org(settings):
    settings.BILLING_RUN_CHUNK_ACCOUNTS = 5
    return busy_organization(OrganizationFactory(inn="1650000001"))


def billing_run(*args) -> str:
    out = StringIO()
    call_command("billing_run", *args, stdout=out)
    return out.getvalue()


def test_it_computes_the_period_and_reports_what_it_could_not_charge(busy_org):
    service(busy_org, "Антенна", Service.Method.FIXED, None)  # no tariff
    out = billing_run("--organization", "1650000001", "--period", "2026-11")
    run = BillingRun.objects.get()
    assert run.status == BillingRun.Status.DONE and not run.dry_run
    assert Charge.objects.filter(period__month=NOV).count() == 36
    assert f"Расчет № {run.pk}" in out and "ноябрь 2026" in out
    assert "Лицевых счетов: 12, строк начислений: 36" in out
    assert "Не начислено (12), остальное начислено:" in out
    assert "Антенна: нет действующего тарифа (на 01.11.2026)" in out


def test_a_dry_run_writes_nothing_and_says_what_would_change(busy_org):
    out = billing_run("--organization", "1650000001", "--period", "2026-11", "--dry-run")
    assert not Charge.objects.exists()
    assert "Пробный расчет" in out and "ничего не записано" in out
    assert "добавлено строк 36, удалено 0, изменено 0" in out


def test_in_the_background_it_hands_the_chunks_to_the_workers(busy_org, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    out = billing_run("--organization", "1650000001", "--period", "2026-11", "--background")
    assert "передан фоновым обработчикам: 3 частей, 12 лицевых счетов" in out
    assert not Charge.objects.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--organization", "0000000000", "--period", "2026-11"], "не найдена"),
        (["--organization", "1650000001", "--period", "11.2026"], "ГГГГ-ММ"),
        (["--organization", "1650000001", "--period", "2026-13"], "ГГГГ-ММ"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(busy_org, arguments, message):
    with pytest.raises(CommandError, match=message):
        billing_run(*arguments)
    assert not BillingRun.objects.exists()


def test_a_closed_period_is_refused(busy_org):
    billing_run("--organization", "1650000001", "--period", "2026-10")
    period_close(period=BillingPeriod.objects.get(month=datetime.date(2026, 10, 1)))
    with pytest.raises(CommandError, match="закрыт"):
        billing_run("--organization", "1650000001", "--period", "2026-10")

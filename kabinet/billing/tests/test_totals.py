"""Period totals (`PeriodTotal`): one row per account and period, equal to the sums of its
lines and its penalty, written with them by `charge_add`, `penalty_add` and the billing
run, replaced by a rerun, frozen with the period (docs/billing.md "Period totals")."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Sum

from kabinet.billing.models import Charge, Penalty, PeriodTotal, Service, Tariff
from kabinet.billing.run import billing_run, period_close
from kabinet.billing.selectors import account_balance, account_charge_history
from kabinet.billing.services import charge_add, penalty_add, period_open, recalculation_add
from kabinet.cabinet.selectors import accounts_for_user
from kabinet.housing.models import AccountLink, PersonalAccount
from tests.factories import OrganizationFactory, UserFactory

from .helpers import NOV, OCT, busy_organization, penalised_account

pytestmark = pytest.mark.django_db


def sums_of_lines(accounts) -> dict:
    """{(account, month): (lines, amount, common, recalculation, total, penalty)} summed
    from the lines and penalties themselves."""
    result = {}
    charges = (
        Charge.objects.filter(account__in=accounts)
        .values_list("account_id", "period__month")
        .annotate(
            Count("id"), Sum("amount"), Sum("common_amount"), Sum("recalculation"), Sum("total")
        )
        .order_by()
    )
    for account_id, month, *figures in charges:
        result[account_id, month] = [figures[0], *(D(f).quantize(D("0.01")) for f in figures[1:])]
        result[account_id, month].append(D("0.00"))
    penalties = (
        Penalty.objects.filter(account__in=accounts)
        .values_list("account_id", "period__month")
        .annotate(Sum("amount"))
        .order_by()
    )
    for account_id, month, amount in penalties:
        row = result.setdefault((account_id, month), [0, *(D("0.00"),) * 4, D("0.00")])
        row[5] = D(amount).quantize(D("0.01"))
    return {key: tuple(value) for key, value in result.items()}


def stored_totals(accounts) -> dict:
    return {
        (t.account_id, t.month): (
            t.lines, t.amount, t.common_amount, t.recalculation, t.total, t.penalty
        )
        for t in PeriodTotal.objects.filter(account__in=accounts)
    }  # fmt: skip


def test_charge_add_and_penalty_add_write_the_totals_of_their_period():
    org, account = penalised_account()  # June: upkeep and capital repair; September; October
    june = (2, D("1200.00"), D("0.00"), D("0.00"), D("1200.00"), D("0.00"))
    assert stored_totals([account])[account.pk, datetime.date(2026, 6, 1)] == june
    penalty_add(account=account, period=period_open(organization_id=org.pk, month=OCT),
                amount=D("12.345"), note="Проверка")  # fmt: skip
    assert stored_totals([account])[account.pk, OCT][5] == D("12.35")
    upkeep = Service.objects.get(organization=org, name="Содержание")
    charge_add(account=account, period=period_open(organization_id=org.pk, month=OCT),
               service=upkeep, tariff=Tariff.objects.get(service=upkeep), volume=D(2))  # fmt: skip
    assert stored_totals([account])[account.pk, OCT][:2] == (1, D("1000.00"))  # booked once
    assert stored_totals([account]) == sums_of_lines([account])
    assert PeriodTotal.objects.filter(account=account).count() == 3


def test_a_period_with_a_penalty_and_no_line_has_a_total_of_the_penalty_alone():
    org, account = penalised_account()
    november = period_open(organization_id=org.pk, month=NOV)
    penalty_add(account=account, period=november, amount=D("7.505"), note="Проверка")
    zero = D("0.00")
    assert stored_totals([account])[account.pk, NOV] == (0, zero, zero, zero, zero, D("7.51"))
    assert stored_totals([account]) == sums_of_lines([account])


def test_the_run_writes_the_totals_of_its_lines_and_a_rerun_replaces_them(settings):
    settings.BILLING_RUN_CHUNK_ACCOUNTS = 5
    org = busy_organization(OrganizationFactory())
    accounts = PersonalAccount.objects.filter(organization=org)
    billing_run(organization_id=org.pk, month=NOV)
    first = stored_totals(accounts)
    assert len(first) == 12 and first == sums_of_lines(accounts)
    account = accounts.order_by("pk").first()
    recalculation_add(account=account, service=Service.objects.get(name="Содержание"),
                      concerns_month=OCT, reason="Акт о протечке", amount=D("-100.00"))  # fmt: skip
    billing_run(organization_id=org.pk, month=NOV)
    second = stored_totals(accounts)
    assert second == sums_of_lines(accounts)
    assert second[account.pk, NOV][3:5] == (D("-100.00"), first[account.pk, NOV][4] - 100)
    assert {k: v for k, v in second.items() if k[0] != account.pk} == {
        k: v for k, v in first.items() if k[0] != account.pk
    }
    assert PeriodTotal.objects.filter(account__in=accounts).count() == 12


def test_a_dry_run_leaves_the_totals_as_they_were(settings):
    org = busy_organization(OrganizationFactory())
    accounts = PersonalAccount.objects.filter(organization=org)
    billing_run(organization_id=org.pk, month=NOV)
    before = stored_totals(accounts)
    upkeep = Service.objects.get(name="Содержание")
    Tariff.objects.filter(service=upkeep).update(price=D("99.00"))
    billing_run(organization_id=org.pk, month=NOV, dry_run=True)
    assert stored_totals(accounts) == before


def test_the_runs_penalty_lands_in_the_totals_and_the_pages_balance_is_the_ledgers():
    org, account = penalised_account()
    billing_run(organization_id=org.pk, month=NOV)
    assert stored_totals([account])[account.pk, NOV][5] == D("21.27")
    assert stored_totals([account]) == sums_of_lines([account])
    history = account_charge_history(account_id=account.pk)
    assert [row.month for row in history] == sorted({m for _a, m in stored_totals([account])},
                                                    reverse=True)  # fmt: skip
    user = UserFactory()
    AccountLink.objects.create(user=user, account=account)
    [held] = accounts_for_user(user=user)
    assert held.balance == account_balance(account_id=account.pk)


def test_a_closed_periods_totals_are_frozen():
    org = busy_organization(OrganizationFactory())
    billing_run(organization_id=org.pk, month=NOV)
    period = period_open(organization_id=org.pk, month=NOV)
    period_close(period=period, user=UserFactory())
    total = PeriodTotal.objects.filter(period=period).first()
    for statement in (
        f"UPDATE billing_periodtotal SET total = 0 WHERE id = {total.pk}",
        f"DELETE FROM billing_periodtotal WHERE id = {total.pk}",
    ):
        with pytest.raises((IntegrityError, DatabaseError), match="период закрыт"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    assert PeriodTotal.objects.get(pk=total.pk).total == total.total


def test_the_demos_totals_are_the_sums_of_its_lines():
    call_command("load_demo", stdout=StringIO())
    accounts = PersonalAccount.objects.all()
    totals = stored_totals(accounts)
    assert len(totals) > 300  # the reference account's 2014 and the city's year
    assert totals == sums_of_lines(accounts)

"""Reads behind the account pages: natural order, balances, charges tables, prepared queries."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.billing.models import Charge
from kabinet.billing.selectors import account_balance
from kabinet.billing.services import payment_record, penalty_add, period_open
from kabinet.core.factories import PersonalAccountFactory, UserFactory
from kabinet.housing import selectors
from kabinet.housing.models import AccountLink
from kabinet.housing.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def test_natural_key_orders_numbers_by_value():
    labels = ["кв. 10", "кв. 2", "кв. 10а", "кв. 1", "кв. 11", "Кв. 3"]
    assert sorted(labels, key=selectors.natural_key) == [
        "кв. 1", "кв. 2", "Кв. 3", "кв. 10", "кв. 10а", "кв. 11",
    ]  # fmt: skip


def test_balances_of_the_accounts_list_match_the_ledger_balance(user, kamal):
    empty = PersonalAccountFactory()
    overpaid = PersonalAccountFactory()
    payment_record(
        account=overpaid, paid_on=datetime.date(2024, 1, 5), amount=D("99.99"), source="cash"
    )
    penalised = PersonalAccountFactory()
    period = period_open(
        organization_id=penalised.organization_id, month=datetime.date(2024, 1, 1)
    )
    penalty_add(account=penalised, period=period, amount=D("0.07"))
    for account in (kamal, empty, overpaid, penalised):
        AccountLink.objects.create(user=user, account=account)

    accounts = selectors.accounts_for_user(user=user)
    assert [a.pk for a in accounts] == [kamal.pk, empty.pk, overpaid.pk, penalised.pk]
    for account in accounts:
        assert account.balance == account_balance(account_id=account.pk)
    assert [a.balance for a in accounts] == [D("5589.37"), D("0.00"), D("-99.99"), D("0.07")]
    # The related rows come along: no query to read them.
    with CaptureQueriesContext(connection) as queries:
        assert accounts[0].premises.address == "г. Казань, ул. Гражданская, д. 1, кв. 154"
        assert accounts[0].organization.phone == "+7 (843) 555-01-54"
    assert len(queries) == 0


def test_the_accounts_list_is_the_users_own(user, kamal):
    other = UserFactory()
    AccountLink.objects.create(user=other, account=kamal)
    assert selectors.accounts_for_user(user=user) == []
    assert selectors.account_context(user=user, account_id=kamal.pk) is None
    held = selectors.account_context(user=other, account_id=kamal.pk)
    assert held.account == kamal and held.accounts == [kamal]


def test_the_latest_charges_are_the_fig_5_table(kamal):
    table = selectors.account_period_charges(account=kamal)
    assert table.month == datetime.date(2014, 10, 1)
    assert [line.service for line in table.rows][:2] == ["Ремонт жилья", "Содержание жилья"]
    assert (table.penalty, table.amount, table.recalculation, table.total) == (
        D("11.53"), D("3195.03"), D("0.00"), D("3195.03"),
    )  # fmt: skip
    heating = table.rows[-1]
    assert (heating.unit, heating.price, heating.volume, heating.amount) == (
        "Гкал", D("1434.59"), D("0.500295"), D("717.72"),
    )  # fmt: skip


def test_a_chosen_month_gives_that_months_table(kamal):
    table = selectors.account_period_charges(account=kamal, month=datetime.date(2014, 9, 1))
    assert table.month == datetime.date(2014, 9, 1) and table.penalty == D("0.00")
    assert table.total == sum(
        Charge.objects.filter(account=kamal, period__month="2014-09-01").values_list(
            "total", flat=True
        )
    )
    assert selectors.account_period_charges(account=kamal, month=datetime.date(2000, 1, 1)) is None


def test_charge_history_totals_by_period(kamal):
    history = selectors.account_charge_history(account=kamal)
    assert [row.month.month for row in history] == [10, 9, 8]
    assert (history[0].amount, history[0].penalty, history[0].total) == (
        D("3183.50"), D("11.53"), D("3195.03"),
    )  # fmt: skip


def test_a_prepared_query_compiles_once_and_answers_like_the_orm(kamal):
    calls = []

    def build(account_id):
        calls.append(account_id)
        return (
            Charge.objects.filter(account_id=account_id).order_by("id").values_list("id", "total")
        )

    prepared = PreparedQuery(build)
    other = PersonalAccountFactory()
    assert prepared.rows(account_id=kamal.pk) == list(build(kamal.pk))
    assert prepared.rows(account_id=other.pk) == []
    assert len(calls) == 2  # one compilation (with a stand-in) + the comparison above
    with CaptureQueriesContext(connection) as queries:
        prepared.rows(account_id=kamal.pk)
    assert len(queries) == 1


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)


@pytest.mark.postgres
@needs_postgresql
def test_on_postgresql_a_prepared_query_is_planned_once_per_connection(kamal):
    prepared = PreparedQuery(
        lambda account_id: (
            Charge.objects.filter(account_id=account_id).order_by("id").values_list("id", "total")
        )
    )
    expected = list(
        Charge.objects.filter(account_id=kamal.pk).order_by("id").values_list("id", "total")
    )
    assert prepared.rows(account_id=kamal.pk) == expected
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows(account_id=kamal.pk) == expected
    assert len(queries) == 1  # still in Django's query log, so query counts stay honest
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert [s for s in statements if '"billing_charge"."total"' in s] != []


@pytest.mark.postgres
@needs_postgresql
def test_on_postgresql_queries_are_not_jit_compiled():
    # JIT compiled the card's 0.1 ms query for 17 ms when its cost estimate was high.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_prepared_query_refuses_arguments_that_do_not_reach_the_sql():
    prepared = PreparedQuery(lambda account_id: Charge.objects.values_list("id"))
    with pytest.raises(ImproperlyConfigured, match="account_id"):
        prepared.rows(account_id=1)
    with pytest.raises(TypeError):
        PreparedQuery(lambda account_id: Charge.objects.values_list("id")).rows(user_id=1)

"""What the account pages read: the user's accounts with balances, a period's charges,
totals by period; with the hot queries compiled once (PREPARED_QUERIES, the default)
and built by the ORM on every request alike."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.billing import selectors as billing
from kabinet.billing.models import Charge
from kabinet.billing.selectors import account_balance
from kabinet.billing.services import payment_record, penalty_add, period_open
from kabinet.cabinet import selectors as cabinet
from kabinet.housing.models import AccountLink
from tests.factories import PersonalAccountFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=[True, False], ids=["prepared", "orm"])
def prepared_queries(request, settings):
    settings.PREPARED_QUERIES = request.param
    return request.param


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

    accounts = cabinet.accounts_for_user(user=user)
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
    assert cabinet.accounts_for_user(user=user) == []
    assert cabinet.account_context(user=user, account_id=kamal.pk) is None
    held = cabinet.account_context(user=other, account_id=kamal.pk)
    assert held.account == kamal and held.accounts == [kamal]


def test_the_latest_charges_are_the_fig_5_table(kamal):
    table = billing.account_period_charges(account_id=kamal.pk)
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
    table = billing.account_period_charges(account_id=kamal.pk, month=datetime.date(2014, 9, 1))
    assert table.month == datetime.date(2014, 9, 1) and table.penalty == D("0.00")
    assert table.total == sum(
        Charge.objects.filter(account=kamal, period__month="2014-09-01").values_list(
            "total", flat=True
        )
    )
    assert (
        billing.account_period_charges(account_id=kamal.pk, month=datetime.date(2000, 1, 1))
        is None
    )


def test_charge_history_totals_by_period(kamal):
    history = billing.account_charge_history(account_id=kamal.pk)
    assert [row.month.month for row in history] == [10, 9, 8]
    assert (history[0].amount, history[0].penalty, history[0].total) == (
        D("3183.50"), D("11.53"), D("3195.03"),
    )  # fmt: skip

"""Money under concurrency, on real PostgreSQL (skipped on SQLite, run by CI)."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection

from kabinet.billing.models import Payment
from kabinet.billing.selectors import account_balance
from kabinet.billing.services import payment_record
from tests.concurrency import race
from tests.factories import PersonalAccountFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
    ),
]


def test_it_credits_a_retried_bank_operation_exactly_once():
    account = PersonalAccountFactory()

    def post(_index):
        return payment_record(
            account=account,
            paid_on=datetime.date(2014, 9, 30),
            amount=D("1500.00"),
            source=Payment.Source.BANK,
            external_id="sber-2014-09-30-42",
        )

    results = race(8, post)
    assert sum(created for _payment, created in results) == 1
    assert len({payment.pk for payment, _created in results}) == 1
    assert Payment.objects.count() == 1
    assert account_balance(account_id=account.pk) == D("-1500.00")


def test_it_posts_every_distinct_payment_to_one_account():
    account = PersonalAccountFactory()

    def post(index):
        return payment_record(
            account=account,
            paid_on=datetime.date(2014, 9, 30),
            amount=D("100.00"),
            source=Payment.Source.BANK,
            external_id=f"op-{index}",
        )

    race(8, post)
    assert account_balance(account_id=account.pk) == D("-800.00")

"""Reads of the ledgers: the last payment as proof, a period's table, totals by period."""

import datetime
from decimal import Decimal as D

import pytest

from kabinet.billing import selectors
from kabinet.billing.models import Payment
from kabinet.billing.services import payment_record
from tests.factories import PersonalAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    """Opened 01.03.2009; paid 2 414,85 on 15.08.2014 and 1 500,00 on 30.09.2014."""
    account = PersonalAccountFactory(opened_on=datetime.date(2009, 3, 1))
    for day, amount in (
        (datetime.date(2014, 8, 15), "2414.85"),
        (datetime.date(2014, 9, 30), "1500.00"),
    ):
        payment_record(
            account=account, paid_on=day, amount=D(amount), source="bank", external_id=f"{day}"
        )
    return account


def matches(account, day, amount) -> bool:
    return selectors.last_payment_matches(account=account, paid_on=day, amount=D(amount))


def test_the_last_payment_proves_the_account(account):
    assert matches(account, datetime.date(2014, 9, 30), "1500")
    assert matches(account, datetime.date(2014, 9, 30), "1500.00")


@pytest.mark.parametrize(
    ("day", "amount"),
    [
        (datetime.date(2014, 9, 30), "1500.01"),  # amount off by a kopeck
        (datetime.date(2014, 9, 29), "1500.00"),  # date off by a day
        (datetime.date(2014, 8, 15), "2414.85"),  # an earlier payment
        (datetime.date(2009, 3, 1), "0"),  # the "no payments" proof
    ],
)
def test_nothing_else_proves_it(account, day, amount):
    assert not matches(account, day, amount)


def test_an_account_without_payments_is_proved_by_nothing_typed():
    # 0 and the opening date proved it: about 12 guesses a year (accounts open on the 1st).
    account = PersonalAccountFactory(opened_on=datetime.date(2024, 3, 1))
    assert not matches(account, datetime.date(2024, 3, 1), "0.00")
    assert not matches(account, datetime.date(2024, 3, 2), "0")
    assert not matches(account, datetime.date(2024, 3, 1), "0.01")


def test_any_payment_of_the_last_day_proves_it_and_reversals_are_not_payments(account):
    day = datetime.date(2014, 10, 20)
    for amount, operation in (("300.00", "a"), ("200.00", "b"), ("-200.00", "c")):
        payment_record(
            account=account, paid_on=day, amount=D(amount), source=Payment.Source.CASH,
            external_id=operation,
        )  # fmt: skip
    assert not matches(account, day, "-200.00")  # the reversal is not a payment made
    assert not matches(account, datetime.date(2014, 9, 30), "1500.00")  # no longer the last
    assert matches(account, day, "200") and matches(account, day, "300")

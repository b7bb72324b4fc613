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


# --- bank registers -------------------------------------------------------------------


def test_the_same_register_loaded_twice_at_the_same_moment_posts_each_payment_once():
    from kabinet.billing.models import Register

    from .register_helpers import load, organization_with_accounts

    organization, accounts = organization_with_accounts()
    summaries = race(2, lambda _index: load("sber-2014-09-30.txt", "sber", organization))

    # One load posted the four good lines; the other found them posted: all duplicates.
    assert sorted((s.imported, s.duplicates) for s in summaries) == [(0, 5), (4, 1)]
    assert Payment.objects.count() == 4
    assert Register.objects.filter(status="imported").count() == 2
    assert account_balance(account_id=accounts["1001"].pk) == D("-1500.00")
    assert account_balance(account_id=accounts["1002"].pk) == D("-2414.85")


def test_a_checked_register_confirmed_twice_at_once_is_posted_once():
    from kabinet.billing.registers.formats import format_get
    from kabinet.billing.registers.reading import RegisterRejected
    from kabinet.billing.registers.services import register_confirm, register_preview

    from .register_helpers import SAMPLES, organization_with_accounts

    organization, _accounts = organization_with_accounts()
    path = SAMPLES / "vtb-2014-09-30.txt"
    with path.open("rb") as file:
        draft = register_preview(
            file=file, file_name=path.name, size=path.stat().st_size,
            fmt=format_get("vtb"), organization=organization, user=None,
        )  # fmt: skip

    def confirm(_index):
        try:
            return register_confirm(register=draft, user=None).imported_count
        except RegisterRejected as refused:
            return refused.message

    assert sorted(race(2, confirm), key=str) == [3, "Этот реестр уже проведен."]
    assert Payment.objects.count() == 3


def test_a_register_and_an_online_posting_of_one_payment_post_it_once():
    from .register_helpers import load, organization_with_accounts

    organization, accounts = organization_with_accounts()

    def post(index):
        if index == 0:
            return "register", load("sber-2014-09-30.txt", "sber", organization).imported
        _payment, created = payment_record(
            account=accounts["1002"], paid_on=datetime.date(2014, 9, 30), amount=D("2414.85"),
            source=Payment.Source.BANK, external_id="sber:2014-09-30:8610:4522",
        )  # fmt: skip
        return "online", created

    results = dict(race(2, post))
    # Whichever came first posted it; the other found it posted.
    assert results in ({"register": 4, "online": False}, {"register": 3, "online": True})
    assert Payment.objects.filter(external_id="sber:2014-09-30:8610:4522").count() == 1
    assert Payment.objects.count() == 4
    assert account_balance(account_id=accounts["1002"].pk) == D("-2414.85")

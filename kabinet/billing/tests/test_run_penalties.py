"""The billing run's penalties: a prepared account's penalty to the kopeck, its stored
breakdown, a rerun that changes nothing, the closed period's guard (docs/penalties.md)."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from kabinet.billing.models import Penalty, PenaltyLine
from kabinet.billing.run import billing_run, period_close
from kabinet.billing.services import payment_record, period_open

from .helpers import JUN, NOV, SEP, penalised_account
from .helpers import OCT as OCT_2026

pytestmark = pytest.mark.django_db

date = datetime.date


@pytest.fixture
def prepared():
    """The account of `helpers.penalised_account`: its November 2026 penalty is 21,27."""
    return penalised_account()


def _lines(account):
    """The account's breakdown: by month, then the paid parts before the unpaid rest."""
    rows = [
        (line.month, line.capital_repair, line.debt, line.paid_on, line.start, line.end,
         line.days, line.share, line.rate)
        for line in PenaltyLine.objects.filter(penalty__account=account)
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (row[0], row[1], row[3] or date.max, row[4]))


def test_the_run_computes_the_hand_computed_penalty_with_its_breakdown(prepared):
    org, account = prepared
    run = billing_run(organization_id=org.pk, month=NOV)
    penalty = Penalty.objects.get(account=account)
    assert penalty.period.month == NOV
    assert penalty.amount == D("21.27")
    assert run.summary["penalties"] == "21.27"
    nov20, nov30 = date(2026, 11, 20), date(2026, 11, 30)
    assert _lines(account) == [
        (JUN, False, D("1000"), nov20, date(2026, 11, 1), nov20, 20, 130, D("9.5")),
        (JUN, True, D("100"), nov20, date(2026, 11, 1), nov20, 20, 300, D("9.5")),
        (JUN, True, D("100"), None, date(2026, 11, 1), nov30, 30, 300, D("9.5")),
        (SEP, False, D("1000"), None, date(2026, 11, 15), nov30, 16, 300, D("9.5")),
    ]
    assert sum(line.amount for line in PenaltyLine.objects.all()).quantize(D("0.000001")) == D(
        "21.265385"
    )


def test_a_rerun_is_idempotent(prepared):
    org, account = prepared
    billing_run(organization_id=org.pk, month=NOV)
    first = (list(Penalty.objects.values_list("account", "period", "amount")), _lines(account))
    billing_run(organization_id=org.pk, month=NOV)
    assert Penalty.objects.count() == 1 and PenaltyLine.objects.count() == 4
    assert (list(Penalty.objects.values_list("account", "period", "amount")), _lines(account)) == (
        first
    )


def test_a_rerun_takes_a_new_payment(prepared):
    """1 000 more paid on 14.11: it repays June's upkeep (14 days at 1/130 = 10,2307…);
    the 1 100 of 20.11 then repays June's capital repair, 200 (20 days at 1/300 = 1,2666…),
    and 900 of September (6 days = 1,71); September's unpaid 100, 16 days = 0,5066…;
    total 13,7141… → 13,71."""
    org, account = prepared
    billing_run(organization_id=org.pk, month=NOV)
    payment_record(account=account, paid_on=date(2026, 11, 14), amount=D("1000"), source="cash")
    billing_run(organization_id=org.pk, month=NOV)
    assert Penalty.objects.get(account=account).amount == D("13.71")
    nov14, nov20, nov30 = date(2026, 11, 14), date(2026, 11, 20), date(2026, 11, 30)
    assert [
        (month, repair, debt, paid, days, share)
        for month, repair, debt, paid, _s, _e, days, share, _r in _lines(account)
    ] == [
        (JUN, False, D("1000"), nov14, 14, 130),
        (JUN, True, D("200"), nov20, 20, 300),
        (SEP, False, D("900"), nov20, 6, 300),
        (SEP, False, D("100"), None, 16, 300),
    ]
    assert nov30 == _lines(account)[-1][5]


def test_no_overdue_debt_no_penalty(prepared):
    org, account = prepared
    payment_record(account=account, paid_on=date(2026, 7, 1), amount=D("5000"), source="cash")
    billing_run(organization_id=org.pk, month=NOV)
    assert not Penalty.objects.exists() and not PenaltyLine.objects.exists()


def test_a_closed_periods_penalty_lines_are_frozen(prepared):
    org, _account = prepared
    for month in (JUN, date(2026, 7, 1), date(2026, 8, 1), SEP, OCT_2026, NOV):
        billing_run(organization_id=org.pk, month=month)
        period_close(period=period_open(organization_id=org.pk, month=month))
    line = PenaltyLine.objects.filter(period__month=NOV).first()
    assert line is not None
    from django.db import connection

    for statement in (
        f"DELETE FROM billing_penaltyline WHERE id = {line.pk}",
        f"UPDATE billing_penaltyline SET days = 1 WHERE id = {line.pk}",
    ):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    with pytest.raises(TypeError):
        line.delete()
    with pytest.raises(TypeError):
        PenaltyLine.objects.filter(pk=line.pk).update(days=1)

"""The penalty calculation against hand-computed cases (docs/penalties.md).

Each expectation is worked out by hand in the test's docstring or comments: day k of delay
= due date + k; days 1-30 free; 31-90 at 1/300; from 91 at 1/130 (capital repair 1/300);
the payment day counts; the rate of the payment date for a paid part, of the calculation
date for the rest; caps and moratoria by the day the penalty accrues.
"""

import datetime
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kabinet.billing.models import ContractDueDay, KeyRate, PenaltyCap, PenaltyMoratorium
from kabinet.billing.penalties import (
    Debt,
    NoRate,
    Rates,
    account_penalty,
    allocate,
    data,
    debt_penalty,
    payment_due_date,
    rates_current,
    rates_shipped,
    round_half_up,
)
from kabinet.core.periods import add_months, month_end
from tests.factories import OrganizationFactory

date = datetime.date
RATES = rates_shipped()


def penalty(debt, due, until, payments=(), capital_repair=False, rates=RATES):
    return debt_penalty(
        debt=D(debt), due=due, until=until, payments=[(day, D(s)) for day, s in payments],
        capital_repair=capital_repair, rates=rates,
    )  # fmt: skip


def rows(result):
    return [
        (row.debt, row.start, row.end, row.days, row.share_label, row.rate, row.sum)
        for row in result.rows
    ]


# --- the DOMAIN.md example ------------------------------------------------------------------


def test_the_domain_example_2119_23():
    """100 000,00 due 31.05.2024, paid in full 01.09.2024 (day 93); the rate of 01.09.2024
    is 18 %, capped at 9,5 %: 60 days × 1/300 = 1 900,00; 3 days × 1/130 = 219,23."""
    result = penalty("100000", date(2024, 5, 31), date(2024, 9, 1), [(date(2024, 9, 1), "100000")])
    assert rows(result) == [
        (D("100000"), date(2024, 7, 1), date(2024, 8, 29), 60, "1/300", D("9.5"), D("1900.00")),
        (D("100000"), date(2024, 8, 30), date(2024, 9, 1), 3, "1/130", D("9.5"), D("219.23")),
    ]
    assert result.total == D("2119.23")
    assert result.exact == Fraction(1900) + Fraction(100000 * 3 * 95, 1000 * 130)


# --- the day number's edges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "total"),
    [
        (date(2024, 6, 30), D("0.00")),  # day 30: free
        (date(2024, 7, 1), D("31.67")),  # day 31: 100 000 × 9,5 % / 300 = 31,666…
        (date(2024, 8, 29), D("1900.00")),  # day 90: 60 days at 1/300
        (date(2024, 8, 30), D("1973.08")),  # day 91: + 100 000 × 9,5 % / 130 = 73,0769…
    ],
    ids=["day30", "day31", "day90", "day91"],
)
def test_days_30_31_90_91(until, total):
    assert penalty("100000", date(2024, 5, 31), until).total == total


def test_day_91_is_the_first_at_1_130():
    result = penalty("100000", date(2024, 5, 31), date(2024, 8, 30))
    assert [(r.start, r.days, r.share) for r in result.rows] == [
        (date(2024, 7, 1), 60, 300),
        (date(2024, 8, 30), 1, 130),
    ]


def test_the_payment_day_counts():
    """Paid on day 31 (01.07.2024): that day accrues, 31,67; paid on day 30: nothing."""
    due = date(2024, 5, 31)
    assert penalty("100000", due, date(2024, 7, 5), [(date(2024, 7, 1), "100000")]).total == D(
        "31.67"
    )
    assert penalty("100000", due, date(2024, 7, 5), [(date(2024, 7, 2), "100000")]).total == D(
        "63.33"
    )


def test_paid_in_full_before_day_31_is_zero():
    result = penalty(
        "100000", date(2024, 5, 31), date(2024, 12, 31), [(date(2024, 6, 30), "100000")]
    )
    assert result.total == D("0.00") and result.rows == []


# --- partial payments, rates ----------------------------------------------------------------


def test_two_partial_payments():
    """10 000 due 31.05.2024 (day 31 = 01.07): 4 000 paid 10.07 (day 41), 6 000 paid 10.09
    (day 102); both dates' rates (16 %, 18 %) capped at 9,5 %.
    4 000 × 10 days × 9,5 % / 300 = 12,6666…
    6 000 × 60 days × 9,5 % / 300 = 114,00; 6 000 × 12 days (30.08-10.09) × 9,5 % / 130 = 52,6153…
    total 179,2820… → 179,28."""
    result = penalty(
        "10000",
        date(2024, 5, 31),
        date(2024, 9, 30),
        [(date(2024, 7, 10), "4000"), (date(2024, 9, 10), "6000")],
    )
    assert rows(result) == [
        (D("4000"), date(2024, 7, 1), date(2024, 7, 10), 10, "1/300", D("9.5"), D("12.67")),
        (D("6000"), date(2024, 7, 1), date(2024, 8, 29), 60, "1/300", D("9.5"), D("114.00")),
        (D("6000"), date(2024, 8, 30), date(2024, 9, 10), 12, "1/130", D("9.5"), D("52.62")),
    ]
    assert result.total == D("179.28")


def test_a_key_rate_change_between_payments():
    """2019, no cap: 30 000 due 10.04.2019 (day 31 = 11.05, day 91 = 10.07).
    10 000 paid 10.06.2019 at 7,75 %: 31 days × 1/300 = 80,0833…
    10 000 paid 01.07.2019 at 7,5 % (from 17.06): 52 days × 1/300 = 130,00
    10 000 unpaid on 01.08.2019 at 7,25 % (from 29.07): 60 days × 1/300 = 145,00 and
    23 days (10.07-01.08) × 1/130 = 128,2692…; total 483,3525… → 483,35."""
    result = penalty(
        "30000",
        date(2019, 4, 10),
        date(2019, 8, 1),
        [(date(2019, 6, 10), "10000"), (date(2019, 7, 1), "10000")],
    )
    assert rows(result) == [
        (D("10000"), date(2019, 5, 11), date(2019, 6, 10), 31, "1/300", D("7.75"), D("80.08")),
        (D("10000"), date(2019, 5, 11), date(2019, 7, 1), 52, "1/300", D("7.5"), D("130.00")),
        (D("10000"), date(2019, 5, 11), date(2019, 7, 9), 60, "1/300", D("7.25"), D("145.00")),
        (D("10000"), date(2019, 7, 10), date(2019, 8, 1), 23, "1/130", D("7.25"), D("128.27")),
    ]
    assert result.total == D("483.35")


def test_the_rate_is_the_calculation_dates_for_the_unpaid_rest():
    """The same debt unpaid, counted on 16.06.2019 (7,75 %) and on 17.06.2019 (7,5 %):
    the whole unpaid stretch takes the new rate. 30 000 × 37 days × 7,75 % / 300 = 286,75;
    30 000 × 38 days × 7,5 % / 300 = 285,00."""
    assert penalty("30000", date(2019, 4, 10), date(2019, 6, 16)).total == D("286.75")
    assert penalty("30000", date(2019, 4, 10), date(2019, 6, 17)).total == D("285.00")


# --- caps -----------------------------------------------------------------------------------


def test_the_fixed_cap_of_2022_above_9_5():
    """ПП 474: days from 28.02 to 31.07.2022 accrue at 9,5 % whatever the rate. 10 000 due
    10.04.2022 (not under the moratorium: due after 01.04.2022), paid 10.06.2022 when the
    key rate was 11 %: 31 days (11.05-10.06) × 9,5 % / 300 = 98,1666… → 98,17."""
    result = penalty("10000", date(2022, 4, 10), date(2022, 6, 30), [(date(2022, 6, 10), "10000")])
    assert rows(result) == [
        (D("10000"), date(2022, 5, 11), date(2022, 6, 10), 31, "1/300", D("9.5"), D("98.17"))
    ]


def test_the_fixed_cap_of_2022_below_9_5():
    """Paid 26.07.2022 when the key rate was 8 %: still 9,5 % (fixed, not a ceiling).
    60 days × 1/300 = 190,00; 17 days (10.07-26.07) × 1/130 = 124,2307…; 314,23."""
    result = penalty("10000", date(2022, 4, 10), date(2022, 7, 31), [(date(2022, 7, 26), "10000")])
    assert [(r.days, r.share, r.rate) for r in result.rows] == [
        (60, 300, D("9.5")),
        (17, 130, D("9.5")),
    ]
    assert result.total == D("314.23")


def test_the_ceiling_from_august_2022_above_9_5():
    """Rate 18 % on 01.09.2024: 9,5 % (the DOMAIN example's rows)."""
    result = penalty("100000", date(2024, 5, 31), date(2024, 9, 1))
    assert {row.rate for row in result.rows} == {D("9.5")}


def test_the_ceiling_from_august_2022_below_9_5():
    """Rate 7,5 % on 09.12.2022 (lower than 9,5 %): 7,5 %. 10 000 due 10.10.2022, paid
    09.12.2022 (day 60): 30 days (10.11-09.12) × 7,5 % / 300 = 75,00."""
    result = penalty(
        "10000", date(2022, 10, 10), date(2022, 12, 31), [(date(2022, 12, 9), "10000")]
    )
    assert rows(result) == [
        (D("10000"), date(2022, 11, 10), date(2022, 12, 9), 30, "1/300", D("7.5"), D("75.00"))
    ]


def test_the_ceiling_ends_after_2026():
    """10 000 due 10.11.2026, unpaid on 10.01.2027 at 16 %: 21 days of December 2026 capped
    at 9,5 % (66,50), 10 days of January 2027 at 16 % (53,3333…); 119,83."""
    result = penalty("10000", date(2026, 11, 10), date(2027, 1, 10))
    assert rows(result) == [
        (D("10000"), date(2026, 12, 11), date(2026, 12, 31), 21, "1/300", D("9.5"), D("66.50")),
        (D("10000"), date(2027, 1, 1), date(2027, 1, 10), 10, "1/300", D("16"), D("53.33")),
    ]
    assert result.total == D("119.83")


# --- moratoria ------------------------------------------------------------------------------


def test_the_2020_moratorium_straddled():
    """ПП 424, 06.04-31.12.2020, for every debt. 10 000 due 10.02.2020 (day 31 = 12.03),
    unpaid on 31.01.2021 at 4,25 %: 12.03-05.04 (25 days) × 1/300 = 35,4166…; the
    moratorium accrues nothing but counts: 01.01.2021 is day 326, so 31 days × 1/130 =
    101,3461…; 136,76."""
    result = penalty("10000", date(2020, 2, 10), date(2021, 1, 31))
    assert rows(result) == [
        (D("10000"), date(2020, 3, 12), date(2020, 4, 5), 25, "1/300", D("4.25"), D("35.42")),
        (D("10000"), date(2021, 1, 1), date(2021, 1, 31), 31, "1/130", D("4.25"), D("101.35")),
    ]
    assert result.total == D("136.76")


def test_inside_the_2020_moratorium_nothing_accrues():
    assert penalty("10000", date(2020, 4, 10), date(2020, 12, 31)).total == D("0.00")


def test_the_2022_moratorium_for_a_debt_due_before_april_straddled():
    """ПП 497, 01.04-01.10.2022, for debts due before 01.04.2022. 10 000 due 10.02.2022 (day
    31 = 13.03), unpaid on 31.10.2022 (7,5 %): 13.03-31.03, 19 days × 1/300 at the fixed
    9,5 % = 60,1666…; 02.10-31.10 (day 234 on), 30 days × 1/130 at min(9,5; 7,5) = 7,5 % =
    173,0769…; 233,24."""
    result = penalty("10000", date(2022, 2, 10), date(2022, 10, 31))
    assert rows(result) == [
        (D("10000"), date(2022, 3, 13), date(2022, 3, 31), 19, "1/300", D("9.5"), D("60.17")),
        (D("10000"), date(2022, 10, 2), date(2022, 10, 31), 30, "1/130", D("7.5"), D("173.08")),
    ]
    assert result.total == D("233.24")


def test_the_2022_moratorium_spares_debts_due_from_april():
    """10 000 due 01.04.2022 is not under it: day 31 is 02.05, so 02.05-31.05.2022, 30 days
    at the fixed 9,5 % / 300 = 95,00."""
    result = penalty("10000", date(2022, 4, 1), date(2022, 5, 31))
    assert rows(result) == [
        (D("10000"), date(2022, 5, 2), date(2022, 5, 31), 30, "1/300", D("9.5"), D("95.00"))
    ]


# --- capital repair -------------------------------------------------------------------------


def test_capital_repair_is_1_300_throughout():
    """The DOMAIN example as a capital repair contribution: 63 days × 1/300 × 9,5 % =
    1 995,00."""
    result = penalty(
        "100000", date(2024, 5, 31), date(2024, 9, 1), [(date(2024, 9, 1), "100000")], True
    )
    assert rows(result) == [
        (D("100000"), date(2024, 7, 1), date(2024, 9, 1), 63, "1/300", D("9.5"), D("1995.00"))
    ]


# --- due dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "due"),
    [
        (date(2014, 10, 1), date(2014, 11, 10)),
        (date(2026, 2, 1), date(2026, 3, 10)),
        (date(2026, 3, 1), date(2026, 4, 15)),
        (date(2026, 12, 1), date(2027, 1, 15)),
    ],
)
def test_the_due_date_is_the_10th_then_from_the_march_2026_bill_the_15th(month, due):
    assert payment_due_date(month) == due
    assert payment_due_date(month.replace(day=17)) == due


def test_the_february_march_2026_switch_in_a_penalty():
    """February 2026 due 10.03 (day 31 = 10.04), March 2026 due 15.04 (day 31 = 16.05), both
    10 000 unpaid on 20.05.2026 (16 %, capped 9,5 %): 41 days = 129,8333… and 5 days =
    15,8333…; 145,67 (rounded once: 129,83 + 15,83 would be 145,66)."""
    debts = [
        Debt(D("10000"), payment_due_date(date(2026, 2, 1)), date(2026, 2, 1)),
        Debt(D("10000"), payment_due_date(date(2026, 3, 1)), date(2026, 3, 1)),
    ]
    result = account_penalty(debts=debts, payments=[], until=date(2026, 5, 20), rates=RATES)
    assert [(r.month, r.start, r.days, r.sum) for r in result.rows] == [
        (date(2026, 2, 1), date(2026, 4, 10), 41, D("129.83")),
        (date(2026, 3, 1), date(2026, 5, 16), 5, D("15.83")),
    ]
    assert result.total == D("145.67")


@pytest.mark.django_db
def test_an_organizations_earlier_contract_day_from_a_month_on():
    org = OrganizationFactory()
    ContractDueDay.objects.create(organization=org, valid_from=date(2025, 6, 1), day=5)
    ContractDueDay.objects.create(organization=org, valid_from=date(2026, 6, 1), day=12)
    assert payment_due_date(date(2025, 5, 1), org) == date(2025, 6, 10)
    assert payment_due_date(date(2025, 6, 1), org) == date(2025, 7, 5)
    assert payment_due_date(date(2026, 5, 1), org.pk) == date(2026, 6, 5)
    assert payment_due_date(date(2026, 6, 1), org) == date(2026, 7, 12)  # earlier than 15
    assert payment_due_date(date(2026, 6, 1)) == date(2026, 7, 15)  # no organization
    assert payment_due_date(date(2026, 6, 1), OrganizationFactory()) == date(2026, 7, 15)


# --- several debts of one account -------------------------------------------------------------


def test_payments_repay_the_oldest_debt_first():
    jan = Debt(D("1000"), date(2024, 2, 10), date(2024, 1, 1))
    feb = Debt(D("1000"), date(2024, 3, 10), date(2024, 2, 1))
    parts = allocate([jan, feb], [(date(2024, 3, 1), D("1500")), (date(2024, 4, 1), D("200"))])
    assert parts == [
        [(date(2024, 3, 1), D("1000"))],
        [(date(2024, 3, 1), D("500")), (date(2024, 4, 1), D("200"))],
    ]


def test_a_reversal_takes_back_the_latest_money():
    jan = Debt(D("1000"), date(2024, 2, 10))
    feb = Debt(D("1000"), date(2024, 3, 10))
    payments = [(date(2024, 3, 1), D("1500")), (date(2024, 3, 5), D("-700"))]
    assert allocate([jan, feb], payments) == [[(date(2024, 3, 1), D("800"))], []]


def test_an_account_with_two_debts_and_a_payment():
    """January 2024 (due 10.02, day 31 = 12.03) 3 000 and February (due 10.03, day 31 =
    10.04) 3 000; 4 000 paid 20.04.2024 (16 %, capped): January's 3 000 × 40 days (12.03-
    20.04) = 38,00 at 1/300; February's 1 000 × 11 days (10.04-20.04) = 3,4833…; the
    unpaid 2 000 of February on 30.04 (16 %, 9,5 %) × 21 days = 13,30; 54,78."""
    debts = [
        Debt(D("3000"), date(2024, 3, 10), date(2024, 2, 1)),
        Debt(D("3000"), date(2024, 2, 10), date(2024, 1, 1)),
    ]
    result = account_penalty(
        debts=debts, payments=[(date(2024, 4, 20), D("4000"))], until=date(2024, 4, 30),
        rates=RATES,
    )  # fmt: skip
    assert [(r.month, r.debt, r.start, r.end, r.days, r.sum) for r in result.rows] == [
        (date(2024, 1, 1), D("3000"), date(2024, 3, 12), date(2024, 4, 20), 40, D("38.00")),
        (date(2024, 2, 1), D("1000"), date(2024, 4, 10), date(2024, 4, 20), 11, D("3.48")),
        (date(2024, 2, 1), D("2000"), date(2024, 4, 10), date(2024, 4, 30), 21, D("13.30")),
    ]
    assert result.total == D("54.78")


def test_a_window_keeps_only_its_days():
    """The billing run's month: the DOMAIN example's debt, August 2024 only: 29 days at
    1/300 (950 × 29 / 30 = 918,33…) and 2 at 1/130 (146,1538…); 1 064,49."""
    result = account_penalty(
        debts=[Debt(D("100000"), date(2024, 5, 31))], payments=[], until=date(2024, 8, 31),
        rates=RATES, window=(date(2024, 8, 1), date(2024, 8, 31)),
    )  # fmt: skip
    assert [(r.start, r.end, r.days, r.share) for r in result.rows] == [
        (date(2024, 8, 1), date(2024, 8, 29), 29, 300),
        (date(2024, 8, 30), date(2024, 8, 31), 2, 130),
    ]
    assert result.total == D("1064.49")


# --- exactness, the table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(1, 200), D("0.01")),
        (Fraction(-1, 200), D("-0.01")),
        (Fraction(1, 300), D("0.00")),
        (Fraction(21923077, 100000), D("219.23")),
        (Fraction(0), D("0.00")),
    ],
)
def test_rounding_half_up(value, rounded):
    assert round_half_up(value) == rounded


def test_no_rate_before_the_table():
    with pytest.raises(NoRate):
        penalty("100", date(2012, 1, 1), date(2012, 6, 1))


def test_a_rate_takes_effect_on_its_day():
    rates = Rates([(date(2020, 1, 1), D("5")), (date(2020, 2, 1), D("6"))])
    assert rates.key_rate(date(2020, 1, 31)) == D("5")
    assert rates.key_rate(date(2020, 2, 1)) == D("6")


@pytest.mark.django_db
def test_the_database_holds_the_shipped_table():
    assert list(
        KeyRate.objects.order_by("valid_from").values_list("valid_from", "rate", "kind")
    ) == [(day, rate, kind) for day, rate, kind in data.KEY_RATES]
    assert PenaltyCap.objects.count() == 2 and PenaltyMoratorium.objects.count() == 2
    current = rates_current()
    assert current.caps == RATES.caps and current.moratoria == RATES.moratoria
    assert current.key_rate(date(2016, 1, 1)) == D("11")
    assert current.key_rate(date(2015, 12, 31)) == D("8.25")
    assert current.key_rate(date(2025, 12, 22)) == D("16")


# --- a month at a time adds up to the whole -----------------------------------------------

START = date(2019, 1, 1)
CONSTANT = Rates([(date(2000, 1, 1), D("7.5"))], caps=RATES.caps, moratoria=RATES.moratoria)

debts_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 10_000_000), st.booleans()),
    min_size=1,
    max_size=5,
)
payments_strategy = st.lists(
    st.tuples(st.integers(0, 1500), st.integers(1, 5_000_000)), max_size=8
)


@settings(max_examples=60, deadline=None)
@given(debts=debts_strategy, payments=payments_strategy, months=st.integers(1, 60))
def test_the_billing_runs_months_add_up_to_the_whole_calculation(debts, payments, months):
    """With a key rate that does not change, the penalties of each month (the run's
    windows, each counted on its last day) add up exactly to the penalty of the whole time
    counted at its end: no day is counted twice or lost, at every cap and moratorium edge,
    with partial payments and advances. (Not with reversals: a reversal cancels a payment
    as if it had never been made, which a month already computed does not learn.)"""
    debt_rows = [
        Debt(D(kopecks) / 100, payment_due_date(add_months(START, offset)),
             add_months(START, offset), repair)
        for offset, kopecks, repair in debts
    ]  # fmt: skip
    paid = [(START + datetime.timedelta(days=day), D(kopecks) / 100) for day, kopecks in payments]
    until = month_end(add_months(START, months + 2))
    whole = account_penalty(debts=debt_rows, payments=paid, until=until, rates=CONSTANT)
    by_month = Fraction(0)
    month = START
    while month <= until:
        window = (month, month_end(month))
        by_month += account_penalty(
            debts=debt_rows, payments=paid, until=window[1], rates=CONSTANT, window=window
        ).exact
        month = add_months(month, 1)
    assert by_month == whole.exact
    assert whole.total == round_half_up(sum((row.exact for row in whole.rows), Fraction(0)))

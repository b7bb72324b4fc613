from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kabinet.core.money import format_decimal, format_money, line_amount, round_money
from kabinet.core.periods import add_months, month_end, month_label, month_value

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("626.705", "626.71"),  # half-up, not banker's rounding (which gives 626.70)
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),  # half away from zero for negatives too
        ("2.675", "2.68"),
        ("10", "10.00"),
    ],
)
def test_round_money_is_half_up(value, expected):
    assert round_money(D(value)) == D(expected)
    assert str(round_money(D(value))) == expected


def test_line_amount_rounds_the_exact_product_once():
    # 9,044 ₽/m³ × 11,94 m³ = 107,98536 → 107,99 (Fig. 5, cold water)
    assert line_amount(D("9.044"), D("11.94")) == D("107.99")
    # 12,41 × 50,50 = 626,705 → 626,71: rounding a rounded price first would give 626,71 too,
    # but 0,500295 Gcal × 1 434,59 = 717,718... → 717,72 needs the exact product.
    assert line_amount(D("1434.59"), D("0.500295")) == D("717.72")
    assert line_amount(D("12.41"), D("50.50")) == D("626.71")


def test_line_amount_of_float_strings_stays_decimal():
    result = line_amount(D("0.1"), D("3"))
    assert isinstance(result, D) and result == D("0.30")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("5589.37"), f"5{NNBSP}589,37"),
        (D("1434.59"), f"1{NNBSP}434,59"),
        (D("1234567.5"), f"1{NNBSP}234{NNBSP}567,50"),
        (D("0"), "0,00"),
        (D("-250.1"), "-250,10"),
        (D("999.999"), f"1{NNBSP}000,00"),
    ],
)
def test_format_money_russian(value, expected):
    assert format_money(value) == expected


def test_format_decimal_trims_to_the_places_needed():
    assert format_decimal(D("9.044000"), max_places=6) == "9,044"
    assert format_decimal(D("2.800000"), max_places=6) == "2,80"
    assert format_decimal(D("0.500295"), max_places=4) == "0,5003"
    assert format_decimal(D("6.0301"), max_places=4) == "6,0301"


def test_months():
    import datetime

    assert add_months(datetime.date(2014, 12, 15), 1) == datetime.date(2015, 1, 1)
    assert add_months(datetime.date(2014, 1, 31), -1) == datetime.date(2013, 12, 1)
    assert month_end(datetime.date(2016, 2, 10)) == datetime.date(2016, 2, 29)
    assert month_label(datetime.date(2014, 10, 1)) == "октябрь 2014"
    assert month_value(datetime.date(2014, 10, 1)) == "2014-10"
    assert month_value(datetime.date(999, 3, 1)) == "0999-03"  # four digits, as parse_month reads


def _format_by_hand(value: D, min_places: int, max_places: int) -> str:
    """The rule spelled out slowly: round half-up, group digits by three, trim zeros."""
    value = value.quantize(D(1).scaleb(-max_places), rounding="ROUND_HALF_UP")
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    fraction = fraction.rstrip("0").ljust(min_places, "0")
    text = NNBSP.join(groups)
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


@given(
    value=st.decimals(min_value=-(10**12), max_value=10**12, places=7),
    places=st.sampled_from([(2, 2), (2, 4), (0, 2), (2, 6), (0, 0)]),
)
def test_format_decimal_matches_the_rule_spelled_out(value, places):
    min_places, max_places = places
    assert format_decimal(value, min_places=min_places, max_places=max_places) == (
        _format_by_hand(value, min_places, max_places)
    )


def test_format_decimal_never_prints_minus_zero():
    assert format_money(D("-0.001")) == "0,00"
    assert format_decimal(D("-0.00004"), min_places=0, max_places=4) == "0"


@given(value=st.decimals(min_value=-(10**12), max_value=10**12, places=7))
def test_format_money_matches_the_rule_spelled_out(value):
    assert format_money(value) == _format_by_hand(value, 2, 2)

"""SQLite's money functions (kabinet/billing/sql.py) in integers give what Decimal gives."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kabinet.billing import sql

# What the columns hold, handed over as SQLite does (the nearest float of a decimal with
# six places), or as integers when the value is whole: volumes, areas and prices up to ten
# million (beyond it the Decimal versions run out of their 28 digits, not the integers).
six_places = st.decimals(
    min_value=Decimal("-9999999"), max_value=Decimal("9999999"), places=6
).map(float)
stored = st.one_of(six_places, st.integers(min_value=-(10**6), max_value=10**6))


@settings(max_examples=3000)
@given(price=stored, volume=stored)
def test_line_amount_in_integers_is_the_decimal_one(price, volume):
    assert sql._line_amount(price, volume) == sql._line_amount_decimal(price, volume)


@settings(max_examples=3000)
@given(volume=stored, part=stored, whole=stored)
def test_share_in_integers_is_the_decimal_one(volume, part, whole):
    assert sql._share(volume, part, whole) == sql._share_decimal(volume, part, whole)


def test_half_kopecks_and_sums_with_binary_noise():
    assert sql._line_amount(2.675, 1) == 2.68  # the float 2.675 is 2.67499999…
    assert sql._line_amount(-2.675, 1) == -2.68  # half away from zero, as ROUND_HALF_UP
    assert sql._line_amount(0.1 + 0.2, 10) == 3.0  # 0.30000000000000004 stands for 0.3
    assert sql._share(1, 1, 3) == 0.333333
    assert sql._share(2, 1, 3) == 0.666667
    assert sql._share(1, 1, 0) is None
    assert sql._line_amount(None, 1) is None

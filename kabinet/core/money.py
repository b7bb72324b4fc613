"""Money: Decimal end to end, one rounding helper, Russian formatting.

Amounts are rounded half-up to kopecks at the line level (DOMAIN.md); tariffs and
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


def _group_thousands(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return THOUSANDS_SEPARATOR.join(groups)


def format_decimal(value: Decimal, *, min_places: int = 2, max_places: int = 2) -> str:
    """Russian number format: narrow-space thousands, comma decimals.

    Shows at least `min_places` and at most `max_places` decimals, trimming
    trailing zeros in between: tariffs print as "9,044" and "2,80".
    """
    value = Decimal(value).quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    fraction = fraction.rstrip("0")
    fraction = fraction.ljust(min_places, "0")
    text = _group_thousands(integer)
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def format_money(value: Decimal) -> str:
    """ "5 589,37": two decimals always."""
    return format_decimal(value, min_places=2, max_places=2)

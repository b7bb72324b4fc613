"""Template filters for Russian number and period formats (loaded as builtins)."""

from decimal import Decimal, InvalidOperation

from django import template

from kabinet.core.money import format_decimal, format_money
from kabinet.core.periods import month_label

register = template.Library()


def _as_decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def money(value):
    """{{ amount|money }} → "5 589,37"."""
    number = _as_decimal(value)
    return "" if number is None else format_money(number)


@register.filter
def quantity(value, max_places=4):
    """{{ volume|quantity }} → "11,94", "0,5003": tariffs and volumes, zeros trimmed."""
    number = _as_decimal(value)
    if number is None:
        return ""
    return format_decimal(number, min_places=2, max_places=int(max_places))


@register.filter
def period(value):
    """{{ period.month|period }} → "октябрь 2014"."""
    return month_label(value) if value else ""

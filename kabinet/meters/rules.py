"""The rules a reading must pass, as plain functions of numbers (docs/meters.md).

- A value has no more digits before the comma than the dial (`capacity_digits`) and no
  more after it than the meter shows (`decimal_places`; none on most electricity meters).
- It is never below the previous reading, unless the dial passed its capacity
  (99999 → 00000) and whoever gives it confirms the rollover; an equal value is zero use.
  A rollover is only offered when it is plausible: the use through zero is less than
  half the dial.
- A monthly use above 3× the meter zone's average (over the 12 months before) asks for
  confirmation instead of being accepted silently.
"""

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kabinet.core.money import format_decimal

JUMP_FACTOR = Decimal(3)
AVERAGE_MONTHS = 12
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_NUMBER = re.compile(r"\d+(\.\d+)?")


def format_reading(value: Decimal, places: int) -> str:
    """ "334,910" for a meter with three decimals, "11 092" for one without."""
    return format_decimal(value, min_places=places, max_places=max(places, 0))


def value_parse(text: str, *, capacity_digits: int, decimal_places: int) -> Decimal:
    """A reading as people type it ("334,91", "00334.910", "11 092") → Decimal, or a
    ValidationError that says what to fix."""
    cleaned = _SPACES.sub("", text or "").replace(",", ".")
    if not cleaned:
        raise ValidationError(_("Введите показание."), code="required")
    if cleaned.startswith("-"):
        raise ValidationError(_("Показание не может быть отрицательным."), code="negative")
    if len(cleaned) > 30 or not _NUMBER.fullmatch(cleaned):
        raise ValidationError(
            _("Введите показание цифрами, например %(example)s.")
            % {"example": _example(decimal_places)},
            code="invalid",
        )
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValidationError(_("Введите показание цифрами."), code="invalid") from None
    value_check(value, capacity_digits=capacity_digits, decimal_places=decimal_places)
    return value


def _example(decimal_places: int) -> str:
    return "12345" if not decimal_places else "123," + "4567"[:decimal_places]


def value_check(value: Decimal, *, capacity_digits: int, decimal_places: int) -> None:
    """Digits and decimals against the meter's dial."""
    if value < 0:
        raise ValidationError(_("Показание не может быть отрицательным."), code="negative")
    fraction = value.normalize().as_tuple().exponent
    places = -fraction if isinstance(fraction, int) and fraction < 0 else 0
    if places > decimal_places:
        if decimal_places == 0:
            message = _(
                "У этого счетчика нет знаков после запятой: введите только целую часть, "
                "например %(example)s."
            ) % {"example": format_reading(value.to_integral_value(rounding="ROUND_DOWN"), 0)}
        else:
            message = _(
                "Слишком много знаков после запятой: у этого счетчика их %(places)d. "
                "Лишние цифры уберите."
            ) % {"places": decimal_places}
        raise ValidationError(message, code="decimals")
    if value >= Decimal(10) ** capacity_digits:
        raise ValidationError(
            _(
                "Слишком много цифр: у этого счетчика их %(digits)d до запятой, показание "
                "не больше %(max)s."
            )
            % {"digits": capacity_digits, "max": "9" * capacity_digits},
            code="digits",
        )


def consumption(
    previous: Decimal, value: Decimal, *, capacity: Decimal, rollover: bool = False
) -> Decimal:
    """The use between two readings: through zero when the dial rolled over."""
    if rollover:
        return value + capacity - previous
    return value - previous


def rollover_plausible(previous: Decimal, value: Decimal, *, capacity: Decimal) -> bool:
    """A value below the previous one can be a rollover only if the use through zero is
    less than half the dial (99 990 → 00 012 is; 00 500 → 00 100 is not)."""
    return value < previous and consumption(previous, value, capacity=capacity, rollover=True) < (
        capacity / 2
    )


@dataclass(frozen=True)
class Point:
    """A counting reading of one meter zone, as the rules need it."""

    month_index: int  # year * 12 + month - 1
    rank: int  # initial 0, regular 1, final 2: the order within a month
    value: Decimal
    rollover: bool = False


def average_use(points: list[Point], *, before: int, capacity: Decimal) -> Decimal | None:
    """The zone's average monthly use over the intervals that end in the 12 months before
    month index `before`; None with less than two months of history."""
    ordered = sorted(points, key=lambda p: (p.month_index, p.rank))
    total, months = Decimal(0), 0
    for earlier, later in itertools.pairwise(ordered):
        if not (before - AVERAGE_MONTHS <= later.month_index < before):
            continue
        if later.value < earlier.value and not later.rollover:
            continue  # a broken interval (corrected later by staff) says nothing
        span = later.month_index - earlier.month_index
        if span <= 0:
            continue  # an installation in the month: no month of its own
        total += consumption(
            earlier.value, later.value, capacity=capacity, rollover=later.rollover
        )
        months += span
    if months < 2:
        return None
    return total / months


def monthly_use(
    previous: Point, value: Decimal, *, month_index: int, capacity: Decimal, rollover: bool
) -> Decimal:
    """The use per month since `previous` (a gap of three months divides by three)."""
    span = max(1, month_index - previous.month_index)
    return consumption(previous.value, value, capacity=capacity, rollover=rollover) / span


def is_jump(use_per_month: Decimal, average: Decimal | None) -> bool:
    return average is not None and average > 0 and use_per_month > JUMP_FACTOR * average

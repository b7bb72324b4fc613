"""The rules as plain functions: typing, digits and decimals, rollover, averages, jumps."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from kabinet.meters import rules
from kabinet.meters.rules import Point


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("334,91", D("334.91")),
        ("334.910", D("334.910")),
        ("00334,910", D("334.910")),
        (" 11 092 ", D("11092")),
        ("11\u00a0092", D("11092")),
        ("0", D("0")),
        ("12,500", D("12.500")),
    ],
)
def test_values_are_read_as_people_type_them(text, value):
    assert rules.value_parse(text, capacity_digits=5, decimal_places=3) == value


@pytest.mark.parametrize(
    ("text", "digits", "places", "code", "message"),
    [
        ("", 5, 3, "required", "Введите показание."),
        ("-5", 5, 3, "negative", "Показание не может быть отрицательным."),
        ("12a", 5, 3, "invalid", "Введите показание цифрами, например 123,456."),
        ("1,2,3", 5, 0, "invalid", "Введите показание цифрами, например 12345."),
        ("334,9101", 5, 3, "decimals", "Слишком много знаков после запятой: у этого счетчика их 3. Лишние цифры уберите."),
        ("334,91", 5, 1, "decimals", "Слишком много знаков после запятой: у этого счетчика их 1. Лишние цифры уберите."),
        ("11092,5", 5, 0, "decimals", "У этого счетчика нет знаков после запятой: введите только целую часть, например 11\u202f092."),
        ("100000", 5, 0, "digits", "Слишком много цифр: у этого счетчика их 5 до запятой, показание не больше 99999."),
        ("10000", 4, 0, "digits", "Слишком много цифр: у этого счетчика их 4 до запятой, показание не больше 9999."),
    ],
)  # fmt: skip
def test_bad_values_say_what_to_fix(text, digits, places, code, message):
    with pytest.raises(ValidationError) as error:
        rules.value_parse(text, capacity_digits=digits, decimal_places=places)
    assert error.value.code == code
    assert error.value.messages == [message]


def test_trailing_zeros_are_not_extra_decimals():
    assert rules.value_parse("12,50", capacity_digits=5, decimal_places=1) == D("12.50")
    assert rules.value_parse("99999", capacity_digits=5, decimal_places=0) == D("99999")


def test_consumption_through_zero():
    assert rules.consumption(D("9990"), D("12"), capacity=D("10000"), rollover=True) == D("22")
    assert rules.consumption(D("10"), D("12"), capacity=D("10000")) == D("2")


@pytest.mark.parametrize(
    ("previous", "value", "plausible"),
    [
        ("99990", "12", True),
        ("60000", "9999", True),  # 49 999 through zero: just under half the dial
        ("60000", "10000", False),  # 50 000: not less than half
        ("500", "100", False),
        ("100", "100", False),  # not below at all
    ],
)
def test_a_rollover_is_plausible_only_through_less_than_half_the_dial(previous, value, plausible):
    assert rules.rollover_plausible(D(previous), D(value), capacity=D("100000")) is plausible


def month(year, number):
    return year * 12 + number - 1


def test_the_average_is_over_the_twelve_months_before():
    points = [
        Point(month(2013, 1), 1, D("0")),  # intervals ending before Nov 2013 are out
        Point(month(2013, 10), 1, D("100")),
        Point(month(2013, 11), 1, D("110")),  # 10 (ends Nov 2013: in)
        Point(month(2014, 2), 1, D("140")),  # 30 over 3 months
        Point(month(2014, 10), 1, D("180")),  # 40 over 8 months
    ]
    average = rules.average_use(points, before=month(2014, 11), capacity=D("100000"))
    assert average == D("80") / 12  # (10 + 30 + 40) / (1 + 3 + 8)


def test_the_average_needs_two_months_and_skips_broken_intervals():
    one = [Point(month(2014, 9), 1, D("1")), Point(month(2014, 10), 1, D("2"))]
    assert rules.average_use(one, before=month(2014, 11), capacity=D("1000")) is None
    broken = [*one, Point(month(2014, 11), 1, D("0")), Point(month(2014, 12), 1, D("5"))]
    # 2 → 0 without a rollover says nothing; 1 → 2 and 0 → 5 give 6 over 2 months.
    assert rules.average_use(broken, before=month(2015, 1), capacity=D("1000")) == D("3")
    rolled = [Point(month(2014, 9), 1, D("990")), Point(month(2014, 10), 1, D("5"), rollover=True),
              Point(month(2014, 11), 1, D("20"))]  # fmt: skip
    assert rules.average_use(rolled, before=month(2014, 12), capacity=D("1000")) == D("15")


def test_an_installation_in_the_month_has_no_month_of_its_own():
    points = [
        Point(month(2014, 9), 0, D("0")),  # initial
        Point(month(2014, 9), 1, D("3")),  # regular, same month
        Point(month(2014, 10), 1, D("9")),
        Point(month(2014, 11), 1, D("15")),
    ]
    assert rules.average_use(points, before=month(2014, 12), capacity=D("1000")) == D("6")


def test_jumps_are_strictly_above_three_averages():
    assert not rules.is_jump(D("30"), D("10"))
    assert rules.is_jump(D("30.001"), D("10"))
    assert not rules.is_jump(D("1000"), None)
    assert not rules.is_jump(D("1000"), D("0"))  # a flat empty for a year asks nothing


def test_monthly_use_divides_a_gap():
    previous = Point(month(2014, 10), 1, D("100"))
    assert rules.monthly_use(
        previous, D("130"), month_index=month(2015, 1), capacity=D("1000"), rollover=False
    ) == D("10")

"""Billing periods are calendar months, named the Russian way ("октябрь 2014")."""

import datetime

MONTHS_NOMINATIVE = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return next_month(day) - datetime.timedelta(days=1)


def next_month(day: datetime.date) -> datetime.date:
    return add_months(day, 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """First day of the month `months` away from the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_label(day: datetime.date) -> str:
    """ "октябрь 2014"."""
    return f"{MONTHS_NOMINATIVE[day.month - 1]} {day.year}"

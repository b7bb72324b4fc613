"""Billing periods are calendar months, named the Russian way ("октябрь 2014")."""

import datetime

from django.utils.translation import gettext_lazy as _

from kabinet.core.i18n import per_language

MONTHS_NOMINATIVE = (
    _("январь"), _("февраль"), _("март"), _("апрель"), _("май"), _("июнь"),
    _("июль"), _("август"), _("сентябрь"), _("октябрь"), _("ноябрь"), _("декабрь"),
)  # fmt: skip
MONTHS_GENITIVE = (
    _("января"), _("февраля"), _("марта"), _("апреля"), _("мая"), _("июня"),
    _("июля"), _("августа"), _("сентября"), _("октября"), _("ноября"), _("декабря"),
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


@per_language
def month_names() -> tuple[str, ...]:
    """The months' names ("январь" … "декабрь") in the active language."""
    return tuple(str(name) for name in MONTHS_NOMINATIVE)


def month_value(day: datetime.date) -> str:
    """ "2014-10", the month in the pages' addresses (`?period=`, `?from=`): spelled with
    integers, as strftime takes three times as long and pages write it once a month shown."""
    return f"{day.year:04d}-{day.month:02d}"


def month_label(day: datetime.date, names: tuple[str, ...] | None = None) -> str:
    """ "октябрь 2014"; `names`, `month_names()` looked up once by a caller naming many
    months (a table's rows, a chart's bars)."""
    return f"{(names or month_names())[day.month - 1]} {day.year}"

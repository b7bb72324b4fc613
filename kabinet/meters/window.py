"""The reading window: which month a reading given now counts for (docs/meters.md).

An organization accepts readings on days `reading_window_start_day` to
`reading_window_end_day` of each month, by its local clock (the site's `TIME_ZONE`,
Europe/Moscow by default, whatever time zone the request or the server runs in). A
reading given on or before the last day counts for the current month; after it, for the
next one. A day past the month's end (31 in a 30-day month) means the month's last day.
A month that billing has closed takes no more readings: they count for the next open one.
"""

import datetime
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from kabinet.core.periods import add_months, month_end, month_start
from kabinet.housing.models import Organization

# How many closed months in a row the search for an open one steps over (a safeguard).
_MAX_CLOSED_STEP = 24


def local_now(at: datetime.datetime | None = None) -> datetime.datetime:
    """`at` (default: now) on the organizations' clock."""
    return timezone.localtime(at or timezone.now(), zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _day(month: datetime.date, day: int) -> datetime.date:
    return min(month.replace(day=1) + datetime.timedelta(days=day - 1), month_end(month))


@dataclass(frozen=True)
class Window:
    """The window of one month: the days readings for it are expected."""

    month: datetime.date  # first day
    opens: datetime.date
    closes: datetime.date  # last day, inclusive

    def contains(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes


def window_of(organization: Organization, month: datetime.date) -> Window:
    month = month_start(month)
    return Window(
        month=month,
        opens=_day(month, organization.reading_window_start_day),
        closes=_day(month, organization.reading_window_end_day),
    )


def closed_months(*, organization_id: int, since: datetime.date) -> set[datetime.date]:
    """Months from `since` on that billing has closed for the organization.

    Billing is a floor above meters, so the question is handed down through the setting
    `METER_READINGS_CLOSED_MONTHS` (a dotted path to `f(*, organization_id, since)`).
    """
    source: Callable[..., Iterable[datetime.date]] = import_string(
        settings.METER_READINGS_CLOSED_MONTHS
    )
    return set(source(organization_id=organization_id, since=since))


@dataclass(frozen=True)
class Moment:
    """Where a reading given at `now` falls."""

    now: datetime.datetime  # on the organizations' clock
    window: Window  # of the current month
    period: datetime.date  # the month the reading counts for
    period_window: Window  # that month's window
    closed: tuple[datetime.date, ...]  # closed months stepped over to reach `period`

    @property
    def today(self) -> datetime.date:
        return self.now.date()

    @property
    def is_open(self) -> bool:
        """Inside this month's window."""
        return self.window.contains(self.today)

    @property
    def before_window(self) -> bool:
        return self.today < self.window.opens


def moment_for(
    organization: Organization,
    *,
    at: datetime.datetime | None = None,
    closed: set[datetime.date] | None = None,
) -> Moment:
    """The month a reading given at `at` counts for: this month up to the window's last
    day, the next one after it; then past any month billing has closed."""
    now = local_now(at)
    window = window_of(organization, now.date())
    nominal = window.month if now.date() <= window.closes else add_months(window.month, 1)
    if closed is None:
        closed = closed_months(organization_id=organization.pk, since=nominal)
    period, stepped = nominal, []
    while period in closed and len(stepped) < _MAX_CLOSED_STEP:
        stepped.append(period)
        period = add_months(period, 1)
    return Moment(
        now=now,
        window=window,
        period=period,
        period_window=window_of(organization, period),
        closed=tuple(stepped),
    )

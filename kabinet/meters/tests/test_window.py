"""The reading window on the organizations' clock: its edges, the cutoff, time zones,
short months and closed months (time-machine moves the clock)."""

import datetime
import uuid
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from kabinet.billing.models import BillingPeriod
from kabinet.meters import services, window
from kabinet.meters.services import Entry
from tests.factories import MeterFactory, OrganizationFactory, PersonalAccountFactory, UserFactory

from .helpers import counting, msk

pytestmark = pytest.mark.django_db

NOV, DEC = datetime.date(2014, 11, 1), datetime.date(2014, 12, 1)
UTC = datetime.UTC


@pytest.fixture
def organization():
    return OrganizationFactory()  # window: days 15-25


@pytest.mark.parametrize(
    ("instant", "period", "is_open"),
    [
        (msk(2014, 11, 1, 0, 0, 0), NOV, False),
        (msk(2014, 11, 14, 23, 59, 59), NOV, False),  # before the window: still November's
        (msk(2014, 11, 15, 0, 0, 0), NOV, True),  # opens at midnight Moscow time
        (msk(2014, 11, 25, 23, 59, 59), NOV, True),  # the last second of the last day
        (msk(2014, 11, 26, 0, 0, 0), DEC, False),  # after the cutoff: December's
        (msk(2014, 11, 30, 23, 59, 59), DEC, False),
    ],
)
def test_the_window_edges(organization, instant, period, is_open):
    with time_machine.travel(instant, tick=False):
        moment = window.moment_for(organization)
    assert (moment.period, moment.is_open) == (period, is_open)
    assert moment.window.opens == datetime.date(2014, 11, 15)
    assert moment.window.closes == datetime.date(2014, 11, 25)


@pytest.mark.parametrize(
    ("utc", "period"),
    [
        # 20:59:59 UTC is 23:59:59 in Moscow (UTC+3): still the 25th.
        (datetime.datetime(2014, 11, 25, 20, 59, 59, tzinfo=UTC), NOV),
        # 21:00 UTC on the 25th is already midnight of the 26th in Moscow.
        (datetime.datetime(2014, 11, 25, 21, 0, 0, tzinfo=UTC), DEC),
    ],
)
def test_the_cutoff_is_on_the_moscow_clock_whatever_the_request_time_zone(
    organization, utc, period
):
    with time_machine.travel(utc, tick=False):
        timezone.activate("Asia/Vladivostok")  # a user's zone must not move the cutoff
        try:
            assert window.moment_for(organization).period == period
        finally:
            timezone.deactivate()
        assert window.moment_for(organization, at=utc).period == period


def test_the_clock_is_the_sites_time_zone(organization, settings):
    # An organization in Yekaterinburg (UTC+5) runs the site with TIME_ZONE set so.
    settings.TIME_ZONE = "Asia/Yekaterinburg"
    at = datetime.datetime(2014, 11, 25, 19, 0, 0, tzinfo=UTC)  # 00:00 on the 26th there
    assert window.moment_for(organization, at=at).period == DEC
    assert window.moment_for(organization, at=at - datetime.timedelta(seconds=1)).period == NOV


def test_a_window_day_past_the_months_end_is_its_last_day(organization):
    organization.reading_window_start_day, organization.reading_window_end_day = 20, 31
    november = window.window_of(organization, NOV)
    assert (november.opens, november.closes) == (
        datetime.date(2014, 11, 20),
        datetime.date(2014, 11, 30),
    )
    february = window.window_of(organization, datetime.date(2015, 2, 1))
    assert february.closes == datetime.date(2015, 2, 28)
    assert window.moment_for(organization, at=msk(2014, 11, 30, 23, 59)).period == NOV
    assert window.moment_for(organization, at=msk(2014, 12, 1, 0, 0)).period == DEC


def test_closed_months_are_stepped_over(organization):
    for month in (NOV, DEC):
        BillingPeriod.objects.create(organization=organization, month=month, is_closed=True)
    BillingPeriod.objects.create(organization=organization, month=datetime.date(2015, 1, 1))
    moment = window.moment_for(organization, at=msk(2014, 11, 20))
    assert moment.period == datetime.date(2015, 1, 1)
    assert moment.closed == (NOV, DEC)
    other = OrganizationFactory()  # another organization's closed months do not count
    assert window.moment_for(other, at=msk(2014, 11, 20)).period == NOV


def test_a_reading_sent_over_the_cutoff_lands_in_the_month_of_its_arrival(organization):
    """The form was opened on the 25th at 23:59 and sent a second after midnight."""
    account = PersonalAccountFactory(premises__house__organization=organization)
    meter = MeterFactory(premises=account.premises)
    user = UserFactory()
    for at, value in ((msk(2014, 11, 25, 23, 59, 59), "10"), (msk(2014, 11, 26, 0, 0, 1), "12")):
        with time_machine.travel(at, tick=False):
            services.readings_submit(
                account=account,
                entries=[Entry(meter, 1, D(value))],
                user=user,
                key=uuid.uuid4().hex,
            )
    assert counting(meter, NOV).value == D("10")
    assert counting(meter, DEC).value == D("12")

"""Helpers for the meters tests: moments on the organizations' clock, meters with history,
running the queued background tasks."""

import datetime
import zoneinfo
from decimal import Decimal as D

from django_tasks_db.models import DBTaskResult

from kabinet.meters.models import Meter, Reading
from tests.factories import MeterFactory

MSK = zoneinfo.ZoneInfo("Europe/Moscow")


def msk(year, month, day, hour=12, minute=0, second=0) -> datetime.datetime:
    """An instant given on the Moscow clock (the organizations' clock in the tests)."""
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=MSK)


def meter_with_history(premises, values, *, start=datetime.date(2014, 7, 1), zone=1, **fields):
    """A meter of `premises` with regular readings `values` from month `start` on."""
    fields.setdefault("installed_on", datetime.date(2012, 5, 14))
    meter = fields.pop("meter", None) or MeterFactory(premises=premises, **fields)
    month = start
    for value in values:
        Reading.objects.create(
            meter=meter,
            period=month,
            zone=zone,
            value=D(str(value)),
            source=Reading.Source.RESIDENT,
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return meter


def counting(meter: Meter, period: datetime.date, zone: int = 1, kind="regular") -> Reading | None:
    return Reading.objects.filter(meter=meter, period=period, zone=zone, kind=kind).first()


def run_queued_tasks() -> int:
    """Run the tasks the database queue holds, as `manage.py db_worker` would; returns how
    many ran. (The worker itself closes the connection, which a test transaction forbids.)"""
    ran = 0
    for row in DBTaskResult.objects.ready().order_by("enqueued_at"):
        result = row.task_result
        try:
            value = row.task.call(*result.args, **result.kwargs)
        except Exception as error:
            row.set_failed(error)
            raise
        row.set_successful(value)
        ran += 1
    return ran

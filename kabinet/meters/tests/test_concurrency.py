"""Readings and reminders under concurrency, on real PostgreSQL (skipped on SQLite)."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection

from kabinet.housing.models import AccountLink
from kabinet.meters import services
from kabinet.meters.models import Reading, ReadingReminder, ReadingSubmission
from kabinet.meters.services import Entry
from tests.concurrency import race
from tests.factories import MeterFactory, OrganizationFactory, PersonalAccountFactory, UserFactory

from .helpers import msk

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
    ),
]
NOV = datetime.date(2014, 11, 1)


@pytest.fixture
def account():
    account = PersonalAccountFactory()
    Reading.objects.create(
        meter=MeterFactory(premises=account.premises, decimal_places=3),
        period=datetime.date(2014, 10, 1), value=D("334.910"), source="resident",
    )  # fmt: skip
    MeterFactory(premises=account.premises, resource="hot_water", decimal_places=3)
    return account


def test_the_same_form_sent_eight_times_at_once_records_one_submission(account):
    user = UserFactory()
    cold, hot = account.premises.meters.order_by("pk")

    def send(_index):
        return services.readings_submit(
            account=account,
            entries=[Entry(cold, 1, D("340.100")), Entry(hot, 1, D("12.500"))],
            user=user,
            key="one-form",
            at=msk(2014, 11, 20),
        )

    results = race(8, send)
    assert sum(not result.duplicate for result in results) == 1
    assert ReadingSubmission.objects.count() == 2
    assert Reading.objects.filter(period=NOV).count() == 2
    assert Reading.objects.get(meter=cold, period=NOV).value == D("340.100")


def test_different_corrections_at_once_each_land_in_the_history(account):
    user = UserFactory()
    cold = account.premises.meters.order_by("pk").first()
    values = [D("340") + index for index in range(6)]

    def send(index):
        return services.readings_submit(
            account=account,
            entries=[Entry(cold, 1, values[index])],
            user=user,
            key=f"form-{index}",
            at=msk(2014, 11, 20),
        )

    race(6, send)
    history = list(ReadingSubmission.objects.order_by("created_at", "id"))
    assert sorted(s.value for s in history) == values
    # The value that counts is the last one recorded, whatever order they ran in.
    assert Reading.objects.get(meter=cold, period=NOV).value == history[-1].value


def test_the_reminder_command_run_at_once_queues_each_link_once():
    organization = OrganizationFactory()
    for _ in range(5):
        account = PersonalAccountFactory(premises__house__organization=organization)
        MeterFactory(premises=account.premises)
        AccountLink.objects.create(user=UserFactory(), account=account)

    results = race(4, lambda _i: services.reminders_queue(on=datetime.date(2014, 11, 15)))
    assert sum(run.queued for run in results) == 5
    assert ReadingReminder.objects.count() == 5

"""What is kept, for how long, and mail that does not tell logins apart by time (issue 9)."""

import datetime

import pytest
import time_machine
from axes.models import AccessLog
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.tasks import default_task_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.accounts import services, throttle
from kabinet.accounts.models import AccountToken, LoginFailure

from .helpers import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("captcha_test_mode")]

T0 = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
CARD = reverse("cabinet:accounts")


def log_in(client, remember=False):
    data = {"username": "petrova", "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    assert client.post(reverse("login"), data).status_code == 302


def logged_in(client) -> bool:
    return client.get(CARD).status_code == 200


# --- sessions ---------------------------------------------------------------------------


def test_a_session_without_remember_me_ends_on_the_server_after_2_idle_hours(client, active_user):
    # It lived 14 days on the server (SESSION_COOKIE_AGE) whatever the browser did.
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client)
        cookie = client.cookies["sessionid"]
        assert cookie["max-age"] == "" and cookie["expires"] == ""  # ends with the browser
        row = Session.objects.get()
        assert row.expire_date == T0 + datetime.timedelta(hours=2)
        clock.shift(datetime.timedelta(hours=1, minutes=59))
        assert logged_in(client)  # used: renewed
        clock.shift(datetime.timedelta(hours=2, minutes=1))
        assert not logged_in(client)


def test_a_session_in_use_stays(client, active_user):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client)
        for _ in range(30):  # five hours, a request every ten minutes
            clock.shift(datetime.timedelta(minutes=10))
            assert logged_in(client)


def test_remember_me_keeps_the_session_30_days_on_both_sides(client, active_user):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(client, remember=True)
        assert client.cookies["sessionid"]["max-age"] == 30 * 24 * 3600
        assert Session.objects.get().expire_date == T0 + datetime.timedelta(days=30)
        clock.shift(datetime.timedelta(days=29))
        assert logged_in(client)


# --- the daily purge --------------------------------------------------------------------


def test_the_daily_purge_removes_failed_logins_the_old_login_history_and_dead_sessions(
    client, active_user
):
    with time_machine.travel(T0, tick=False) as clock:
        throttle.failure_record(scope="site", ip="10.0.0.1", login="nobody-typed-this")
        AccessLog.objects.create(username="Petrova", ip_address="10.0.0.1", user_agent="x")
        log_in(client)
        clock.shift(datetime.timedelta(hours=23))
        throttle.failure_record(scope="site", ip="10.0.0.1", login="petrova")
        clock.shift(datetime.timedelta(hours=2))  # the first failure is a day old
        call_command("accounts_purge")
        assert LoginFailure.objects.count() == 1
        assert not Session.objects.exists()  # idle for 25 hours: gone from the table too
        assert AccessLog.objects.count() == 2  # the login history stays 180 days
        clock.shift(datetime.timedelta(days=180))
        call_command("accounts_purge")
        assert not LoginFailure.objects.exists() and not AccessLog.objects.exists()


# --- activation and recovery mail through the task worker ---------------------------------


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.results.clear()
    yield default_task_backend.results
    default_task_backend.results.clear()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (reverse("accounts:password_reset"), "password_reset"),
        (reverse("accounts:activation_resend"), "activation"),
    ],
)
def test_the_request_only_queues_the_mail_and_costs_the_same_for_every_login(
    client, active_user, pending_user, queued, url, kind, settings
):
    # The recovery request took measurably longer for a known login (mail sent inside).
    settings.ACCOUNT_MAIL_COOLDOWN = 0
    tokens = AccountToken.objects.count()
    login = "petrova" if kind == "password_reset" else "ivanov"
    answers, queries = [], []
    for typed in (login, "nobody-at-all"):
        with CaptureQueriesContext(connection) as captured:
            answers.append(client.post(url, {"login": typed}))
        queries.append(len(captured))
    assert answers[0]["Location"] == answers[1]["Location"]
    assert queries[0] == queries[1]  # the same work whatever was typed
    assert mail.outbox == [] and AccountToken.objects.count() == tokens
    assert [result.kwargs["kind"] for result in queued] == [kind, kind]
    # The worker sends the one that names an account, and nothing for the other.
    for result in queued:
        services.account_mail_send(**result.kwargs)
    assert len(mail.outbox) == 1
    assert "nobody" not in str([result.kwargs for result in queued])  # no typed login kept


def test_registration_queues_the_activation_mail(client, queued):
    from .helpers import registration_data

    response = client.post(reverse("accounts:register"), registration_data())
    assert response.status_code == 302
    assert mail.outbox == [] and len(queued) == 1
    services.account_mail_send(**queued[0].kwargs)
    assert len(mail.outbox) == 1 and "/activate/" in mail.outbox[0].body

"""Where a user is logged in: the session rows follow logins, requests, new keys, logouts."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kabinet.accounts import selectors
from kabinet.accounts.devices import device_name
from kabinet.accounts.models import UserSession
from kabinet.accounts.selectors import token_digest

from .helpers import PASSWORD

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
PROFILE = reverse("cabinet:profile")


def log_in(user, *, user_agent=FIREFOX, ip="198.51.100.1", remember=False) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    assert client.post(reverse("login"), data).status_code == 302
    return client


def test_a_login_makes_a_row_with_the_device_the_address_and_the_real_expiry(active_user):
    with time_machine.travel(T0, tick=False):
        client = log_in(active_user, remember=True)
    [row] = UserSession.objects.all()
    assert row.key_digest == token_digest(client.session.session_key)
    assert client.session.session_key not in str(row.__dict__)  # the key itself is not kept
    assert (row.ip_address, row.user_agent, row.created_at) == ("198.51.100.1", FIREFOX, T0)
    assert row.expires_at == T0 + datetime.timedelta(days=30)  # "Запомнить?"


def test_requests_touch_the_row_at_most_every_five_minutes(active_user):
    with time_machine.travel(T0, tick=False) as clock:
        client = log_in(active_user)
        clock.shift(datetime.timedelta(minutes=4, seconds=59))
        client.get(PROFILE, REMOTE_ADDR="198.51.100.2")
        row = UserSession.objects.get()
        assert (row.last_seen_at, row.ip_address) == (T0, "198.51.100.1")
        clock.shift(datetime.timedelta(seconds=1))
        client.get(PROFILE, REMOTE_ADDR="198.51.100.2")
        row = UserSession.objects.get()
        assert row.last_seen_at == T0 + datetime.timedelta(minutes=5)
        assert row.ip_address == "198.51.100.2"


def test_a_request_between_touches_costs_no_query(active_user, django_assert_num_queries):
    client = log_in(active_user)
    client.get(reverse("cabinet:accounts"))
    # session, user, the user's accounts, the footer: nothing for the session row
    with django_assert_num_queries(4):
        client.get(reverse("cabinet:accounts"))


def test_logout_removes_the_row(active_user):
    client = log_in(active_user)
    other = log_in(active_user, user_agent=IPHONE)
    client.post(reverse("logout"))
    [row] = UserSession.objects.all()
    assert row.key_digest == token_digest(other.session.session_key)


def test_a_session_without_a_row_gets_one_at_its_next_request(active_user):
    """A session that began before the rows existed appears in the list too."""
    client = log_in(active_user)
    UserSession.objects.all().delete()
    session = client.session
    session.pop("kabinet_session_track")
    session.save()
    client.get(PROFILE)
    assert UserSession.objects.get().key_digest == token_digest(client.session.session_key)


def test_an_ended_session_does_not_come_back(active_user):
    this, other = log_in(active_user), log_in(active_user, user_agent=IPHONE)
    this.post(reverse("cabinet:profile_sessions"))
    with time_machine.travel(datetime.timedelta(minutes=10)):
        assert other.get(PROFILE).status_code == 302
        assert other.get(reverse("home")).status_code == 200
    [row] = UserSession.objects.all()
    assert row.key_digest == token_digest(this.session.session_key)


def test_expired_rows_are_not_listed_and_go_at_the_next_login(active_user):
    with time_machine.travel(T0, tick=False) as clock:
        log_in(active_user)
        clock.shift(datetime.timedelta(days=15))  # past a browser session's idle timeout
        assert selectors.user_sessions(user=active_user, current_session_key=None) == []
        assert UserSession.objects.count() == 1
        client = log_in(active_user)
    [row] = UserSession.objects.all()
    assert row.key_digest == token_digest(client.session.session_key)


def test_the_list_puts_this_device_first_then_by_last_use(active_user):
    with time_machine.travel(T0, tick=False) as clock:
        phone = log_in(active_user, user_agent=IPHONE, ip="198.51.100.9")
        clock.shift(datetime.timedelta(minutes=40))  # within the idle timeout (2 hours)
        log_in(active_user)
        clock.shift(datetime.timedelta(minutes=40))
        found = selectors.user_sessions(
            user=active_user, current_session_key=phone.session.session_key
        )
    assert [(s.device, s.current) for s in found] == [
        ("Safari, iPhone", True),
        ("Firefox, Linux", False),
    ]


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (FIREFOX, "Firefox, Linux"),
        (IPHONE, "Safari, iPhone"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome, Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            "Edge, Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 YaBrowser/24.6.0.0 Safari/537.36",
            "Яндекс Браузер, Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet, Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome, Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            "Safari, macOS",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "Chrome, iPad",
        ),
        ("curl/8.8.0", "Неизвестное устройство"),
        ("", "Неизвестное устройство"),
    ],
)
def test_a_device_is_named_in_plain_words(user_agent, device):
    assert device_name(user_agent) == device

"""Project-wide pytest setup: browser tests use Debian's Chromium, never a downloaded one."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests hash hundreds of passwords. Production keeps Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def captcha_test_mode(settings, monkeypatch):
    """Every CAPTCHA accepts "PASSED" (the package also reads the setting at import)."""
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


@pytest.fixture(autouse=True)
def _closed_periods_reopened_before_the_flush(request):
    """A transactional test's database is emptied afterwards with DELETE on SQLite, which
    the closed period's guard refuses (kabinet/billing/sql.py; PostgreSQL empties with
    TRUNCATE, which the guard lets through). Reopen the periods just before that."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        # Set up the database first, so that it is emptied after this fixture's teardown.
        request.getfixturevalue("_django_db_helper")
    yield
    if transactional:
        from django.db import connection

        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("UPDATE billing_billingperiod SET is_closed = 0")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    # Uploaded files (bank registers) go to a fresh folder, never the worktree's var/.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")

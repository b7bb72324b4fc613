"""Fixtures for accounts tests: registered residents (the CAPTCHA fixture is in /conftest.py)."""

import pytest
from django.core import mail

from .helpers import register


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def pending_user(db):
    user = register()
    mail.outbox.clear()
    return user


@pytest.fixture
def active_user(db):
    user = register(username="Petrova", email="petrova@example.com")
    user.is_active, user.activation_pending = True, False
    user.save()
    mail.outbox.clear()
    return user


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Activation and recovery mail go through the task worker: here it runs at once.
    (test_retention.py checks that the request itself only queues them.)"""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

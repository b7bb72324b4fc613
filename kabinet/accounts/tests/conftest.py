"""Fixtures for accounts tests: CAPTCHA test mode, registered residents."""

import pytest
from django.core import mail

from .helpers import register


@pytest.fixture
def captcha_test_mode(settings, monkeypatch):
    """Accept "PASSED" as the CAPTCHA answer (the package reads its setting at import)."""
    import captcha.conf.settings as captcha_settings

    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)


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

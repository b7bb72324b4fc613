"""Settings that protect people: checked against the real settings module."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kabinet import settings as project_settings
from kabinet.core.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the suite uses a fast one
    user = UserFactory()
    assert user.password.startswith("argon2$")
    assert user.check_password("correct-horse-battery")


def _settings_import(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "PRODUCTION"}}
    return subprocess.run(
        [sys.executable, "-c", "import kabinet.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_demo_secret_key():
    result = _settings_import(PRODUCTION="1")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_captcha_test_mode():
    result = _settings_import(PRODUCTION="1", SECRET_KEY="x" * 50, CAPTCHA_TEST_MODE="1")
    assert result.returncode != 0 and "CAPTCHA_TEST_MODE" in result.stderr


def test_production_starts_with_a_real_key():
    assert _settings_import(PRODUCTION="1", SECRET_KEY="x" * 50).returncode == 0


def test_database_url_switches_to_postgresql():
    code = "import kabinet.settings as s; print(s.DATABASES['default']['ENGINE'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "postgres://u@127.0.0.1:5432/kabinet"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"

"""Settings that protect people, read from the environment in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kabinet import settings as project_settings
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
# Variables the suite or the shell may have set; each test states its own.
OWN_VARIABLES = {"DEBUG", "SECRET_KEY", "PRODUCTION", "CAPTCHA_TEST_MODE", "SMTP_URL",
                 "KABINET_VAR_DIR", "DATABASE_URL"}  # fmt: skip


def _settings(code: str = "", **env) -> subprocess.CompletedProcess:
    """Import kabinet.settings (as `s`) in a new Python with this environment, then run `code`."""
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", f"import json, kabinet.settings as s\n{code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the suite uses a fast one
    user = UserFactory()
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


def test_production_refuses_the_demo_secret_key():
    result = _settings(PRODUCTION="1")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_captcha_test_mode():
    result = _settings(PRODUCTION="1", SECRET_KEY="x" * 50, CAPTCHA_TEST_MODE="1", DEBUG="0")
    assert result.returncode != 0
    assert "CAPTCHA_TEST_MODE must be off in production" in result.stderr


def test_production_starts_with_a_real_key():
    result = _settings(PRODUCTION="1", SECRET_KEY="x" * 50, CAPTCHA_TEST_MODE="0", DEBUG="0")
    assert result.returncode == 0, result.stderr


def test_database_url_switches_to_postgresql():
    code = "print(s.DATABASES['default']['ENGINE'])"
    result = _settings(code, DATABASE_URL="postgres://u@127.0.0.1:5432/kabinet")
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_the_demo_writes_mail_under_var_mail_and_smtp_url_sends_it():
    code = "print(json.dumps(s.MAILERS['default']))"
    demo = _settings(code)
    assert '"BACKEND": "kabinet.accounts.mail.EmlFileBackend"' in demo.stdout
    assert str(ROOT / "var" / "mail") in demo.stdout

    smtp = json.loads(_settings(code, SMTP_URL="smtp://user:secret@mail.example:587?tls=1").stdout)
    assert smtp["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert smtp["OPTIONS"]["port"] == 587 and smtp["OPTIONS"]["use_tls"] is True
    assert smtp["OPTIONS"]["username"] == "user" and smtp["OPTIONS"]["password"] == "secret"

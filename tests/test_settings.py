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
                 "KABINET_VAR_DIR", "DATABASE_URL", "SITE_URL", "ALLOWED_HOSTS",
                 "TRUSTED_PROXY_COUNT", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                 "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # fmt: skip
# What a production start needs: a key of its own, an https site, a mail server.
PRODUCTION_ENV = {
    "PRODUCTION": "1",
    "DEBUG": "0",
    "SECRET_KEY": "m3vQ8-Zx_kP2rT7wLc9NfHs4YbGd6JeAqU1oVi5XtRn0SyWuEgKhBjMaCzDl",
    "SITE_URL": "https://kabinet.example",
    "SMTP_URL": "smtp://mail.example:587?tls=1",
    "ALLOWED_HOSTS": "kabinet.example",
}


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
    result = _settings(**PRODUCTION_ENV, CAPTCHA_TEST_MODE="1")
    assert result.returncode != 0
    assert "CAPTCHA_TEST_MODE must be off in production" in result.stderr


def test_production_starts_with_a_real_key_an_https_site_and_a_mail_server():
    result = _settings(**PRODUCTION_ENV, CAPTCHA_TEST_MODE="0")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"SITE_URL": "http://kabinet.example"}, "SITE_URL=https://"),
        ({"SITE_URL": ""}, "SITE_URL=https://"),
        ({"SMTP_URL": ""}, "SMTP_URL=smtp://"),
    ],
)
def test_production_refuses_to_start_without_an_https_site_or_a_mail_server(changed, message):
    # Mail links stayed http://127.0.0.1:8000 and mail silently went to files.
    env = {**PRODUCTION_ENV, **changed}
    result = _settings(**{k: v for k, v in env.items() if v})
    assert result.returncode != 0 and message in result.stderr


def test_production_sends_hsts_redirects_to_https_and_silences_no_check():
    code = (
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SILENCED_SYSTEM_CHECKS"
        " if hasattr(s, 'SILENCED_SYSTEM_CHECKS') else []]))"
    )
    result = _settings(code, **PRODUCTION_ENV)
    assert json.loads(result.stdout) == [31536000, True, True, True, []]


def test_check_deploy_is_clean_with_nothing_silenced(tmp_path):
    # It warned W004 (HSTS) and W008 (HTTPS redirect), and axes.W006 was silenced.
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV, "KABINET_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PAGES_BEFORE_COLLECTSTATIC = """
import json, re, django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
client = Client(HTTP_HOST="kabinet.example")
page = client.get("/login/", secure=True)
assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.content.decode())
print(json.dumps({
    "status": page.status_code,
    "hsts": page.headers.get("Strict-Transport-Security"),
    "assets": {url: client.get(url, secure=True).status_code for url in assets},
    "plain_http": [client.get("/login/").status_code, client.get("/login/").get("Location")],
}))
"""


def test_production_pages_work_before_collectstatic_and_http_is_redirected(tmp_path):
    # Every page was a 500 until `collectstatic` had run (the manifest storage).
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    env = {**clean, **PRODUCTION_ENV, "KABINET_VAR_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "kabinet.settings"
    result = subprocess.run(
        [sys.executable, "-c", PAGES_BEFORE_COLLECTSTATIC],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert answer["assets"] and set(answer["assets"].values()) == {200}
    assert answer["plain_http"] == [301, "https://kabinet.example/login/"]


CLIENT_ADDRESS = """
import django
django.setup()
from django.test import RequestFactory
from kabinet.core.security import client_ip
request = RequestFactory().get(
    "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7",
    HTTP_X_FORWARDED_PROTO="https",
)
print(client_ip(request), request.is_secure())
"""


@pytest.mark.parametrize(
    ("proxies", "expected"),
    [("0", "10.0.0.2 False"), ("1", "198.51.100.7 True")],
)
def test_the_client_address_is_read_through_trusted_proxies_only(proxies, expected):
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    env = {**clean, "TRUSTED_PROXY_COUNT": proxies, "DJANGO_SETTINGS_MODULE": "kabinet.settings"}
    result = subprocess.run(
        [sys.executable, "-c", CLIENT_ADDRESS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr[-2000:]


@pytest.mark.django_db
def test_the_static_manifest_is_not_served(settings, tmp_path):
    from django.test import Client

    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body{}")
    (tmp_path / "staticfiles.json").write_text('{"paths": {}}')
    settings.STATIC_ROOT = tmp_path
    client = Client()  # a new handler: WhiteNoise reads STATIC_ROOT when it starts
    assert client.get("/static/css/site.css").status_code == 200
    assert client.get("/static/staticfiles.json").status_code == 404


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

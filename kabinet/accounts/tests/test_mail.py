"""Mail: one .eml file per message in the demo, real SMTP when configured."""

import os
import re
import socket
import subprocess
import sys
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from kabinet.accounts.models import User

from .helpers import registration_data

BASE_DIR = Path(__file__).resolve().parents[3]


def file_mailer(path) -> dict:
    return {
        "default": {
            "BACKEND": "kabinet.accounts.mail.EmlFileBackend",
            "OPTIONS": {"file_path": str(path)},
        }
    }


def test_it_writes_one_eml_file_per_message(settings, tmp_path):
    settings.MAILERS = file_mailer(tmp_path / "mail")
    for n in range(3):
        message = EmailMultiAlternatives(
            f"Письмо № {n}", "Текст письма", "from@example.com", ["to@example.com"]
        )
        message.attach_alternative(f"<p>Письмо {n}</p>", "text/html")
        assert message.send() == 1
        assert message.kabinet_saved_to.endswith(".eml")
    files = sorted((tmp_path / "mail").iterdir())
    assert len(files) == 3
    for path in files:
        assert re.fullmatch(r"\d{8}-\d{6}-\d{6}-[0-9a-f]{8}\.eml", path.name)
        raw = path.read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF, as RFC 5322 wants
        assert "Текст письма".encode() in raw  # readable 8-bit body, not base64
        parsed = message_from_bytes(raw, policy=default_policy)
        assert parsed["Subject"].startswith("Письмо № ")
        assert parsed.get_body(("plain",)).get_content().strip() == "Текст письма"
        assert "<p>Письмо" in parsed.get_body(("html",)).get_content()
        assert oct(path.stat().st_mode & 0o777) == "0o600"  # links in mail are secrets


def test_it_keeps_captcha_test_mode_off_by_default():
    env = {k: v for k, v in os.environ.items() if k != "CAPTCHA_TEST_MODE"}
    code = "import kabinet.settings as s; print(s.CAPTCHA_TEST_MODE)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    # aiosmtpd's Controller cannot take port 0: find a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.mark.django_db
@pytest.mark.usefixtures("captcha_test_mode")
def test_it_delivers_the_activation_mail_through_a_real_smtp_server(client, settings, smtp_server):
    controller, inbox = smtp_server
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    response = client.post(reverse("accounts:register"), registration_data())
    assert response.status_code == 302

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ivanov@example.com"]
    message = message_from_bytes(envelope.original_content, policy=default_policy)
    assert message["Subject"] == "Активация учетной записи в личном кабинете жильца"
    assert message["To"] == "ivanov@example.com"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Здравствуйте, Ivanov!" in text and "Активировать учетную запись" in html

    link = re.search(r"http://testserver(/activate/(?!resend)[^/\s]+/)", text).group(1)
    client.get(link)
    assert client.post(reverse("accounts:activate")).status_code == 302
    assert User.objects.get(username="Ivanov").is_active


@pytest.mark.django_db
@pytest.mark.usefixtures("captcha_test_mode")
def test_it_survives_an_smtp_server_that_is_down(client, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    response = client.post(reverse("accounts:register"), registration_data(), follow=True)
    assert response.status_code == 200
    # The mail is the task worker's: the page says it is on its way, the worker logs the
    # failure (test_registration.py), and "Не пришло письмо?" sends it again.
    assert "Мы отправили письмо" in response.content.decode()
    # recovery answers as usual, whatever the mail server does
    reset = client.post(reverse("accounts:password_reset"), {"login": "ivanov"})
    assert reset.status_code == 302

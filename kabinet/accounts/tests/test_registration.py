"""Registration pages: the form of Fig. 2, what is kept, what is stored, what is sent."""

import datetime
import logging
import re
import smtplib
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.conf import settings
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts import emails, legal, selectors, services
from kabinet.accounts.models import AccountToken, Consent, User

from .helpers import PASSWORD, links_in, register, registration_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("captcha_test_mode")]

REGISTER = reverse("accounts:register")


def test_it_shows_the_fields_of_the_manual(client):
    html = client.get(REGISTER).content.decode()
    assert "Введите регистрационные данные" in html
    for label in [
        "Имя пользователя",
        "E-mail",
        "Пароль",
        "Подтверждение пароля",
        "Мобильный телефон",
        "Код с изображения",
        "Загрузить новый код",
        "Принимаю соглашение об использовании личного кабинета",
        "Даю согласие на обработку моих персональных данных",
    ]:
        assert label in html, label
    # every label is tied to its input
    for field in ["username", "email", "password1", "password2", "phone", "captcha_1"]:
        assert f'for="id_{field}"' in html and f'id="id_{field}"' in html, field
    assert reverse("accounts:legal", args=["terms"]) in html
    assert reverse("accounts:legal", args=["personal-data"]) in html
    assert 'class="captcha-image"' in html and "/captcha/image/" in html


def test_it_links_registration_from_the_login_page(client):
    html = client.get(reverse("login")).content.decode()
    assert "зарегистрируйтесь" in html and REGISTER in html


def test_it_creates_an_inactive_resident_and_mails_the_activation_link(client, settings):
    before = timezone.now()
    response = client.post(REGISTER, registration_data(), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")

    user = User.objects.get(username="Ivanov")
    assert not user.is_active and user.activation_pending
    assert user.email == "ivanov@example.com"
    assert user.phone == "+79123456789"
    assert user.check_password(PASSWORD)

    consents = {consent.document: consent for consent in user.consents.all()}
    assert set(consents) == {"terms", "personal_data"}
    for kind, consent in consents.items():
        assert consent.version == legal.CURRENT[kind].version
        assert consent.ip_address == "203.0.113.7"
        assert before <= consent.accepted_at <= timezone.now()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ivanov@example.com"]
    assert message.subject == "Активация учетной записи в личном кабинете жильца"
    assert "Здравствуйте, Ivanov!" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Активировать учетную запись" in html
    [link] = [url for url in links_in(message) if "/activate/" in url and "resend" not in url]
    assert link.startswith("http://testserver/activate/")
    assert link in html

    page = client.get(response["Location"]).content.decode()
    assert "ivanov@example.com" in page
    assert "Мы отправили письмо со ссылкой для активации" in page


def test_it_keeps_entered_values_but_not_passwords_nor_captcha(client):
    response = client.post(
        REGISTER,
        registration_data(email="not-an-address", captcha_1="PASSED", phone="8 (912) 345-67-89"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Ivanov"' in html
    assert 'value="not-an-address"' in html
    assert 'value="8 (912) 345-67-89"' in html
    assert PASSWORD not in html
    assert 'value="PASSED"' not in html
    assert re.search(r'name="accept_terms"[^>]*checked', html)
    assert not User.objects.exists()


def test_it_shows_each_error_next_to_its_field(client):
    html = client.post(REGISTER, registration_data(email="x", phone="1")).content.decode()
    # the error list carries the id the input points at with aria-describedby
    for field in ["email", "phone"]:
        assert f'id="id_{field}_error"' in html
        tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)
        assert f"id_{field}_error" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
        assert 'aria-invalid="true"' in tag
    assert 'id="id_username_error"' not in html


def test_it_refuses_a_taken_login_with_a_clear_message(client):
    register(username="ivanov", email="first@example.com")
    response = client.post(REGISTER, registration_data(username="IVANOV"))
    assert response.status_code == 200
    assert "Это имя пользователя уже занято" in response.content.decode()
    assert User.objects.count() == 1


def test_it_refuses_a_taken_email_with_a_clear_message(client):
    register(username="first", email="ivanov@example.com")
    response = client.post(REGISTER, registration_data(email="Ivanov@Example.COM"))
    assert "Этот e-mail уже зарегистрирован" in response.content.decode()
    assert User.objects.count() == 1


def test_it_gives_a_new_captcha_without_javascript_and_keeps_the_values(client, monkeypatch):
    import captcha.conf.settings as captcha_settings

    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    first = client.get(REGISTER).content.decode()
    old_key = re.search(r'name="captcha_0" value="(\w+)"', first).group(1)
    response = client.post(
        REGISTER,
        registration_data(captcha_0=old_key, captcha_1="", captcha_refresh="1", password1="x"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    new_key = re.search(r'name="captcha_0" value="(\w+)"', html).group(1)
    assert new_key != old_key
    assert 'value="Ivanov"' in html and 'value="ivanov@example.com"' in html
    assert "field-error" not in html  # a new image is not a failed submit
    assert not User.objects.exists()


def test_it_offers_the_ajax_refresh_the_script_uses(client):
    response = client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    data = response.json()
    assert CaptchaStore.objects.filter(hashkey=data["key"]).exists()
    assert data["image_url"] == f"/captcha/image/{data['key']}/"
    html = client.get(REGISTER).content.decode()
    assert 'src="/static/js/captcha-refresh.js"' in html
    assert 'data-captcha-refresh="/captcha/refresh/"' in html


def test_it_serves_the_refresh_script(client):
    script = Path(__file__).resolve().parents[2] / "static" / "js" / "captcha-refresh.js"
    text = script.read_text()
    assert "X-Requested-With" in text and "captcha_0" in text and "requestSubmit" in text


def test_it_shows_where_the_demo_mail_was_written(client, settings, tmp_path):
    settings.DEBUG = True  # `make run`
    settings.MAILERS = {
        "default": {
            "BACKEND": "kabinet.accounts.mail.EmlFileBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    response = client.post(REGISTER, registration_data(), follow=True)
    html = response.content.decode()
    [eml] = list(tmp_path.glob("*.eml"))
    assert "Демонстрационный режим" in html
    assert str(tmp_path) in html
    parsed = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert parsed["Subject"] == "Активация учетной записи в личном кабинете жильца"


def test_it_shows_no_server_path_outside_the_demo(client, settings, tmp_path):
    # /register/done/ showed the .eml file's path whenever SMTP_URL was unset.
    settings.DEBUG = False
    settings.MAILERS = {
        "default": {
            "BACKEND": "kabinet.accounts.mail.EmlFileBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    html = client.post(REGISTER, registration_data(), follow=True).content.decode()
    assert "Мы отправили письмо" in html
    assert str(tmp_path) not in html and ".eml" not in html and "Демонстрационный" not in html


def test_it_keeps_the_account_when_the_mail_fails_and_logs_it(client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(emails, "send", broken)
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        response = client.post(REGISTER, registration_data(), follow=True)
    # Sent by the task worker: the page cannot know; the worker logs the failure.
    assert "Мы отправили письмо" in response.content.decode()
    user = User.objects.get(username="Ivanov")
    assert AccountToken.objects.filter(user=user).count() == 1
    assert any(
        "event=mail.failed" in line and f"user_id={user.pk}" in line for line in caplog.messages
    )


def test_it_refuses_a_login_taken_between_check_and_insert(monkeypatch):
    """The database constraint is the last word; the service turns it into a form error."""
    register(username="Ivanov", email="first@example.com")
    real_exists = selectors.username_exists
    calls = []

    def stale_check(*, username):
        calls.append(username)
        return False if len(calls) == 1 else real_exists(username=username)

    monkeypatch.setattr(selectors, "username_exists", stale_check)
    with pytest.raises(services.RegistrationConflict) as conflict:
        register(username="IVANOV", email="second@example.com")
    assert conflict.value.field == "username"
    assert User.objects.count() == 1 and Consent.objects.count() == 2


def test_it_refuses_an_email_taken_between_check_and_insert(monkeypatch):
    register(username="first", email="ivanov@example.com")
    monkeypatch.setattr(selectors, "email_exists", lambda *, email: False)
    with pytest.raises(IntegrityError):
        # with every check blind the constraint still refuses, and nothing is half-written
        monkeypatch.setattr(selectors, "username_exists", lambda *, username: False)
        services.user_register(
            username="second",
            email="IVANOV@example.com",
            password=PASSWORD,
            phone="+79123456789",
            accepted=[legal.TERMS, legal.PERSONAL_DATA],
            ip=None,
        )
    assert User.objects.count() == 1


def test_it_needs_both_legal_texts_accepted():
    with pytest.raises(ValueError):
        services.user_register(
            username="ivan",
            email="ivan@example.com",
            password=PASSWORD,
            phone="+79123456789",
            accepted=[legal.TERMS],
            ip=None,
        )
    assert not User.objects.exists()


def test_it_shows_both_legal_texts(client):
    for slug, title in [
        ("terms", "Соглашение об использовании личного кабинета"),
        ("personal-data", "Согласие на обработку персональных данных"),
    ]:
        response = client.get(reverse("accounts:legal", args=[slug]))
        assert response.status_code == 200
        html = response.content.decode()
        assert title in html and "Редакция от 25.11.2026" in html
    assert "152-ФЗ" in html
    assert client.get("/legal/unknown/").status_code == 404


def test_it_sends_a_signed_in_person_home(client, active_user):
    client.force_login(active_user)
    assert client.get(REGISTER)["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_it_logs_the_registration_without_secrets(client, caplog):
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        client.post(REGISTER, registration_data(), REMOTE_ADDR="198.51.100.2")
    user = User.objects.get()
    [line] = [m for m in caplog.messages if "event=registration" in m]
    assert f"user_id={user.pk}" in line and "ip=198.51.100.2" in line
    token_path = next(url for url in links_in(mail.outbox[0]) if "/activate/" in url)
    assert (
        PASSWORD not in caplog.text and token_path.rstrip("/").rsplit("/", 1)[1] not in caplog.text
    )


def test_it_expires_the_activation_link_after_three_days_by_default(settings):
    with time_machine.travel("2026-11-25 12:00 +0000", tick=False):
        user = register()
    token = AccountToken.objects.get(user=user)
    assert token.expires_at - token.created_at == datetime.timedelta(days=3)
    assert settings.ACCOUNT_ACTIVATION_TIMEOUT == 3 * 24 * 3600

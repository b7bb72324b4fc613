"""Password recovery: same answer for all, 1-hour single-use link, all sessions end."""

import datetime
import logging

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from kabinet.accounts.models import User

from .helpers import PASSWORD, last_mail_link, register

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
RESET = reverse("accounts:password_reset")
SET = reverse("accounts:password_reset_set")
NEW = "Новый-пароль-для-кабинета"


def reset_link() -> str:
    return last_mail_link(r"/password/reset/(?!done)[^/]+/$")


def set_new_password(client, link, password=NEW):
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == SET
    return client.post(SET, {"password1": password, "password2": password})


def test_it_mails_a_link_for_the_login_or_the_email(client, active_user):
    for typed in ["petrova", "PETROVA@example.com"]:
        with time_machine.travel(datetime.timedelta(minutes=2 * len(mail.outbox))):
            response = client.post(RESET, {"login": typed})
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert [m.to for m in mail.outbox] == [["petrova@example.com"]] * 2
    message = mail.outbox[0]
    assert message.subject == "Восстановление пароля в личном кабинете жильца"
    assert "Ссылка действует 60 мин." in message.body
    assert "Задать новый пароль" in message.alternatives[0][0]


def test_it_answers_alike_for_known_and_unknown(client, active_user):
    known = client.post(RESET, {"login": "petrova"})
    unknown = client.post(RESET, {"login": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1
    page = client.get(known["Location"]).content.decode()
    assert "Если учетная запись с такими данными существует" in page


def test_it_sets_a_new_password_through_the_link(client, active_user):
    client.post(RESET, {"login": "petrova"})
    link = reset_link()
    response = set_new_password(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    user = User.objects.get(pk=active_user.pk)
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    login = client.post(reverse("login"), {"username": "petrova", "password": NEW})
    assert login.status_code == 302


def test_it_keeps_the_token_out_of_the_new_password_page_address(client, active_user):
    client.post(RESET, {"login": "petrova"})
    link = reset_link()
    token = link.strip("/").rsplit("/", 1)[1]
    response = client.get(link, follow=True)
    assert token not in response.redirect_chain[-1][0]
    assert token not in response.content.decode()


def test_it_works_once(client, active_user):
    client.post(RESET, {"login": "petrova"})
    link = reset_link()
    set_new_password(client, link)
    again = client.get(link, follow=True)
    assert again.status_code == 410 and "уже использована" in again.content.decode()
    # the new-password page without a live token in the session refuses too
    assert (
        Client()
        .post(SET, {"password1": "another-pass-9", "password2": "another-pass-9"})
        .status_code
        == 404
    )
    assert User.objects.get(pk=active_user.pk).check_password(NEW)


def test_it_expires_after_an_hour(client, active_user):
    with time_machine.travel(T0, tick=False) as clock:
        client.post(RESET, {"login": "petrova"})
        link = reset_link()
        clock.move_to(T0 + datetime.timedelta(minutes=59))
        assert client.get(link).status_code == 302  # still good; now in the session
        clock.move_to(T0 + datetime.timedelta(hours=1, seconds=1))
        # a token kept in the session expires as well
        expired = client.post(SET, {"password1": NEW, "password2": NEW})
        assert (
            expired.status_code == 410 and "Срок действия ссылки истек" in expired.content.decode()
        )
        assert client.get(link, follow=True).status_code == 410
    assert User.objects.get(pk=active_user.pk).check_password(PASSWORD)


def test_it_retires_the_other_links_of_the_user(client, active_user):
    with time_machine.travel(T0, tick=False) as clock:
        client.post(RESET, {"login": "petrova"})
        first = reset_link()
        clock.move_to(T0 + datetime.timedelta(minutes=2))
        client.post(RESET, {"login": "petrova"})
        second = reset_link()
        set_new_password(client, second)
        assert client.get(first, follow=True).status_code == 410


def test_it_ends_every_session_of_the_user(active_user):
    elsewhere = Client()
    assert (
        elsewhere.post(reverse("login"), {"username": "petrova", "password": PASSWORD}).status_code
        == 302
    )
    assert elsewhere.get(reverse("home")).wsgi_request.user.is_authenticated

    recovering = Client()
    recovering.post(RESET, {"login": "petrova"})
    set_new_password(recovering, reset_link())

    assert not elsewhere.get(reverse("home")).wsgi_request.user.is_authenticated


def test_it_ends_the_recovering_session_too_if_signed_in(client, active_user):
    client.force_login(active_user)
    client.post(RESET, {"login": "petrova"})
    set_new_password(client, reset_link())
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "%00"])
def test_it_refuses_unknown_links(client, token):
    response = client.get(f"/password/reset/{token}/", follow=True)
    assert response.status_code == 404 and "Ссылка недействительна" in response.content.decode()
    assert response.redirect_chain[-1][0] == SET


def test_it_applies_the_password_rules(client, active_user):
    client.post(RESET, {"login": "petrova"})
    client.get(reset_link())
    short = client.post(SET, {"password1": "k7#Lm2$", "password2": "k7#Lm2$"})
    assert short.status_code == 200 and "слишком короткий" in short.content.decode()
    similar = client.post(SET, {"password1": "Petrova2024", "password2": "Petrova2024"})
    assert "похож на" in similar.content.decode()
    mismatch = client.post(SET, {"password1": NEW, "password2": NEW + "1"})
    assert "Пароли не совпадают" in mismatch.content.decode()
    assert User.objects.get(pk=active_user.pk).check_password(PASSWORD)


def test_it_activates_a_pending_account_through_recovery(client, pending_user):
    client.post(RESET, {"login": "ivanov"})
    set_new_password(client, reset_link())
    user = User.objects.get(pk=pending_user.pk)
    assert user.is_active and not user.activation_pending


def test_it_mails_nothing_for_a_blocked_account(client, active_user):
    active_user.is_active = False
    active_user.save()
    response = client.post(RESET, {"login": "petrova"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_it_clears_the_login_lock_and_the_captcha(client, active_user, captcha_test_mode):
    solved = {"captcha_0": "k", "captcha_1": "PASSED"}
    for _ in range(10):
        client.post(reverse("login"), {"username": "petrova", "password": "wrong", **solved})
    assert (
        client.post(
            reverse("login"), {"username": "petrova", "password": PASSWORD, **solved}
        ).status_code
        == 429
    )
    client.post(RESET, {"login": "petrova"})
    set_new_password(client, reset_link())
    assert (
        client.post(reverse("login"), {"username": "petrova", "password": NEW}).status_code == 302
    )


def test_it_mails_at_most_once_a_minute(client, active_user):
    with time_machine.travel(T0, tick=False) as clock:
        client.post(RESET, {"login": "petrova"})
        client.post(RESET, {"login": "petrova"})
        assert len(mail.outbox) == 1
        clock.move_to(T0 + datetime.timedelta(seconds=61))
        client.post(RESET, {"login": "petrova"})
        assert len(mail.outbox) == 2


def test_it_logs_recovery_without_tokens_or_passwords(client, active_user, caplog):
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        client.post(RESET, {"login": "petrova"}, REMOTE_ADDR="192.0.2.10")
        link = reset_link()
        set_new_password(client, link)
    uid = f"user_id={active_user.pk}"
    assert any(
        "event=password_reset.requested" in m and uid in m and "ip=192.0.2.10" in m
        for m in caplog.messages
    )
    assert any("event=password_reset.completed" in m and uid in m for m in caplog.messages)
    token = link.strip("/").rsplit("/", 1)[1]
    assert token not in caplog.text and NEW not in caplog.text


def test_it_works_for_a_user_registered_through_the_form(client):
    register(username="Сидоров", email="sidorov@example.com")
    client.post(RESET, {"login": "сидоров"})
    set_new_password(client, reset_link())
    assert (
        client.post(reverse("login"), {"username": "СИДОРОВ", "password": NEW}).status_code == 302
    )

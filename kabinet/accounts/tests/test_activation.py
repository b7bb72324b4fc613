"""Activation links: single use, 3 days, re-sent from the login page, same answer for all."""

import datetime
import logging

import pytest
import time_machine
from django.contrib.admin.sites import site as admin_site
from django.core import mail
from django.urls import reverse

from kabinet.accounts.admin import UserAdmin
from kabinet.accounts.models import User

from .helpers import PASSWORD, last_mail_link, register

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
RESEND = reverse("accounts:activation_resend")


ACTIVATE = reverse("accounts:activate")


def activation_link() -> str:
    return last_mail_link(r"/activate/(?!resend)")


def open_link(client, link):
    """Follow the e-mailed link: it stashes the token and redirects to a token-free page."""
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == ACTIVATE
    return client.get(ACTIVATE)


def activate(client, link, **extra):
    open_link(client, link)
    return client.post(ACTIVATE, **extra)


def test_it_activates_once_with_the_link_from_the_mail(client):
    register()
    link = activation_link()
    page = open_link(client, link)
    assert page.status_code == 200 and "Активировать учетную запись" in page.content.decode()
    token = link.strip("/").rsplit("/", 1)[1]
    assert token not in page.content.decode()
    assert not User.objects.get().is_active  # opening the link (a mail scanner) changes nothing

    response = client.post(ACTIVATE, follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Учетная запись активирована" in response.content.decode()
    user = User.objects.get()
    assert user.is_active and not user.activation_pending

    again = activate(client, link)
    assert again.status_code == 410 and "уже использована" in again.content.decode()
    assert open_link(client, link).status_code == 410


def test_it_lets_the_activated_resident_log_in(client):
    register()
    activate(client, activation_link())
    response = client.post(reverse("login"), {"username": "Ivanov", "password": PASSWORD})
    assert response.status_code == 302


def test_it_expires_the_link_after_3_days(client):
    with time_machine.travel(T0, tick=False) as clock:
        register()
        link = activation_link()
        clock.move_to(T0 + datetime.timedelta(days=3, seconds=1))
        response = activate(client, link)
        assert (
            response.status_code == 410
            and "Срок действия ссылки истек" in response.content.decode()
        )
        assert open_link(client, link).status_code == 410
    assert not User.objects.get().is_active


def test_it_still_activates_just_before_the_3_days_end(client):
    with time_machine.travel(T0, tick=False) as clock:
        register()
        link = activation_link()
        clock.move_to(T0 + datetime.timedelta(days=3, seconds=-1))
        assert activate(client, link).status_code == 302
    assert User.objects.get().is_active


def test_it_follows_the_activation_timeout_setting(client, settings):
    settings.ACCOUNT_ACTIVATION_TIMEOUT = 3600
    with time_machine.travel(T0, tick=False) as clock:
        register()
        link = activation_link()
        clock.move_to(T0 + datetime.timedelta(hours=1, seconds=1))
        assert activate(client, link).status_code == 410


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "%00%01", "a.b-c_d"])
def test_it_refuses_unknown_links(client, token):
    register()
    response = open_link(client, f"/activate/{token}/")
    assert response.status_code == 404 and "Ссылка недействительна" in response.content.decode()
    assert client.post(ACTIVATE).status_code == 404
    assert not User.objects.get().is_active


def test_it_resends_a_new_link_and_retires_the_old_one_on_activation(client):
    with time_machine.travel(T0, tick=False) as clock:
        register()
        first = activation_link()
        clock.move_to(T0 + datetime.timedelta(minutes=5))
        response = client.post(RESEND, {"login": "ivanov@EXAMPLE.com"})
        assert response["Location"] == reverse("accounts:activation_resend_done")
        assert len(mail.outbox) == 2
        second = activation_link()
        assert second != first
        assert activate(client, second).status_code == 302
        assert activate(client, first).status_code == 410


def test_it_mails_at_most_once_a_minute(client):
    with time_machine.travel(T0, tick=False) as clock:
        register()
        client.post(RESEND, {"login": "ivanov"})
        assert len(mail.outbox) == 1  # the registration mail is less than a minute old
        clock.move_to(T0 + datetime.timedelta(seconds=61))
        client.post(RESEND, {"login": "ivanov"})
        client.post(RESEND, {"login": "ivanov"})
        assert len(mail.outbox) == 2


def test_it_answers_resend_alike_for_everyone(client, active_user):
    with time_machine.travel(T0, tick=False) as clock:
        register()
        clock.move_to(T0 + datetime.timedelta(minutes=5))
        mail.outbox.clear()
        answers = [
            client.post(RESEND, {"login": login})
            for login in ["ivanov", "petrova", "nobody", "no@body.ru"]
        ]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("accounts:activation_resend_done"))
    }
    assert [m.to for m in mail.outbox] == [["ivanov@example.com"]]  # only the pending account
    page = client.get(reverse("accounts:activation_resend_done")).content.decode()
    assert "Если учетная запись с такими данными существует" in page


def test_it_refuses_the_activation_page_without_a_link(client):
    assert client.get(ACTIVATE).status_code == 404
    assert client.post(ACTIVATE).status_code == 404


def test_it_prefills_the_resend_form_from_the_login_page_link(client):
    html = client.get(RESEND + "?login=Ivanov").content.decode()
    assert 'value="Ivanov"' in html


def test_it_keeps_a_blocked_user_blocked(client):
    register()
    link = activation_link()
    user = User.objects.get()
    user.activation_pending = False  # staff blocked the account: see the admin test below
    user.save()
    assert open_link(client, link).status_code == 404
    assert client.post(ACTIVATE).status_code == 404
    mail.outbox.clear()
    with time_machine.travel(datetime.timedelta(minutes=5)):
        client.post(RESEND, {"login": "ivanov"})
    assert mail.outbox == []
    assert not User.objects.get().is_active


def test_it_ends_self_activation_when_staff_set_active_or_blocked(rf, admin_user):
    user = register()
    request = rf.post("/")
    request.user = admin_user

    class Form:
        changed_data = ["is_active"]

    UserAdmin(User, admin_site).save_model(request, user, Form(), change=True)
    user.refresh_from_db()
    assert not user.activation_pending and not user.can_self_activate


def test_it_logs_activation(client, caplog):
    register()
    link = activation_link()
    with caplog.at_level(logging.INFO, logger="kabinet.security"):
        activate(client, link, REMOTE_ADDR="203.0.113.5")
        activate(client, link, REMOTE_ADDR="203.0.113.6")
    user = User.objects.get()
    assert any(f"event=activation user_id={user.pk} ip=203.0.113.5" in m for m in caplog.messages)
    assert any(
        f"event=activation.refused user_id={user.pk} ip=203.0.113.6 reason=used" in m
        for m in caplog.messages
    )
    assert link.strip("/").rsplit("/", 1)[1] not in caplog.text

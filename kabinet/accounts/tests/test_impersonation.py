"""Logins that look like other logins, passwords nobody can see (hardening, issue 9)."""

import re

import pytest
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.accounts.validators import username_skeleton

from .helpers import PASSWORD, last_mail_link, register, registration_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("captcha_test_mode")]

REGISTER = reverse("accounts:register")
MIXED = "Имя пользователя должно быть написано буквами одного алфавита"
CONFUSABLE = "Это имя пользователя похоже на уже занятое"
INVISIBLE = "Пароль не может состоять только из пробелов и невидимых символов."


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize("login", ["аdmin", "оperatоr", "Ivanоv", "Петrov"])  # Cyrillic а, о
def test_a_login_mixing_alphabets_is_refused(client, login):
    response = client.post(REGISTER, registration_data(username=login))
    assert MIXED in field_error(response.content.decode(), "username")
    assert not User.objects.exists()


@pytest.mark.parametrize("login", ["Петров", "ivanov_2", "Анна-Мария"])
def test_one_alphabet_with_digits_and_signs_is_fine(client, login):
    assert client.post(REGISTER, registration_data(username=login)).status_code == 302


@pytest.mark.parametrize(
    ("existing", "lookalike"),
    [
        ("admin", "АДМ"),  # not a lookalike: a control
        ("operator", "ОРЕRАТОR"),  # mixed: refused by the alphabet rule
        ("COPE", "СОРЕ"),  # all Cyrillic, looks like COPE
        ("Ivan", "lvan"),
        ("Ivan0", "IvanO"),
    ],
)
def test_a_login_that_looks_like_a_taken_one_is_refused(client, existing, lookalike):
    register(username=existing, email="first@example.com")
    response = client.post(REGISTER, registration_data(username=lookalike))
    html = response.content.decode()
    same_shape = username_skeleton(existing) == username_skeleton(lookalike)
    if lookalike == "АДМ":
        assert not same_shape and response.status_code == 302
    elif lookalike == "ОРЕRАТОR":
        assert MIXED in field_error(html, "username")
    else:
        assert same_shape
        assert CONFUSABLE in field_error(html, "username")
        assert User.objects.count() == 1


def test_the_skeleton_is_kept_in_step_with_the_login():
    user = register(username="Ivanov")
    assert User.objects.get(pk=user.pk).username_skeleton == username_skeleton("Ivanov")
    user.username = "Petrov"
    user.save(update_fields=["username"])
    assert User.objects.get(pk=user.pk).username_skeleton == "petrov"


INVISIBLE_PASSWORDS = [" " * 8, "\u200b" * 8, "\u3164" * 8, " \u200b\u00a0\u2060 \u200b\ufeff "]


@pytest.mark.parametrize("password", INVISIBLE_PASSWORDS)
def test_registration_refuses_a_password_of_spaces_or_invisible_characters(client, password):
    response = client.post(REGISTER, registration_data(password1=password, password2=password))
    assert INVISIBLE in field_error(response.content.decode(), "password1")
    assert not User.objects.exists()


def test_a_passphrase_with_spaces_is_fine(client):
    phrase = "зеленая лампа на окне"
    response = client.post(REGISTER, registration_data(password1=phrase, password2=phrase))
    assert response.status_code == 302


@pytest.mark.parametrize("password", INVISIBLE_PASSWORDS[:2])
def test_recovery_refuses_an_invisible_password(client, active_user, password):
    client.post(reverse("accounts:password_reset"), {"login": "petrova"})
    client.get(last_mail_link(r"/password/reset/(?!done)[^/]+/$"))
    response = client.post(
        reverse("accounts:password_reset_set"), {"password1": password, "password2": password}
    )
    assert response.status_code == 200
    assert INVISIBLE in field_error(response.content.decode(), "password1")


@pytest.mark.parametrize("password", INVISIBLE_PASSWORDS[:2])
def test_the_profile_refuses_an_invisible_password(client, active_user, password):
    client.force_login(active_user)
    response = client.post(
        reverse("cabinet:profile_password"),
        {"current_password": PASSWORD, "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert INVISIBLE in field_error(response.content.decode(), "password1")
    active_user.refresh_from_db()
    assert active_user.check_password(PASSWORD)

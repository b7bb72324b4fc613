"""Helpers for accounts tests."""

import re
from urllib.parse import urlsplit

from django.core import mail

from kabinet.accounts import legal, services
from tests.factories import PASSWORD

LINK_RE = re.compile(r"https?://[^\s<>\"]+")


def registration_data(**overrides) -> dict:
    data = {
        "username": "Ivanov",
        "email": "ivanov@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "phone": "8 (912) 345-67-89",
        "captcha_0": "any-key",
        "captcha_1": "PASSED",
        "accept_terms": "on",
        "accept_personal_data": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def register(*, username="Ivanov", email="ivanov@example.com", password=PASSWORD, ip="127.0.0.1"):
    """A resident who registered and has not activated yet (the activation mail is sent)."""
    return services.user_register(
        username=username,
        email=email,
        password=password,
        phone="+79123456789",
        accepted=[legal.TERMS, legal.PERSONAL_DATA],
        ip=ip,
    ).user


def links_in(message) -> list[str]:
    return LINK_RE.findall(message.body)


def path_of(url: str) -> str:
    return urlsplit(url).path


def last_mail_link(pattern: str) -> str:
    """The path of the first link matching `pattern` in the last e-mail sent."""
    message = mail.outbox[-1]
    for link in links_in(message):
        if re.search(pattern, link):
            return path_of(link)
    raise AssertionError(f"no link matching {pattern!r} in {message.body!r}")

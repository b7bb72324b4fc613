"""Outgoing e-mail, one function per message (healthchecks style).

Each message `<name>` has three templates under `templates/emails/`:
`<name>-subject.txt`, `<name>-body-text.txt` and `<name>-body-html.html`.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from kabinet.core.masking import mask_email


@dataclass(frozen=True)
class Sent:
    to: str
    saved_to: str | None = None  # the .eml file, when the demo's file backend is in use


def absolute_url(path: str) -> str:
    """An absolute link for an e-mail, on SITE_URL (never on the request's Host header)."""
    return settings.SITE_URL.rstrip("/") + path


class _OneLineHeader(str):
    """An ASCII header value written on one line. Python's e-mail folding turns a long
    word without spaces (a List-Unsubscribe URL) into RFC 2047 encoded words, which mail
    clients do not read in such headers; a line of up to 998 characters is allowed."""

    def __new__(cls, name: str, value: str):
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


class _Message(EmailMultiAlternatives):
    one_line_headers: tuple[str, ...] = ()

    def message(self, **kwargs):
        message = super().message(**kwargs)
        for name in self.one_line_headers:
            value = message[name]
            if value is not None and str(value).isascii():
                del message[name]
                message[name] = _OneLineHeader(name, str(value))
        return message


def send(name: str, *, to: str, context: dict, headers: dict | None = None) -> Sent:
    """Render `emails/<name>-*` with `context` and send it; `headers` are extra message
    headers (List-Unsubscribe, say), each written on one line."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = " ".join(subject.split())  # one line: a newline in a header is an error
    text = render_to_string(f"emails/{name}-body-text.txt", context)
    html = render_to_string(f"emails/{name}-body-html.html", context)
    message = _Message(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers or None)
    message.one_line_headers = tuple(headers or ())
    message.attach_alternative(html, "text/html")
    message.send()
    return Sent(to=to, saved_to=getattr(message, "kabinet_saved_to", None))


def activation(*, user, token: str, valid_days: int) -> Sent:
    return send(
        "activation",
        to=user.email,
        context={
            "user": user,
            "link": absolute_url(reverse("accounts:activation_link", args=[token])),
            "valid_days": valid_days,
            "resend_link": absolute_url(reverse("accounts:activation_resend")),
        },
    )


def password_reset(*, user, token: str, valid_minutes: int) -> Sent:
    return send(
        "password-reset",
        to=user.email,
        context={
            "user": user,
            "link": absolute_url(reverse("accounts:password_reset_link", args=[token])),
            "valid_minutes": valid_minutes,
            "reset_link": absolute_url(reverse("accounts:password_reset")),
        },
    )


def email_change(*, user, token: str, new_email: str, valid_hours: int) -> Sent:
    """To the new address: the link that confirms it."""
    return send(
        "email-change",
        to=new_email,
        context={
            "user": user,
            "new_email": new_email,
            "link": absolute_url(reverse("accounts:email_change_link", args=[token])),
            "valid_hours": valid_hours,
        },
    )


def email_changed(*, user, old_email: str) -> Sent:
    """To the old address: it has been replaced (the new one shown masked)."""
    return send(
        "email-changed",
        to=old_email,
        context={"user": user, "new_email_masked": mask_email(user.email)},
    )


def password_changed(*, user, when, client_ip: str | None) -> Sent:
    return send(
        "password-changed",
        to=user.email,
        context={
            "user": user,
            "when": when,
            "client_ip": client_ip,
            "reset_link": absolute_url(reverse("accounts:password_reset")),
        },
    )


def user_deleted(*, user, email: str, username: str) -> Sent:
    """The confirmation of a deleted account, to the address it had."""
    return send(
        "user-deleted",
        to=email,
        context={
            "username": username,
            "register_link": absolute_url(reverse("accounts:register")),
            "retention": settings.ACCOUNT_CONSENT_PROOF_RETENTION_YEARS,
        },
    )

"""Writes for accounts: registration, activation, password recovery.

Each service owns its transaction. Mail goes out after the commit, so a slow or
failing mail server never holds a transaction open nor undoes a registration;
a failure is logged and reported to the caller, who can offer to send again.
"""

import logging
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction
from django.utils import timezone

from kabinet.core.security import log_event

from . import emails, legal, selectors
from .models import AccountToken, Consent, User
from .security import login_key
from .selectors import TokenState, token_digest

Purpose = AccountToken.Purpose


class RegistrationConflict(Exception):
    """The login or the e-mail is taken (regardless of case)."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class TokenRefused(Exception):
    """A link that cannot be used: unknown, expired or already used."""

    def __init__(self, state: TokenState):
        super().__init__(state.value)
        self.state = state


@dataclass(frozen=True)
class Registered:
    user: User
    mail: emails.Sent | None  # None: the activation e-mail could not be sent


def activation_lifetime() -> timedelta:
    return timedelta(seconds=settings.ACCOUNT_ACTIVATION_TIMEOUT)


def password_reset_lifetime() -> timedelta:
    return timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def _token_issue(*, user: User, purpose: str, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    AccountToken.objects.create(
        user=user,
        purpose=purpose,
        digest=token_digest(token),
        created_at=now,
        expires_at=now + lifetime,
    )
    return token


def _tokens_retire(*, user: User, purpose: str, now) -> None:
    AccountToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )


def _recently_mailed(*, user: User, purpose: str) -> bool:
    """One e-mail of a kind per user per ACCOUNT_MAIL_COOLDOWN seconds: no mail bombing."""
    latest = selectors.token_latest_created_at(user=user, purpose=purpose)
    cooldown = timedelta(seconds=settings.ACCOUNT_MAIL_COOLDOWN)
    return latest is not None and timezone.now() - latest < cooldown


def _mail(send, *, user: User, ip: str | None, **kwargs) -> emails.Sent | None:
    try:
        return send(user=user, **kwargs)
    except (smtplib.SMTPException, OSError) as error:
        log_event(
            "mail.failed",
            ip=ip,
            user_id=user.pk,
            level=logging.ERROR,
            kind=send.__name__,
            error=type(error).__name__,
        )
        return None


def _send_activation(*, user: User, token: str, ip: str | None) -> emails.Sent | None:
    days = max(1, round(activation_lifetime() / timedelta(days=1)))
    return _mail(emails.activation, user=user, ip=ip, token=token, valid_days=days)


def user_register(
    *,
    username: str,
    email: str,
    password: str,
    phone: str,
    accepted: Sequence[legal.LegalDocument],
    ip: str | None,
) -> Registered:
    """Create an inactive resident, record the consents and send the activation link."""
    missing = set(legal.CURRENT) - {document.kind for document in accepted}
    if missing:
        raise ValueError(f"Registration needs every current legal text accepted: {missing}")
    user = User(
        username=username,
        email=email,
        phone=phone,
        is_active=False,
        activation_pending=True,
    )
    password_validation.validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic(durable=True):
            if selectors.username_exists(username=username):
                raise RegistrationConflict("username")
            if selectors.email_exists(email=email):
                raise RegistrationConflict("email")
            user.save()
            now = timezone.now()
            Consent.objects.bulk_create(
                Consent(
                    user=user,
                    document=document.kind,
                    version=document.version,
                    accepted_at=now,
                    ip_address=ip,
                )
                for document in accepted
            )
            token = _token_issue(
                user=user, purpose=Purpose.ACTIVATION, lifetime=activation_lifetime()
            )
    except IntegrityError as error:
        # Someone took the login or the address between our check and our insert.
        if selectors.username_exists(username=username):
            raise RegistrationConflict("username") from error
        if selectors.email_exists(email=email):
            raise RegistrationConflict("email") from error
        raise
    log_event("registration", ip=ip, user_id=user.pk)
    sent = _send_activation(user=user, token=token, ip=ip)
    if sent:
        log_event("activation.sent", ip=ip, user_id=user.pk)
    return Registered(user=user, mail=sent)


def activation_resend(*, login: str, ip: str | None) -> None:
    """Send a new activation link if `login` names an account awaiting activation.

    Says nothing either way: the caller answers alike for every login.
    """
    user = selectors.user_find_by_login(login=login)
    if user is None or not user.can_self_activate or not user.email:
        log_event("activation.resend", ip=ip, user_id=user.pk if user else None, result="ignored")
        return
    if _recently_mailed(user=user, purpose=Purpose.ACTIVATION):
        log_event("activation.resend", ip=ip, user_id=user.pk, result="cooldown")
        return
    with transaction.atomic(durable=True):
        token = _token_issue(user=user, purpose=Purpose.ACTIVATION, lifetime=activation_lifetime())
    if _send_activation(user=user, token=token, ip=ip):
        log_event("activation.sent", ip=ip, user_id=user.pk)


def _token_redeem(*, token: str, purpose: str, ip: str | None) -> AccountToken:
    """Lock and check a token inside the caller's transaction; raise TokenRefused."""
    found = None
    if token and len(token) <= selectors.TOKEN_MAX_LENGTH:
        found = (
            AccountToken.objects.select_for_update()
            .filter(digest=token_digest(token), purpose=purpose)
            .first()
        )
    state = TokenState.INVALID
    if found is not None:
        if found.used_at is not None:
            state = TokenState.USED
        elif found.is_expired():
            state = TokenState.EXPIRED
        else:
            user = User.objects.select_for_update().get(pk=found.user_id)
            if user.is_active or user.can_self_activate:
                found.user = user
                return found
    log_event(
        f"{purpose}.refused",
        ip=ip,
        user_id=found.user_id if found else None,
        level=logging.WARNING,
        reason=state.value,
    )
    raise TokenRefused(state)


def user_activate(*, token: str, ip: str | None) -> User:
    """Activate the account the link was sent for; the link works once."""
    with transaction.atomic(durable=True):
        found = _token_redeem(token=token, purpose=Purpose.ACTIVATION, ip=ip)
        user = found.user
        now = timezone.now()
        _tokens_retire(user=user, purpose=Purpose.ACTIVATION, now=now)
        user.is_active = True
        user.activation_pending = False
        user.save(update_fields=["is_active", "activation_pending"])
    log_event("activation", ip=ip, user_id=user.pk)
    return user


def password_reset_request(*, login: str, ip: str | None) -> None:
    """Mail a password recovery link if `login` names an account that may have one.

    Says nothing either way: the caller answers alike for every login. An account
    awaiting activation may recover too (following the link proves the address).
    """
    user = selectors.user_find_by_login(login=login)
    if user is None or not user.email or not (user.is_active or user.can_self_activate):
        log_event(
            "password_reset.requested", ip=ip, user_id=user.pk if user else None, result="ignored"
        )
        return
    if _recently_mailed(user=user, purpose=Purpose.PASSWORD_RESET):
        log_event("password_reset.requested", ip=ip, user_id=user.pk, result="cooldown")
        return
    with transaction.atomic(durable=True):
        token = _token_issue(
            user=user, purpose=Purpose.PASSWORD_RESET, lifetime=password_reset_lifetime()
        )
    minutes = max(1, round(password_reset_lifetime() / timedelta(minutes=1)))
    sent = _mail(emails.password_reset, user=user, ip=ip, token=token, valid_minutes=minutes)
    log_event(
        "password_reset.requested", ip=ip, user_id=user.pk, result="sent" if sent else "failed"
    )


def password_reset_user(*, token: str) -> User | None:
    """The user a still-usable recovery link belongs to (for the new-password form)."""
    check = selectors.token_check(token=token, purpose=Purpose.PASSWORD_RESET)
    if not check.valid:
        return None
    user = check.token.user
    return user if user.is_active or user.can_self_activate else None


def password_reset_complete(*, token: str, password: str, ip: str | None) -> User:
    """Set a new password through a recovery link.

    The link works once; every other recovery link of the user dies with it; every
    session of the user ends (the session hash Django keeps depends on the password);
    the login throttle of the account is cleared; an account awaiting activation
    becomes active.
    """
    with transaction.atomic(durable=True):
        found = _token_redeem(token=token, purpose=Purpose.PASSWORD_RESET, ip=ip)
        user = found.user
        password_validation.validate_password(password, user)
        now = timezone.now()
        _tokens_retire(user=user, purpose=Purpose.PASSWORD_RESET, now=now)
        user.set_password(password)
        fields = ["password"]
        if user.can_self_activate:
            _tokens_retire(user=user, purpose=Purpose.ACTIVATION, now=now)
            user.is_active, user.activation_pending = True, False
            fields += ["is_active", "activation_pending"]
        user.save(update_fields=fields)
    axes_reset(username=login_key(user.username))
    log_event("password_reset.completed", ip=ip, user_id=user.pk)
    return user


def user_access_set(*, user: User, active: bool, by: User | None, ip: str | None = None) -> User:
    """Staff decide that a user may log in (active) or not (blocked).

    Either decision ends self-service activation: a user blocked here cannot unblock
    themselves with an old or a new activation link, and one made active needs none.
    """
    with transaction.atomic(durable=True):
        user.is_active = active
        user.activation_pending = False
        user.save(update_fields=["is_active", "activation_pending"])
    log_event(
        "user.unblocked" if active else "user.blocked",
        ip=ip,
        user_id=user.pk,
        by=by.pk if by else "-",
    )
    return user

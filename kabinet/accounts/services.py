"""Writes for accounts: registration, activation, password recovery, and the profile
(e-mail change, phone, password change, ending sessions, deleting the user).

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

from axes.models import AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import password_validation
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from kabinet.core.security import log_event

from . import emails, legal, selectors, sessions, throttle
from .models import AccountToken, Consent, User
from .selectors import TokenState, token_digest
from .validators import phone_normalize

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
    user: User  # the activation mail is queued for the task worker


def activation_lifetime() -> timedelta:
    return timedelta(seconds=settings.ACCOUNT_ACTIVATION_TIMEOUT)


def password_reset_lifetime() -> timedelta:
    return timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def email_change_lifetime() -> timedelta:
    return timedelta(seconds=settings.ACCOUNT_EMAIL_CHANGE_TIMEOUT)


def _token_issue(*, user: User, purpose: str, lifetime: timedelta, new_email: str = "") -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    AccountToken.objects.create(
        user=user,
        purpose=purpose,
        digest=token_digest(token),
        created_at=now,
        expires_at=now + lifetime,
        new_email=new_email,
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
            if selectors.username_exists(username=username) or selectors.username_confusable(
                username=username
            ):
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
    except IntegrityError as error:
        # Someone took the login or the address between our check and our insert.
        if selectors.username_exists(username=username):
            raise RegistrationConflict("username") from error
        if selectors.email_exists(email=email):
            raise RegistrationConflict("email") from error
        raise
    log_event("registration", ip=ip, user_id=user.pk)
    _mail_enqueue(kind=MAIL_ACTIVATION, user_id=user.pk, ip=ip)
    return Registered(user=user)


MAIL_ACTIVATION = "activation"
MAIL_PASSWORD_RESET = "password_reset"


def _mail_enqueue(*, kind: str, user_id: int | None, ip: str | None) -> None:
    """Queue the mail for the task worker; an unknown login queues a task that sends
    nothing, so every answer costs the same (docs/security.md)."""
    from .tasks import account_mail_task

    account_mail_task.enqueue(kind=kind, user_id=user_id, ip=ip)


def account_mail_send(*, kind: str, user_id: int | None, ip: str | None) -> None:
    """The task worker's half of activation and recovery: check the user again, issue a
    link (one per ACCOUNT_MAIL_COOLDOWN) and send it. The outcome goes to the security log."""
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if kind == MAIL_ACTIVATION:
        _activation_send(user=user, ip=ip)
    elif kind == MAIL_PASSWORD_RESET:
        _password_reset_send(user=user, ip=ip)
    else:
        raise ValueError(f"Unknown account mail: {kind!r}")


def _activation_send(*, user: User | None, ip: str | None) -> None:
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


def activation_resend(*, login: str, ip: str | None) -> None:
    """Queue a new activation link if `login` names an account awaiting activation.

    Says nothing either way: the caller answers alike for every login, and the
    request costs the same (the worker decides, `account_mail_send`).
    """
    user = selectors.user_find_by_login(login=login)
    _mail_enqueue(kind=MAIL_ACTIVATION, user_id=user.pk if user else None, ip=ip)


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
    """Queue a password recovery link if `login` names an account that may have one.

    Says nothing either way: the caller answers alike for every login, and the
    request costs the same (the worker decides, `account_mail_send`). An account
    awaiting activation may recover too (following the link proves the address).
    """
    user = selectors.user_find_by_login(login=login)
    _mail_enqueue(kind=MAIL_PASSWORD_RESET, user_id=user.pk if user else None, ip=ip)


def _password_reset_send(*, user: User | None, ip: str | None) -> None:
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

    The link works once; every other recovery link of the user dies with it, and so does
    a pending e-mail change; every session of the user ends (the session hash Django
    keeps depends on the password);
    the login throttle of the account is cleared; an account awaiting activation
    becomes active.
    """
    with transaction.atomic(durable=True):
        found = _token_redeem(token=token, purpose=Purpose.PASSWORD_RESET, ip=ip)
        user = found.user
        password_validation.validate_password(password, user)
        now = timezone.now()
        _tokens_retire(user=user, purpose=Purpose.PASSWORD_RESET, now=now)
        _tokens_retire(user=user, purpose=Purpose.EMAIL_CHANGE, now=now)
        user.set_password(password)
        fields = ["password"]
        if user.can_self_activate:
            _tokens_retire(user=user, purpose=Purpose.ACTIVATION, now=now)
            user.is_active, user.activation_pending = True, False
            fields += ["is_active", "activation_pending"]
        user.save(update_fields=fields)
        sessions.sessions_forget(user=user)
    throttle.failures_forget(login=user.username, every_address=True)
    log_event("password_reset.completed", ip=ip, user_id=user.pk)
    return user


def user_access_set(*, user: User, active: bool, by: User | None, ip: str | None = None) -> User:
    """Staff decide that a user may log in (active) or not (blocked).

    Either decision ends self-service activation: a user blocked here cannot unblock
    themselves with an old or a new activation link, and one made active needs none.
    A blocked user's sessions end. Not durable: the admin's change form calls it inside
    its own transaction.
    """
    with transaction.atomic():
        user.is_active = active
        user.activation_pending = False
        user.save(update_fields=["is_active", "activation_pending"])
        if not active:
            sessions.sessions_forget(user=user)  # a blocked user's sessions are void
    log_event(
        "user.unblocked" if active else "user.blocked",
        ip=ip,
        user_id=user.pk,
        by=by.pk if by else "-",
    )
    return user


# --- the profile: e-mail, phone, password, sessions, deleting the user ---------------
# docs/profile.md. Changes that need the current password take it as an argument and
# raise PasswordRefused (logged) before anything else is looked at.


class PasswordRefused(Exception):
    """The current password, asked to confirm a change, is wrong."""


class EmailChangeRefused(Exception):
    """A new e-mail address that cannot be taken: "same" (the current one), "taken" (by
    another user, regardless of case) or "cooldown" (a link was mailed a moment ago)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _password_check(*, user: User, password: str, ip: str | None, action: str) -> None:
    if not user.check_password(password):
        log_event("password.refused", ip=ip, user_id=user.pk, level=logging.WARNING, action=action)
        raise PasswordRefused


def email_change_request(
    *, user: User, new_email: str, password: str, ip: str | None
) -> emails.Sent | None:
    """Mail a confirmation link to `new_email`; the address changes when it is followed.

    The current password is asked first, so that whether an address is taken is told
    only to the account's owner. A new request replaces the pending one (only the latest
    link works); at most one such e-mail a minute (ACCOUNT_MAIL_COOLDOWN).
    """
    new_email = User.objects.normalize_email(new_email.strip())
    _password_check(user=user, password=password, ip=ip, action="email_change")
    reason = None
    if new_email.lower() == (user.email or "").lower():
        reason = "same"
    elif selectors.email_exists(email=new_email, except_user_id=user.pk):
        reason = "taken"
    elif _recently_mailed(user=user, purpose=Purpose.EMAIL_CHANGE):
        reason = "cooldown"
    if reason:
        log_event("email_change.refused", ip=ip, user_id=user.pk, reason=reason)
        raise EmailChangeRefused(reason)
    with transaction.atomic(durable=True):
        _tokens_retire(user=user, purpose=Purpose.EMAIL_CHANGE, now=timezone.now())
        token = _token_issue(
            user=user,
            purpose=Purpose.EMAIL_CHANGE,
            lifetime=email_change_lifetime(),
            new_email=new_email,
        )
    hours = max(1, round(email_change_lifetime() / timedelta(hours=1)))
    sent = _mail(
        emails.email_change, user=user, ip=ip, token=token, new_email=new_email, valid_hours=hours
    )
    log_event(
        "email_change.requested", ip=ip, user_id=user.pk, result="sent" if sent else "failed"
    )
    return sent


def email_change_user(*, token: str) -> User | None:
    """The user a still-usable e-mail confirmation link belongs to (for its page)."""
    check = selectors.token_check(token=token, purpose=Purpose.EMAIL_CHANGE)
    return check.token.user if check.valid and check.token.user.is_active else None


def email_change_confirm(*, token: str, ip: str | None) -> User:
    """Replace the user's e-mail by the address the link was sent to, and tell the old one.

    Raises TokenRefused for an unknown, used, expired or superseded link, and
    EmailChangeRefused("taken") if someone else took the address in the meantime.
    Recovery links mailed to the old address die with the change.
    """
    with transaction.atomic(durable=True):
        found = _token_redeem(token=token, purpose=Purpose.EMAIL_CHANGE, ip=ip)
        user = found.user
        if not user.is_active:
            raise TokenRefused(TokenState.INVALID)
        if selectors.email_exists(email=found.new_email, except_user_id=user.pk):
            log_event("email_change.refused", ip=ip, user_id=user.pk, reason="taken")
            raise EmailChangeRefused("taken")
        old_email = user.email
        now = timezone.now()
        _tokens_retire(user=user, purpose=Purpose.EMAIL_CHANGE, now=now)
        _tokens_retire(user=user, purpose=Purpose.PASSWORD_RESET, now=now)
        user.email = found.new_email
        try:
            with transaction.atomic():
                user.save(update_fields=["email"])
        except IntegrityError as error:  # taken between the check and the save
            raise EmailChangeRefused("taken") from error
    log_event("email_change.confirmed", ip=ip, user_id=user.pk)
    if old_email:
        _mail(emails.email_changed, user=user, ip=ip, old_email=old_email)
    return user


def phone_change(*, user: User, phone: str, ip: str | None) -> User:
    """Set the mobile phone (the registration rules: Russian mobile numbers, E.164)."""
    phone = phone_normalize(phone.strip())
    if phone == user.phone:
        return user
    with transaction.atomic(durable=True):
        user.phone = phone
        user.save(update_fields=["phone"])
    log_event("phone.changed", ip=ip, user_id=user.pk)
    return user


def password_change(
    *,
    user: User,
    current_password: str,
    new_password: str,
    keep_session_key: str | None,
    ip: str | None,
) -> User:
    """Set a new password, given the current one; e-mail a notice.

    Every session of the user but `keep_session_key`'s ends (Django's session hash
    depends on the password; the caller re-signs the session it keeps with
    `update_session_auth_hash`). Pending recovery and e-mail change links die too: one
    who changes the password because of an intruder cancels what the intruder asked.
    """
    _password_check(user=user, password=current_password, ip=ip, action="password_change")
    password_validation.validate_password(new_password, user)
    with transaction.atomic(durable=True):
        now = timezone.now()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _tokens_retire(user=user, purpose=Purpose.PASSWORD_RESET, now=now)
        _tokens_retire(user=user, purpose=Purpose.EMAIL_CHANGE, now=now)
        ended = sessions.sessions_forget(user=user, keep_session_key=keep_session_key)
    log_event("password.changed", ip=ip, user_id=user.pk, sessions_ended=ended)
    if user.email:
        _mail(emails.password_changed, user=user, ip=ip, when=now, client_ip=ip)
    return user


def sessions_end_others(*, user: User, keep_session_key: str | None, ip: str | None) -> int:
    """End every session of the user but `keep_session_key`'s; return how many rows went.

    A new session salt makes every session's proof stale (`User.get_session_auth_hash`),
    whatever the session store: an ended session is logged out at its next request. The
    caller re-signs the session it keeps with `update_session_auth_hash`.
    """
    with transaction.atomic(durable=True):
        user.session_salt = secrets.token_hex(16)
        user.save(update_fields=["session_salt"])
        ended = sessions.sessions_forget(user=user, keep_session_key=keep_session_key)
    log_event("sessions.ended", ip=ip, user_id=user.pk, count=ended)
    return ended


def consent_subject_digest(email: str) -> str:
    """How a withdrawn consent is found again: the SHA-256 of the e-mail in lower case."""
    return token_digest(email.strip().lower())


def user_delete(*, user: User, password: str, ip: str | None) -> None:
    """The resident deletes their own account, confirming it with the password."""
    _password_check(user=user, password=password, ip=ip, action="user_delete")
    user_erase(user=user, ip=ip)


def user_erase(*, user: User, ip: str | None, by: User | None = None) -> None:
    """Delete the user and the personal data Kabinet holds about them (152-ФЗ ст. 21).

    Deleted: the user (login, e-mail, phone, password, names), their one-time links,
    session rows, account links with their subscriptions (housing cascades), and the
    login throttle's records of the login (accounts.throttle) and its login history
    (django-axes). Kept, without the user
    (docs/profile.md says why and how long): the consents as proof of consent
    (`Consent.withdrawn_at`, `subject_digest`), the attach attempts (SET_NULL: they guard
    accounts against guessing), the accounts and their ledgers (the organization's), the
    security log's lines. Staff's admin history of the user loses the login it named.
    The login and the e-mail are free for a new registration at once. A confirmation is
    mailed to the address after the commit. Also called by the admin's delete (`by`).
    """
    user_id, username, email = user.pk, user.username, user.email
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user_id).values_list("pk").first()
        Consent.objects.filter(user_id=user_id).update(
            user=None,
            withdrawn_at=now,
            subject_digest=consent_subject_digest(email) if email else "",
        )
        throttle.failures_forget(login=username, every_address=True)
        AccessLog.objects.alias(username_ci=Lower("username")).filter(
            username_ci=username.lower()
        ).delete()
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
        ).update(object_repr=f"#{user_id}")
        user.delete()
        if email:
            transaction.on_commit(
                lambda: _mail(
                    emails.user_deleted, user=user, ip=ip, email=email, username=username
                )
            )
    log_event("user.deleted", ip=ip, user_id=user_id, by=by.pk if by else "-")


@dataclass(frozen=True)
class Purged:
    sessions: int
    consents: int
    login_failures: int = 0
    login_history: int = 0


def personal_data_purge(*, now=None) -> Purged:
    """Delete expired session rows, the proofs of consent of users deleted more than
    ACCOUNT_CONSENT_PROOF_RETENTION_YEARS ago, failed logins older than
    ACCOUNT_LOGIN_FAILURE_RETENTION and the login history older than
    ACCOUNT_LOGIN_HISTORY_RETENTION (`manage.py accounts_purge`, daily)."""
    now = now or timezone.now()
    years = settings.ACCOUNT_CONSENT_PROOF_RETENTION_YEARS
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    with transaction.atomic(durable=True):
        ended = sessions.sessions_purge_expired()
        consents, _by_model = Consent.objects.filter(
            user__isnull=True, withdrawn_at__lte=cutoff
        ).delete()
        failures = throttle.failures_purge(now=now)
        history, _by_model = AccessLog.objects.filter(
            attempt_time__lt=now - settings.ACCOUNT_LOGIN_HISTORY_RETENTION
        ).delete()
    if ended or consents or failures or history:
        log_event(
            "personal_data.purged",
            sessions=ended,
            consents=consents,
            login_failures=failures,
            login_history=history,
        )
    return Purged(
        sessions=ended, consents=consents, login_failures=failures, login_history=history
    )

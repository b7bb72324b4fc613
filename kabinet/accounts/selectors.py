"""Reads for accounts: users by login or e-mail, one-time tokens, the profile (a pending
e-mail change, active sessions, everything held about a user)."""

import datetime
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from axes.models import AccessLog
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .devices import device_name
from .models import AccountToken, User, UserSession
from .validators import phone_display, username_normalize, username_skeleton

TOKEN_MAX_LENGTH = 128  # longer input is not a token of ours: refused without a query


def login_clean(raw: str) -> str:
    """What a person typed as a login or e-mail, normalised like logins are stored."""
    return username_normalize(raw)


def user_find_by_login(*, login: str) -> User | None:
    """The user whose login or e-mail is `login`, regardless of case, or None.

    A login match wins over an e-mail match (a staff login may look like an address).
    """
    key = (login or "").strip().lower()
    if not key or "\x00" in key:  # no login holds NUL, and PostgreSQL refuses it in a query
        return None
    candidates = list(
        User.objects.alias(username_ci=Lower("username"), email_ci=Lower("email")).filter(
            Q(username_ci=key) | Q(email_ci=key)
        )[:2]
    )
    candidates.sort(key=lambda user: user.username.lower() != key)
    return candidates[0] if candidates else None


def username_exists(*, username: str) -> bool:
    return User.objects.with_username(username.strip()).exists()


def username_confusable(*, username: str) -> bool:
    """Does an existing login look like this one (the same skeleton: "аdmin", "ADMlN")?"""
    return User.objects.filter(username_skeleton=username_skeleton(username.strip())).exists()


def email_exists(*, email: str, except_user_id: int | None = None) -> bool:
    """Whether a user (other than `except_user_id`) has this address, regardless of case."""
    users = User.objects.alias(email_ci=Lower("email")).filter(email_ci=email.strip().lower())
    if except_user_id is not None:
        users = users.exclude(pk=except_user_id)
    return users.exists()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokenState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    INVALID = "invalid"


@dataclass(frozen=True)
class TokenCheck:
    state: TokenState
    token: AccountToken | None = None

    @property
    def valid(self) -> bool:
        return self.state is TokenState.VALID


def token_check(*, token: str, purpose: str) -> TokenCheck:
    """Look a token up by its digest and say whether it can still be used."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return TokenCheck(TokenState.INVALID)
    found = (
        AccountToken.objects.select_related("user")
        .filter(digest=token_digest(token), purpose=purpose)
        .first()
    )
    if found is None:
        return TokenCheck(TokenState.INVALID)
    if found.used_at is not None:
        return TokenCheck(TokenState.USED, found)
    if found.is_expired(timezone.now()):
        return TokenCheck(TokenState.EXPIRED, found)
    return TokenCheck(TokenState.VALID, found)


def token_latest_created_at(*, user: User, purpose: str):
    return (
        AccountToken.objects.filter(user=user, purpose=purpose)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


# --- the profile ------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingEmail:
    new_email: str
    expires_at: datetime.datetime


def email_change_pending(*, user: User) -> PendingEmail | None:
    """The address a confirmation link was sent to and not yet followed, if any."""
    token = (
        AccountToken.objects.filter(
            user=user,
            purpose=AccountToken.Purpose.EMAIL_CHANGE,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )
    return PendingEmail(token.new_email, token.expires_at) if token else None


@dataclass(frozen=True)
class ActiveSession:
    device: str
    user_agent: str
    ip_address: str | None
    created_at: datetime.datetime
    last_seen_at: datetime.datetime
    expires_at: datetime.datetime
    current: bool  # the session asking


def user_sessions(*, user: User, current_session_key: str | None) -> list[ActiveSession]:
    """The user's sessions that have not expired, the one asking first, then by last use."""
    current = token_digest(current_session_key) if current_session_key else None
    rows = UserSession.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        "-last_seen_at", "-id"
    )
    found = [
        ActiveSession(
            device=device_name(row.user_agent),
            user_agent=row.user_agent,
            ip_address=row.ip_address,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            current=row.key_digest == current,
        )
        for row in rows
    ]
    found.sort(key=lambda session: not session.current)  # stable: the rest keep their order
    return found


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def user_personal_data(*, user: User) -> dict:
    """What the accounts app holds about the user, as JSON-ready data ("Скачать мои данные").

    Secrets are left out: no password hash, no session keys (not even their digests), no
    one-time tokens; of the one-time links only what they were for and when.
    """
    consents = [
        {
            "document": consent.document,
            "title": str(consent.get_document_display()),
            "version": consent.version,
            "accepted_at": _iso(consent.accepted_at),
            "ip_address": consent.ip_address,
        }
        for consent in user.consents.order_by("accepted_at", "id")
    ]
    links = [
        {
            "purpose": token.purpose,
            "title": str(token.get_purpose_display()),
            "created_at": _iso(token.created_at),
            "expires_at": _iso(token.expires_at),
            "used_at": _iso(token.used_at),
            **({"new_email": token.new_email} if token.new_email else {}),
        }
        for token in user.account_tokens.order_by("created_at", "id")
    ]
    sessions = [
        {
            "device": session.device,
            "user_agent": session.user_agent,
            "ip_address": session.ip_address,
            "created_at": _iso(session.created_at),
            "last_seen_at": _iso(session.last_seen_at),
            "expires_at": _iso(session.expires_at),
        }
        for session in user_sessions(user=user, current_session_key=None)
    ]
    logins = [
        {
            "logged_in_at": _iso(entry.attempt_time),
            "logged_out_at": _iso(entry.logout_time),
            "ip_address": entry.ip_address,
            "user_agent": entry.user_agent,
        }
        for entry in AccessLog.objects.alias(username_ci=Lower("username"))
        .filter(username_ci=user.username.lower())
        .order_by("attempt_time", "id")
    ]
    return {
        "profile": {
            "username": user.username,
            "email": user.email,
            "phone": user.phone,
            "phone_display": phone_display(user.phone),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
        },
        "consents": consents,
        "one_time_links": links,
        "sessions": sessions,
        "logins": logins,
    }

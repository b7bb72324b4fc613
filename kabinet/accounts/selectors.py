"""Reads for accounts: users by login or e-mail, one-time tokens."""

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .models import AccountToken, User
from .validators import username_normalize

TOKEN_MAX_LENGTH = 128  # longer input is not a token of ours: refused without a query


def login_clean(raw: str) -> str:
    """What a person typed as a login or e-mail, normalised like logins are stored."""
    return username_normalize(raw)


def user_find_by_login(*, login: str) -> User | None:
    """The user whose login or e-mail is `login`, regardless of case, or None.

    A login match wins over an e-mail match (a staff login may look like an address).
    """
    key = (login or "").strip().lower()
    if not key:
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


def email_exists(*, email: str) -> bool:
    return (
        User.objects.alias(email_ci=Lower("email")).filter(email_ci=email.strip().lower()).exists()
    )


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

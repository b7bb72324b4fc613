"""Login throttling that nobody can turn against a resident (docs/security.md).

Failed logins within ACCOUNT_LOGIN_WINDOW are counted three ways:

- by login (from any address): only ever asks for a CAPTCHA, never locks, so a
  stranger typing wrong passwords for someone's login slows an attack on it but cannot
  shut its owner out;
- by address and login: a CAPTCHA first (the login's own count), then a lock of that
  pair only: the guesser's address, not the owner's;
- by address (password spraying: many logins from one address): a CAPTCHA, then a lock of
  the address.

The back office's login (/admin/login/) is counted apart with its own, stricter limits
(ACCOUNT_LOGIN_LIMITS["admin"]). A lock ends by itself once the failures that made it
are older than the window; tries during it are refused without checking the password (no
hashing work) and are not counted. Known and unknown logins are counted alike, so the
answers cannot tell them apart. The typed login is never stored: only a keyed digest of
the account's key (`login_digest`).
"""

import datetime
import hmac
import logging
from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from kabinet.core.security import log_event

from .models import LoginFailure
from .security import login_key

Scope = LoginFailure.Scope


@dataclass(frozen=True)
class Verdict:
    captcha: bool = False
    locked_until: datetime.datetime | None = None


def login_digest(raw: object) -> str | None:
    """HMAC-SHA256 of the login's key (one per account, whatever was typed), or None."""
    key = login_key(raw)
    if key is None:
        return None
    secret = f"kabinet.login-throttle:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, key.encode(), sha256).hexdigest()


def _limits(scope: str) -> dict:
    return settings.ACCOUNT_LOGIN_LIMITS[scope]


def verdict(
    *, scope: str, ip: str | None, login: object, now: datetime.datetime | None = None
) -> Verdict:
    """What a login try of `login` from `ip` must pass now: a CAPTCHA, or nothing (locked)."""
    now = now or timezone.now()
    since = now - settings.ACCOUNT_LOGIN_WINDOW
    digest = login_digest(login)
    limits = _limits(scope)
    by_address = Q(ip_address=ip)
    by_login = Q(login_digest=digest) if digest else Q(pk__in=[])
    counts = LoginFailure.objects.filter(
        by_address | by_login, scope=scope, created_at__gt=since
    ).aggregate(
        address=Count("pk", filter=by_address),
        pair=Count("pk", filter=by_address & by_login),
        login=Count("pk", filter=by_login),
    )
    locks = [
        (by_address & by_login, counts["pair"], limits["lock_per_address_login"]),
        (by_address, counts["address"], limits["lock_per_address"]),
    ]
    until = None
    for condition, count, limit in locks:
        if count >= limit:
            # The lock lasts until the failure that reached the limit leaves the window.
            times = LoginFailure.objects.filter(condition, scope=scope, created_at__gt=since)
            reached = times.order_by("-created_at").values_list("created_at", flat=True)[limit - 1]
            end = reached + settings.ACCOUNT_LOGIN_WINDOW
            until = max(until, end) if until else end
    captcha = (
        counts["login"] >= limits["captcha_per_login"]
        or counts["address"] >= limits["captcha_per_address"]
    )
    return Verdict(captcha=captcha, locked_until=until)


def failure_record(*, scope: str, ip: str | None, login: object) -> Verdict:
    """Count a wrong password (or an unknown login); returns the verdict for the next try."""
    now = timezone.now()
    digest = login_digest(login) or ""
    LoginFailure.objects.create(scope=scope, login_digest=digest, ip_address=ip, created_at=now)
    after = verdict(scope=scope, ip=ip, login=login, now=now)
    if after.locked_until:
        from .selectors import login_clean, user_find_by_login

        user = user_find_by_login(login=login_clean(login)) if isinstance(login, str) else None
        user_id = user.pk if user else None
        log_event("login.lockout", ip=ip, user_id=user_id, scope=scope, level=logging.WARNING)
    return after


def failures_forget(*, login: object, ip: str | None = None, every_address: bool = False) -> int:
    """A login succeeded from `ip` (its typos from there are forgotten), or the password
    was reset or the user deleted (`every_address`: all the login's failures go)."""
    digest = login_digest(login)
    if digest is None:
        return 0
    rows = LoginFailure.objects.filter(login_digest=digest)
    if not every_address:
        rows = rows.filter(ip_address=ip)
    deleted, _by_model = rows.delete()
    return deleted


def failures_purge(*, now: datetime.datetime | None = None) -> int:
    """Failures older than ACCOUNT_LOGIN_FAILURE_RETENTION (the daily purge)."""
    cutoff = (now or timezone.now()) - settings.ACCOUNT_LOGIN_FAILURE_RETENTION
    deleted, _by_model = LoginFailure.objects.filter(created_at__lt=cutoff).delete()
    return deleted

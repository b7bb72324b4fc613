"""Where a user is logged in: keeping `UserSession` rows in step with Django's sessions.

- A login makes the session's row; then a request of the logged-in user touches it at
  most every ACCOUNT_SESSION_TOUCH_INTERVAL seconds (`SessionTrackingMiddleware`),
  refreshing its last-seen time, IP and expiry (and making it again if it is missing:
  a session older than this module). When the session key changes (a login, a password change), the row follows
  the key. The time of the last touch is kept in the session itself, so requests in
  between cost no query.
- Logging out removes the row; ending sessions (`services.sessions_end_others`, a new
  password) removes the rows of the sessions it ends; expired rows of a user go when
  another of their sessions starts, and all of them with `manage.py accounts_purge`.

Only the SHA-256 digest of a session key is stored (docs/profile.md, "Active sessions").
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import IntegrityError, transaction
from django.utils import timezone

from kabinet.core.security import client_ip

from .models import UserSession
from .selectors import token_digest

TRACK = "kabinet_session_track"  # in the session: {"digest": …, "seen": epoch seconds}
USER_AGENT_MAX_LENGTH = 300


def session_digest(session_key: str) -> str:
    return token_digest(session_key)


def session_touch(
    *,
    user,
    session_key: str,
    previous_digest: str | None,
    ip: str | None,
    user_agent: str,
    expires_at,
) -> None:
    """Record that this session of `user` is in use now; make its row if it has none.

    `previous_digest` names the row of this session under its former key, if the key
    has changed since the last touch.
    """
    digest = session_digest(session_key)
    now = timezone.now()
    fields = {
        "last_seen_at": now,
        "ip_address": ip,
        "user_agent": (user_agent or "")[:USER_AGENT_MAX_LENGTH],
        "expires_at": expires_at,
    }
    with transaction.atomic():
        rows = UserSession.objects.filter(user=user)
        updated = 0
        if previous_digest and previous_digest != digest:
            updated = rows.filter(key_digest=previous_digest).update(key_digest=digest, **fields)
        if not updated:
            updated = rows.filter(key_digest=digest).update(**fields)
        if not updated:
            rows.filter(expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    UserSession.objects.create(
                        user=user, key_digest=digest, created_at=now, **fields
                    )
            except IntegrityError:  # a parallel request of this session made it first
                pass


def session_forget(*, session_key: str | None) -> None:
    """The session ended (logout): its row goes."""
    if session_key:
        UserSession.objects.filter(key_digest=session_digest(session_key)).delete()


def sessions_forget(*, user, keep_session_key: str | None = None) -> int:
    """Every row of the user's sessions but `keep_session_key`'s: they have been ended."""
    rows = UserSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(key_digest=session_digest(keep_session_key))
    deleted, _by_model = rows.delete()
    return deleted


def sessions_purge_expired() -> int:
    deleted, _by_model = UserSession.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


class SessionTrackingMiddleware:
    """Keeps the row of a logged-in user's session current (after AuthenticationMiddleware).

    Works after the view, when the session key is final (a login or a password change
    gives the session a new key). A request that did not look at the session, or whose
    last touch is recent, costs nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.session_key is None:
            return response
        if SESSION_KEY not in session:
            return response
        track = session.get(TRACK) or {}
        digest = session_digest(session.session_key)
        now = time.time()
        fresh = now - track.get("seen", 0) < settings.ACCOUNT_SESSION_TOUCH_INTERVAL
        if track.get("digest") == digest and fresh:
            return response
        # Only a session that still proves its user (Django checks the session hash here)
        # is recorded: an ended session must not come back to the list.
        if request.user.is_authenticated:
            _track(request, request.user)
        return response


def _track(request, user) -> None:
    session = request.session
    session_touch(
        user=user,
        session_key=session.session_key,
        previous_digest=(session.get(TRACK) or {}).get("digest"),
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        expires_at=session.get_expiry_date(),
    )
    session[TRACK] = {"digest": session_digest(session.session_key), "seen": int(time.time())}


def _on_logged_in(sender, request, user, **kwargs):
    # The row is made at once, so that the session's first pages cost no extra query.
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        _track(request, user)


def _on_logged_out(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        session_forget(session_key=session.session_key)


def connect_signals() -> None:
    from django.contrib.auth import signals

    signals.user_logged_in.connect(_on_logged_in, dispatch_uid="kabinet_session_login")
    signals.user_logged_out.connect(_on_logged_out, dispatch_uid="kabinet_session_logout")

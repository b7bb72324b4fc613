"""The login's key, django-axes' login history, the security log's login events.

Throttling is `accounts.throttle`; django-axes keeps only the history of successful
logins and logouts ("Скачать мои данные" shows it): `LoginHistoryHandler` makes it record
no failures and lock nobody. Security events are written with
`kabinet.core.security.log_event`.
"""

import logging

from axes.handlers.database import AxesDatabaseHandler

from kabinet.core.security import log_event


def login_key(raw: object) -> str | None:
    """The key failed logins are counted under: one per account, whatever was typed.

    "Ivanov", "IVANOV" and "ivanov@example.com" are the same account, so they share
    one counter; an unknown login gets its own counter too, so unknown and known
    logins are locked out alike (no enumeration through the lockout).
    """
    from .selectors import login_clean, user_find_by_login

    if not isinstance(raw, str):
        return None
    login = login_clean(raw)
    if not login:
        return None
    user = user_find_by_login(login=login)
    return (user.username if user else login).lower()[:255]


class LoginHistoryHandler(AxesDatabaseHandler):
    """AXES_HANDLER: the login history (AccessLog) only, no failures and no lockouts.

    django-axes stored every failure with the login as typed (often a password typed in
    the wrong box) and locked a login for everyone after 5 failures from anywhere;
    `accounts.throttle` does the counting now.
    """

    def is_allowed(self, request, credentials=None) -> bool:
        return True

    def get_failures(self, request, credentials=None) -> int:
        return 0

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        return None


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """AXES_CLIENT_STR_CALLABLE: how django-axes names a client in its own log lines.

    Without the login as typed (people type passwords into the login box).
    """
    return f"{{ip_address: {ip_address!r}, path_info: {path_info!r}}}"


# --- signal receivers: login, logout, failures and lockouts from every login form ---


def _on_logged_in(sender, request, user, **kwargs):
    log_event("login.success", request=request, user_id=user.pk)


def _on_logged_out(sender, request, user, **kwargs):
    log_event("logout", request=request, user_id=getattr(user, "pk", None))


def _on_login_failed(sender, credentials, request=None, **kwargs):
    from .selectors import login_clean, user_find_by_login

    raw = credentials.get("username")
    user = user_find_by_login(login=login_clean(raw)) if isinstance(raw, str) else None
    log_event(
        "login.failure",
        request=request,
        user_id=user.pk if user else None,
        level=logging.WARNING,
    )


def connect_signals() -> None:
    from django.contrib.auth import signals

    signals.user_logged_in.connect(_on_logged_in, dispatch_uid="kabinet_security_login")
    signals.user_logged_out.connect(_on_logged_out, dispatch_uid="kabinet_security_logout")
    signals.user_login_failed.connect(_on_login_failed, dispatch_uid="kabinet_security_failed")

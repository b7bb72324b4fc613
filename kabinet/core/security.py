"""Security events: one place that writes them, one way to name the client.

Every event goes to the `kabinet.security` logger as one line of `key=value` pairs
(UTC timestamps come from the formatter in settings.LOGGING). Events carry the user
id and the client IP, never passwords, tokens or the login that was typed: a person
who types their password into the login box must not find it in the logs.
What is logged and why: docs/security.md.
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("kabinet.security")


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: one resolver for the security log, throttling and django-axes'
    login history (AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies stand in front of Kabinet: then the
    address the first of them saw, the TRUSTED_PROXY_COUNT-th from the right of
    X-Forwarded-For (each proxy appends the address it got the request from; whatever
    the client wrote itself stays further left and is not believed).
    """
    if request is None:
        return None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies:
            found = _address(forwarded[-proxies])
            if found:
                return found
    return _address(request.META.get("REMOTE_ADDR", "")) or None


# The largest id a database row can have (a signed 64-bit integer, PostgreSQL's bigint and
# SQLite's INTEGER): a query with a larger number overflows in the driver (a 500).
ID_MAX = 2**63 - 1


def id_param(value: object) -> int | None:
    """A row id from a query parameter or a form: digits only, 1 to ID_MAX; else None.

    "9223372036854775808", "-1", " 1", "1e3", "١" (an Arabic-Indic one) are all None,
    so a view answers 400 instead of passing an out-of-range number to the database.
    """
    if not isinstance(value, str) or not (0 < len(value) <= 19) or not value.isascii():
        return None
    if not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


def log_event(
    event: str,
    *,
    request: HttpRequest | None = None,
    ip: str | None = None,
    user_id: int | None = None,
    level: int = logging.INFO,
    **fields: object,
) -> None:
    if ip is None:
        ip = client_ip(request)
    parts = [
        f"event={event}",
        f"user_id={user_id if user_id is not None else '-'}",
        f"ip={ip or '-'}",
    ]
    parts += [f"{key}={value}" for key, value in fields.items()]
    logger.log(level, " ".join(parts))

"""Security events: one place that writes them, one way to name the client.

Every event goes to the `kabinet.security` logger as one line of `key=value` pairs
(UTC timestamps come from the formatter in settings.LOGGING). Events carry the user
id and the client IP, never passwords, tokens or the login that was typed: a person
who types their password into the login box must not find it in the logs.
What is logged and why: docs/security.md.
"""

import logging

from axes.helpers import get_client_ip_address
from django.http import HttpRequest

logger = logging.getLogger("kabinet.security")


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, resolved the way django-axes resolves it (REMOTE_ADDR by default)."""
    if request is None:
        return None
    return get_client_ip_address(request)


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

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

"""The sandbox's own MONETA.Assistant signatures.

Written apart from the Moneta gateway's code (payments/gateways/moneta.py) on purpose:
the sandbox checks what Kabinet sends and signs what it sends back, so a mistake
shared by both sides would pass unseen. Both are pinned to the protocol's published
examples (payments/tests/test_protocol.py).
"""

import hashlib
import hmac
from collections.abc import Mapping

# What each message signs, in order; the integrity code comes last.
LAYOUTS = {
    "request": (
        "MNT_ID",
        "MNT_TRANSACTION_ID",
        "MNT_AMOUNT",
        "MNT_CURRENCY_CODE",
        "MNT_SUBSCRIBER_ID",
        "MNT_TEST_MODE",
    ),
    "notification": (
        "MNT_COMMAND",  # only when present; absent, it adds nothing
        "MNT_ID",
        "MNT_TRANSACTION_ID",
        "MNT_OPERATION_ID",
        "MNT_AMOUNT",
        "MNT_CURRENCY_CODE",
        "MNT_SUBSCRIBER_ID",
        "MNT_TEST_MODE",
    ),
    "answer": ("MNT_RESULT_CODE", "MNT_ID", "MNT_TRANSACTION_ID"),
}


def sign(message: str, fields: Mapping[str, str], code: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for name in LAYOUTS[message]:
        digest.update((fields.get(name) or "").encode())
    digest.update(code.encode())
    return digest.hexdigest()


def signed_correctly(message: str, fields: Mapping[str, str], code: str) -> bool:
    given = (fields.get("MNT_SIGNATURE") or "").strip().lower()
    return hmac.compare_digest(
        sign(message, fields, code).encode(), given.encode("utf-8", "replace")
    )

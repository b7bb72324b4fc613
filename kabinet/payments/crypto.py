"""The integrity codes of gateway accounts, encrypted at rest.

A code signs every payment request and every notification: whoever knows it can credit
money. It is never shown back in full. It comes from the environment
(MONETA_INTEGRITY_CODE_<MNT_ID>, settings.PAYMENTS_INTEGRITY_CODES), or from the
database, encrypted with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`) under
PAYMENTS_ENCRYPTION_KEY; without that variable the key is derived from SECRET_KEY
(docs/payments.md).
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_DERIVATION_INFO = b"kabinet.payments.integrity-code"


def _derived_key(secret: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(key)


def _fernet() -> MultiFernet:
    keys = settings.PAYMENTS_ENCRYPTION_KEYS or [_derived_key(settings.SECRET_KEY)]
    return MultiFernet([Fernet(key) for key in keys])


def code_encrypt(code: str) -> str:
    return _fernet().encrypt(code.encode()).decode()


def code_decrypt(token: str) -> str | None:
    """The code, or None if it cannot be read (the key changed): enter it again."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def code_from_environment(merchant_id: str) -> str | None:
    return settings.PAYMENTS_INTEGRITY_CODES.get(merchant_id) if merchant_id else None


def code_masked(code: str | None) -> str:
    """ "••••••TY": enough to tell two codes apart, never the code."""
    if not code:
        return ""
    shown = code[-2:] if len(code) >= 8 else ""
    return "••••••" + shown

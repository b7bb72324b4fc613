"""Online payment settings read from the environment in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CODE = "import kabinet.settings as s; print(s.PAYMENTS_SANDBOX, s.PAYMENTS_INTEGRITY_CODES, s.PAYMENTS_ENCRYPTION_KEYS)"


def _settings(**env) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PRODUCTION", "DEBUG", "SECRET_KEY", "SITE_URL", "SMTP_URL"}
    }
    clean = {k: v for k, v in clean.items() if not k.startswith(("MONETA_", "PAYMENTS_"))}
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_sandbox_is_on_in_the_demo_and_off_in_production():
    assert _settings().startswith("True ")
    production = {"SITE_URL": "https://kabinet.example", "SMTP_URL": "smtp://mail.example"}
    assert _settings(PRODUCTION="1", SECRET_KEY="x" * 50, **production).startswith("False ")


def test_integrity_codes_and_keys_come_from_the_environment():
    out = _settings(MONETA_INTEGRITY_CODE_54600817="QWERTY", MONETA_INTEGRITY_CODE_1="",
                    PAYMENTS_ENCRYPTION_KEY="new-key,old-key")  # fmt: skip
    assert out == "True {'54600817': 'QWERTY'} ['new-key', 'old-key']"

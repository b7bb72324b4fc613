"""System check: the fonts the payment documents are set in (docs/receipts.md)."""

from pathlib import Path

from django.conf import settings
from django.core import checks

from .render import FONT_FILE


@checks.register()
def receipt_fonts(app_configs=None, **kwargs):
    font = Path(settings.RECEIPTS_FONT_DIR) / FONT_FILE
    if font.is_file():
        return []
    return [
        checks.Warning(
            f"{font} is missing: payment documents would fall back to a serif font.",
            hint="Run scripts/ensure-fonts (installs Debian's fonts-liberation).",
            id="receipts.W001",
        )
    ]

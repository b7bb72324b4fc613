"""The legal texts a resident accepts at registration, with their current versions.

Changing a text means a new template file and a new version here: consents already
given keep pointing at the version that was accepted, and old texts stay readable.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Consent


@dataclass(frozen=True)
class LegalDocument:
    kind: str
    version: str  # stored with each consent
    published: datetime.date
    title: str
    template: str  # the text itself; wrapped by accounts/legal/document.html


TERMS = LegalDocument(
    kind=Consent.Document.TERMS.value,
    version="2026-11-25",
    published=datetime.date(2026, 11, 25),
    title=_("Соглашение об использовании личного кабинета"),
    template="accounts/legal/terms-2026-11-25.html",
)
PERSONAL_DATA = LegalDocument(
    kind=Consent.Document.PERSONAL_DATA.value,
    version="2026-11-25",
    published=datetime.date(2026, 11, 25),
    title=_("Согласие на обработку персональных данных"),
    template="accounts/legal/personal-data-2026-11-25.html",
)

CURRENT = {TERMS.kind: TERMS, PERSONAL_DATA.kind: PERSONAL_DATA}

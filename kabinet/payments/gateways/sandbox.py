"""The sandbox gateway, Kabinet's side: Moneta's protocol, with Kabinet's own imitation
of Moneta (kabinet/payments/sandbox/) as the payment page.

Payments through the sandbox run the Moneta gateway's code end to end (request,
signature checks, answers); only the page the payer is sent to differs. The sandbox's
side signs with code of its own (payments/sandbox/signing.py), so that a mistake in one
is not mirrored in the other; both are pinned to the protocol's published examples.
Refused with PRODUCTION=1 (settings.PAYMENTS_SANDBOX).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from .moneta import MonetaGateway


class SandboxGateway(MonetaGateway):
    kind = "sandbox"

    def available(self) -> bool:
        return settings.PAYMENTS_SANDBOX

    def default_page_url(self, base_url: str) -> str:
        return base_url + reverse("payments:sandbox_assistant")

    def page_origins(self, page_url: str) -> tuple[str, ...]:
        parts = urlsplit(page_url)
        return (f"{parts.scheme}://{parts.netloc}",)  # Kabinet's own address, not Moneta's

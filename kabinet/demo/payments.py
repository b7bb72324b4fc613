"""Online payment in the demo: both demo companies pay through the sandbox gateway.

The sandbox (kabinet/payments/sandbox) imitates Moneta inside Kabinet, so that
"Оплатить" works in `make run` without a Moneta account; its test cards are listed on
its page and in docs/payments.md. Not in production, where the sandbox is refused.
"""

from django.conf import settings

from kabinet.housing.models import Organization
from kabinet.payments.models import GatewayKind, GatewaySettings
from kabinet.payments.services import gateway_settings_save

from .city import CITY_INN
from .reference import KAMAL_INN

# (organization's INN, sandbox account MNT_ID, its integrity code, fiscal receipts)
DEMO_GATEWAYS = [
    # The account and code of MONETA.Assistant's published example (docs/payments.md).
    (KAMAL_INN, "54600817", "QWERTY", True),
    (CITY_INN, "54600818", "solnechny-demo", False),
]


def payments_demo_load() -> int:
    """Configure the sandbox for the demo companies; a second run changes nothing."""
    if not settings.PAYMENTS_SANDBOX:
        return 0
    added = 0
    for inn, account_id, code, receipts in DEMO_GATEWAYS:
        organization = Organization.objects.filter(inn=inn, is_management_company=True).first()
        if (
            organization is None
            or GatewaySettings.objects.filter(organization=organization).exists()
        ):
            continue
        config = GatewaySettings(
            organization=organization,
            kind=GatewayKind.SANDBOX,
            account_id=account_id,
            # The sandbox's money is imaginary anyway; in test mode nothing would be
            # credited (docs/payments.md), and the demo should show the whole flow.
            test_mode=False,
            fiscal_receipts=receipts,
        )
        gateway_settings_save(config=config, new_code=code)
        added += 1
    return added

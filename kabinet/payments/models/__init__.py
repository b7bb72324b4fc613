"""Online payments: the gateway settings of each organization, the online payments and
the log of every notification; the sandbox gateway's operations (docs/payments.md).

Money reaches the ledger only through `billing.services.payment_record`, called when a
verified notification credits an online payment (payments/services.py).
"""

from .gateway import GatewayKind, GatewaySettings
from .online import Notification, OnlinePayment
from .sandbox import SandboxOperation

__all__ = ["GatewayKind", "GatewaySettings", "Notification", "OnlinePayment", "SandboxOperation"]

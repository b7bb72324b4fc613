"""The gateways Kabinet speaks to, by kind (GatewaySettings.kind): docs/payments.md."""

from .base import Gateway
from .moneta import MonetaGateway
from .sandbox import SandboxGateway

GATEWAYS: dict[str, Gateway] = {
    gateway.kind: gateway for gateway in (MonetaGateway(), SandboxGateway())
}


def gateway_get(kind: str) -> Gateway | None:
    """The gateway of this kind if it may be used here (the sandbox: not in production)."""
    gateway = GATEWAYS.get(kind)
    return gateway if gateway is not None and gateway.available() else None


def kinds_available() -> list[str]:
    return [kind for kind, gateway in GATEWAYS.items() if gateway.available()]

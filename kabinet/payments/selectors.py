"""Reads of online payments: an organization's offer, an account's online payments, the
reconciliation lists."""

import datetime

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from .gateways import gateway_get
from .models import GatewaySettings, Notification, OnlinePayment

OPEN = (OnlinePayment.Status.CREATED, OnlinePayment.Status.IN_PROGRESS)


def gateway_settings(*, organization_id: int) -> GatewaySettings | None:
    return GatewaySettings.objects.filter(organization_id=organization_id).first()


def online_offer(*, organization_id: int) -> GatewaySettings | None:
    """The organization's gateway settings if its residents can pay online here and now."""
    config = gateway_settings(organization_id=organization_id)
    if config is None or not config.enabled or gateway_get(config.kind) is None:
        return None
    return config


def gateway_kind_annotation(*, organization: OuterRef) -> Subquery:
    """The kind of gateway an outer row's organization has switched on (None: none), for
    a read model to tell whether to offer "Оплатить" without a query of its own; whether
    that kind may be used here is `online_kind_usable`."""
    enabled = GatewaySettings.objects.filter(organization_id=organization, enabled=True)
    return Subquery(enabled.values("kind")[:1])


def online_kind_usable(kind: str | None) -> bool:
    return bool(kind) and gateway_get(kind) is not None


def account_online_payment(*, account_id: int, transaction_id: str | None) -> OnlinePayment | None:
    """One online payment of the account: the one named, else the latest."""
    payments = OnlinePayment.objects.filter(account_id=account_id)
    if transaction_id:
        return payments.filter(transaction_id=transaction_id).first()
    return payments.order_by("-created_at", "-id").first()


def account_open_online_payments(*, account_id: int, days: int = 3) -> list[OnlinePayment]:
    """The account's online payments of the last days not yet credited nor failed."""
    since = timezone.now() - datetime.timedelta(days=days)
    return list(
        OnlinePayment.objects.filter(account_id=account_id, status__in=OPEN, created_at__gte=since)
    )


def payments_to_reconcile(*, now: datetime.datetime | None = None) -> QuerySet[OnlinePayment]:
    """Open online payments with no verified notification after the gateway's retries
    (settings.PAYMENTS_RECONCILE_AFTER) that staff have not reconciled yet."""
    cutoff = (now or timezone.now()) - settings.PAYMENTS_RECONCILE_AFTER
    return (
        OnlinePayment.objects.filter(
            status__in=OPEN,
            notified_at__isnull=True,
            reconciled_at__isnull=True,
            created_at__lte=cutoff,
        )
        .select_related("account__organization")
        .order_by("created_at", "id")
    )


def notifications_needing_attention(*, since: datetime.datetime) -> QuerySet[Notification]:
    """Notifications with a valid signature that were not what was expected (a second
    operation, a cancellation after credit, a mismatch): an accountant should look."""
    return (
        Notification.objects.filter(outcome__in=Notification.ATTENTION, received_at__gte=since)
        .select_related("online_payment__account")
        .order_by("received_at", "id")
    )


def online_page_origins(*, config: GatewaySettings) -> tuple[str, ...]:
    """The hosts the payer's browser is sent to when paying with these settings."""
    gateway = gateway_get(config.kind)
    if gateway is None:
        return ()
    return gateway.page_origins(config.page_url or gateway.default_page_url(config.base_url()))

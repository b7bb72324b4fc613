"""Mounted under /payments/: each gateway's Pay URL and Check URL, the sandbox's page.

The addresses to enter in the gateway's account settings are shown on the
organization's online payment settings in the back office.
"""

from django.urls import path

from .gateways import GATEWAYS
from .models import Notification
from .sandbox import views as sandbox
from .views import notify

app_name = "payments"

urlpatterns = [
    path("sandbox/assistant/", sandbox.assistant, name="sandbox_assistant"),
]
for _kind in GATEWAYS:
    urlpatterns += [
        path(
            f"{_kind}/pay/",
            notify,
            {"gateway_kind": _kind, "kind": Notification.Kind.PAY},
            name=f"{_kind}_pay",
        ),
        path(
            f"{_kind}/check/",
            notify,
            {"gateway_kind": _kind, "kind": Notification.Kind.CHECK},
            name=f"{_kind}_check",
        ),
    ]

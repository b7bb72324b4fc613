"""The gateways' server-to-server endpoints: Pay URL (notifications) and Check URL.

No login, no CSRF token (the gateway is not a browser), GET or POST, never a redirect;
the answer is the protocol's, built by the gateway module (docs/payments.md).
"""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kabinet.core.security import client_ip

from . import services
from .gateways import gateway_get


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def notify(request, gateway_kind: str, kind: str):
    gateway = gateway_get(gateway_kind)
    if gateway is None:  # the sandbox in production
        raise Http404("No such gateway here")
    # The values exactly as sent: in the body of a POST, else in the query string.
    params = {**request.GET.dict(), **request.POST.dict()}
    answer = services.notification_receive(
        gateway=gateway, kind=kind, params=params, ip=client_ip(request)
    )
    return HttpResponse(answer.content, content_type=answer.content_type)

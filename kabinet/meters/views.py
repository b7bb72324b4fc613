"""The unsubscribe link of the reading reminders: signed, no login needed (docs/meters.md).

GET (the link in the mail) turns the reminders off at once and offers to turn them on
again; POST `List-Unsubscribe=One-Click` (RFC 8058, the mail client's own button) turns
them off; POST `resubscribe` turns them on. CSRF does not apply: mail clients post
without a token, and the signed token is the credential.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kabinet.core.security import client_ip

from . import emails, services


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    link = emails.link_from_token(token)
    if link is None:
        return render(request, "meters/unsubscribe.html", {"link": None}, status=404)
    ip = client_ip(request)
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
        services.reading_reminders_set(link=link, on=False, ip=ip)
        return HttpResponse("OK", content_type="text/plain; charset=utf-8")
    resubscribed = request.method == "POST" and "resubscribe" in request.POST
    services.reading_reminders_set(link=link, on=resubscribed, ip=ip)
    context = {"link": link, "account": link.account, "on": resubscribed}
    return render(request, "meters/unsubscribe.html", context)

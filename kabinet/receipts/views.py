"""The one-click unsubscribe link of the e-mailed documents (no login: the signed token
names the user and the account). GET shows a button, POST unsubscribes: a mail scanner
that opens links changes nothing, and a mail client's own "unsubscribe" (RFC 8058) POSTs
straight here, without a CSRF token."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kabinet.core.security import client_ip
from kabinet.housing.models import AccountLink
from kabinet.housing.services import account_link_subscriptions_set

from .emails import unsubscribe_read


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    read = unsubscribe_read(token)
    link = None
    if read is not None:
        user_id, account_id = read
        link = (
            AccountLink.objects.filter(user_id=user_id, account_id=account_id)
            .select_related("user", "account__premises__house")
            .first()
        )
    if link is None:
        return render(request, "receipts/unsubscribe.html", {"state": "invalid"}, status=404)
    if request.method == "POST":
        account_link_subscriptions_set(
            user=link.user,
            account_id=link.account_id,
            receipts_by_email=False,
            ip_address=client_ip(request),
        )
        return render(request, "receipts/unsubscribe.html", {"state": "done", "link": link})
    state = "subscribed" if link.receipts_by_email else "done"
    return render(request, "receipts/unsubscribe.html", {"state": state, "link": link})

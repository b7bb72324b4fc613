"""Payment documents of one account: the PDF of a month, the list of months
(docs/receipts.md)."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from kabinet.core.security import client_ip
from kabinet.housing.models import AccountLink
from kabinet.housing.services import account_link_subscriptions_set
from kabinet.receipts import selectors as receipts
from kabinet.receipts import services as receipt_services

from .base import account_view, render_account_page


def _month(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None


@account_view()
def receipt(request, held):
    """The document of `?month=YYYY-MM` (by default the latest month with charges) as PDF,
    inline: a closed month's issued document, an open month's draft."""
    month = None
    if "month" in request.GET:
        month = _month(request.GET["month"])
        if month is None:
            raise Http404("No such month")
    period = receipts.account_period(account=held.account, month=month)
    if period is None:
        raise Http404("No document for this month")
    document = receipt_services.receipt_document(account=held.account, period=period)
    response = HttpResponse(document.pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    add_never_cache_headers(response)  # Cache-Control: no-store among others
    return response


@account_view(methods=("GET", "POST"))
def receipt_list(request, held):
    """Every month with charges and its document; the e-mail subscription of this account."""
    account_id = held.account.pk
    if request.method == "POST":
        wanted = request.POST.get("receipts_by_email") == "1"
        account_link_subscriptions_set(
            user=request.user,
            account_id=account_id,
            receipts_by_email=wanted,
            ip_address=client_ip(request),
        )
        messages.success(
            request,
            _("Квитанции по этому лицевому счету будут приходить на %(email)s.")
            % {"email": request.user.email}
            if wanted
            else _("Квитанции по этому лицевому счету больше не будут приходить на e-mail."),
        )
        return redirect("cabinet:receipts", account_id=account_id)
    subscribed = AccountLink.objects.filter(
        user_id=request.user.pk, account_id=account_id, receipts_by_email=True
    ).exists()
    context = {
        "items": receipts.account_receipts(account_id=account_id),
        "subscribed": subscribed,
    }
    response = render_account_page(request, held, "cabinet/receipts.html", "receipts", context)
    add_never_cache_headers(response)
    return response

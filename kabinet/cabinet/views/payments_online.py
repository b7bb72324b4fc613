"""Online payment, the resident's side: the pay form, then the pages the gateway sends
the payer back to. Only the gateway's verified notification credits money
(kabinet/payments); these pages show what Kabinet knows (docs/payments.md)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.csp import CSP

from kabinet.cabinet.pay_forms import OnlinePaymentForm
from kabinet.core.money import format_money
from kabinet.payments import selectors as payments
from kabinet.payments import services
from kabinet.payments.models import OnlinePayment

from .base import account_view, render_account_page

REFRESH_SECONDS = 5  # a waiting page reloads itself until the notification has come
TRANSACTION_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


def _return_paths(account_id: int) -> services.ReturnPaths:
    def path(outcome):
        return reverse(f"cabinet:pay_{outcome}", kwargs={"account_id": account_id})

    return services.ReturnPaths(
        success=path("success"),
        fail=path("fail"),
        in_progress=path("in_progress"),
        back=path("return"),
    )


def _allow_form_to(response, origins):
    """The pay form leads (by a redirect) to the gateway's page: let the page's
    Content-Security-Policy allow that form submission."""
    if origins:
        policy = dict(settings.SECURE_CSP)
        policy["form-action"] = [CSP.SELF, *origins]
        response._csp_config = policy
    return response


@account_view(methods=("GET", "POST"))
def pay(request, held):
    account = held.account
    offer = payments.online_offer(organization_id=account.organization_id)
    if offer is None:
        return render_account_page(request, held, "cabinet/pay_unavailable.html", "payments")
    initial = {
        "amount": request.GET.get("amount", "")[:30]
        or (format_money(account.balance) if account.balance > 0 else ""),
        "contact": request.user.email,
    }
    form = OnlinePaymentForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        max_amount=offer.max_amount,
        ask_contact=offer.fiscal_receipts,
    )
    if form.is_valid():
        try:
            _payment, redirect = services.online_payment_start(
                account=account,
                user=request.user,
                amount=form.cleaned_data["amount"],
                receipt_contact=form.cleaned_data.get("contact", ""),
                paths=_return_paths(account.pk),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return _allow_form_to(HttpResponseRedirect(redirect.url), redirect.origins)
    context = {"form": form, "offer": offer}
    response = render_account_page(request, held, "cabinet/pay.html", "payments", context)
    return _allow_form_to(response, payments.online_page_origins(config=offer))


def _result(outcome: str):
    @account_view()
    def view(request, held):
        named = request.GET.get("payment") or request.GET.get("MNT_TRANSACTION_ID")
        if named and not TRANSACTION_ID.fullmatch(named):
            raise Http404("Not a transaction id")
        payment = payments.account_online_payment(account_id=held.account.pk, transaction_id=named)
        if named and payment is None:
            raise Http404("No such online payment on this account")
        if payment is not None and outcome in ("fail", "in_progress"):
            payment = services.online_payment_returned(payment=payment, outcome=outcome)
        waiting = payment is not None and payment.status in payments.OPEN and outcome != "return"
        context = {
            "payment": payment,
            "outcome": outcome,
            "refresh": REFRESH_SECONDS if waiting else None,
            "Status": OnlinePayment.Status,
        }
        return render_account_page(request, held, "cabinet/pay_result.html", "payments", context)

    view.__name__ = f"pay_{outcome}"
    return view


pay_success = _result("success")
pay_fail = _result("fail")
pay_in_progress = _result("in_progress")
pay_return = _result("return")


def payments_page_extra(held) -> dict:
    """What the payments page shows of online payment: the button, and the payments
    started here that the gateway has not confirmed yet."""
    if not held.account.online_payment:
        return {}
    return {"open_online": payments.account_open_online_payments(account_id=held.account.pk)}

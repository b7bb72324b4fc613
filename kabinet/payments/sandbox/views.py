"""The sandbox's payment page (Fig. 6), served by Kabinet for the demo and the tests."""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from kabinet.core.money import format_money

from ..models import SandboxOperation
from . import cards, operations
from .forms import CardForm

CARD_FIELDS = ("card_number", "expiry", "cvc")


@sensitive_post_parameters(*CARD_FIELDS)  # never in an error report
@require_http_methods(["GET", "POST"])
def assistant(request):
    """The payer arrives with the shop's signed request (a GET, or the form's own POST),
    types a test card and pays; then goes back to the shop like from Moneta."""
    if not settings.PAYMENTS_SANDBOX:
        raise Http404("The sandbox is off in production")
    params = request.POST if request.method == "POST" else request.GET
    try:
        order = operations.order_read(params)
    except operations.SandboxRefusal as refusal:
        return render(
            request, "payments/sandbox/refused.html", {"message": str(refusal)}, status=400
        )
    form = CardForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            operation = operations.operation_pay(
                order=order, card_number=form.cleaned_data["card_number"]
            )
        except operations.SandboxRefusal as refusal:
            return render(
                request, "payments/sandbox/refused.html", {"message": str(refusal)}, status=400
            )
        back = {
            SandboxOperation.Status.SUCCEEDED: "MNT_SUCCESS_URL",
            SandboxOperation.Status.DECLINED: "MNT_FAIL_URL",
            SandboxOperation.Status.IN_PROGRESS: "MNT_INPROGRESS_URL",
        }[operation.status]
        return HttpResponseRedirect(order.back_url(back))
    context = {
        "order": order,
        "hidden": [(name, value) for name, value in order.fields.items() if value],
        "amount": format_money(order.amount),
        "form": form,
        "merchant": order.config.organization.name,
        "cards": [(cards.spaced(number), label) for number, label in cards.TEST_CARDS],
        "change_amount_url": order.back_url("MNT_RETURN_URL"),
    }
    return render(request, "payments/sandbox/assistant.html", context)

"""The home page, the user's accounts: the list, attach (Fig. 4), detach."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.billing import selectors as billing
from kabinet.cabinet import selectors
from kabinet.cabinet.forms import AccountAttachForm
from kabinet.core.security import client_ip, id_param
from kabinet.housing import selectors as housing
from kabinet.housing import services as housing_services

from .base import SESSION_ACCOUNT, account_view

# The attach form's buttons that re-render it without JavaScript instead of saving.
STEP_BUTTONS = ("step", "captcha_refresh")


def home(request):
    """The front page; for a resident who is logged in, the way to their accounts."""
    accounts = (
        selectors.accounts_for_user(user=request.user) if request.user.is_authenticated else []
    )
    return render(request, "cabinet/home.html", {"accounts": accounts})


@login_required
@require_GET
def index(request):
    """The cabinet's home: the last account viewed, else the first attached, else attach."""
    accounts = selectors.accounts_for_user(user=request.user)
    if not accounts:
        return redirect("cabinet:attach")
    remembered = request.session.get(SESSION_ACCOUNT)
    account = next((a for a in accounts if a.pk == remembered), accounts[0])
    return redirect("cabinet:card", account_id=account.pk)


@login_required
@require_GET
def account_list(request):
    accounts = selectors.accounts_for_user(user=request.user)
    return render(request, "cabinet/accounts.html", {"accounts": accounts})


@login_required
@require_http_methods(["GET", "POST"])
def attach(request):
    if request.method == "POST" and any(name in request.POST for name in STEP_BUTTONS):
        # Without JavaScript: "Показать" under a list or "Загрузить новый код" re-render
        # the form with the choices made so far and a new CAPTCHA, without validating.
        initial = {k: v for k, v in request.POST.items() if not k.startswith("captcha")}
        form = AccountAttachForm(initial=initial)
    elif request.method == "POST":
        form = AccountAttachForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data

            def last_payment_proves(account) -> bool:
                return billing.last_payment_matches(
                    account=account, paid_on=data["paid_on"], amount=data["amount"]
                )

            by_number = bool(data["number"].strip())
            try:
                if by_number:  # the shortcut: the number typed from the receipt
                    link, created = housing_services.account_attach_by_number(
                        user=request.user,
                        number=data["number"],
                        organization_id=data["organization"],
                        proof=last_payment_proves,
                        ip_address=client_ip(request),
                    )
                else:
                    link, created = housing_services.account_attach(
                        user=request.user,
                        account_id=data["account"],
                        proof=last_payment_proves,
                        ip_address=client_ip(request),
                    )
            except ValidationError as error:
                number_error = error.code in ("unknown_number", "ambiguous_number")
                form.add_error("number" if number_error else None, error)
            else:
                number = link.account.number
                if created:
                    messages.success(
                        request, _("Лицевой счет № %(number)s добавлен.") % {"number": number}
                    )
                else:
                    messages.info(
                        request,
                        _("Лицевой счет № %(number)s уже есть в вашем кабинете.")
                        % {"number": number},
                    )
                return redirect("cabinet:card", account_id=link.account_id)
    else:
        form = AccountAttachForm()
    return render(request, "cabinet/attach.html", {"form": form})


ATTACH_LEVELS = {
    "house": lambda parent: housing.attach_houses(organization_id=parent),
    "premises": lambda parent: housing.attach_premises(house_id=parent),
    "account": lambda parent: housing.attach_accounts(premises_id=parent),
}


@login_required
@require_GET
def attach_options(request):
    """JSON for the cascading lists: ?level=house|premises|account&parent=<id>."""
    options_for = ATTACH_LEVELS.get(request.GET.get("level", ""))
    parent = id_param(request.GET.get("parent", ""))  # out of a row id's range: 400
    if options_for is None or parent is None:
        return JsonResponse({"error": _("Неверный запрос.")}, status=400)
    options = [{"value": o.value, "label": o.label} for o in options_for(parent)]
    return JsonResponse({"options": options})


@account_view(methods=("GET", "POST"))
def detach(request, held):
    account = held.account
    if request.method == "POST":
        housing_services.account_detach(user=request.user, account_id=account.pk)
        if request.session.get(SESSION_ACCOUNT) == account.pk:
            del request.session[SESSION_ACCOUNT]
        messages.success(
            request,
            _("Лицевой счет № %(number)s удален из вашего кабинета.") % {"number": account.number},
        )
        return redirect("cabinet:accounts")
    return render(request, "cabinet/detach.html", {"account": account})

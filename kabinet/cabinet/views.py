"""The resident's pages: the home page, attach (Fig. 4), the card (Fig. 5), tariffs,
contacts, history, the list of the user's accounts and detach.

Every account-scoped view is an `account_view`: it gets its account through
`_get_account_for_user`, which answers 404 to anyone who has not attached that account,
before anything else about the request is looked at (tests/test_access.py walks every
URL pattern to keep it so).
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.billing import selectors as billing
from kabinet.core.security import client_ip
from kabinet.housing import selectors as housing
from kabinet.housing import services as housing_services

from . import selectors
from .forms import AccountAttachForm

SESSION_ACCOUNT = "cabinet_account_id"  # the account shown by the cabinet's home

# Actions on the card that other issues build. A link appears once its URL name exists
# (taking `account_id`), so a released page never carries a dead link.
CARD_ACTIONS = (
    ("meters:submit", gettext_lazy("Ввести показания")),
    ("receipts:print", gettext_lazy("Распечатать квитанцию")),
)

# The side menu of every account page: section, URL name (taking `account_id`), label.
ACCOUNT_MENU = (
    ("card", "cabinet:card", gettext_lazy("Главная")),
    ("tariffs", "cabinet:tariffs", gettext_lazy("Действующие тарифы")),
    ("contacts", "cabinet:contacts", gettext_lazy("Контакты")),
    ("charges", "cabinet:charges", gettext_lazy("История начислений")),
    ("payments", "cabinet:payments", gettext_lazy("История платежей")),
)

# The attach form's buttons that re-render it without JavaScript instead of saving.
STEP_BUTTONS = ("step", "captcha_refresh")


def _get_account_for_user(request, account_id: int) -> selectors.AccountContext:
    """The account (with the user's other accounts) or 404: one query, also for strangers."""
    context = selectors.account_context(user=request.user, account_id=account_id)
    if context is None:
        raise Http404("No such account for this user")
    return context


def account_view(*, methods: tuple[str, ...] = ("GET",)) -> Callable:
    """A page of one account: `view(request, held, …)` with `held` from
    `_get_account_for_user`. A stranger gets 404 whatever the method, so that not even
    a 405 tells them the account exists; the method is checked after access."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, account_id: int, *args, **kwargs):
            held = _get_account_for_user(request, account_id)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, held, *args, **kwargs)

        return wrapper

    return decorator


def _card_actions(account_id: int) -> list[tuple[str, str]]:
    actions = []
    for name, label in CARD_ACTIONS:
        try:
            actions.append((reverse(name, kwargs={"account_id": account_id}), label))
        except NoReverseMatch:
            continue
    return actions


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool  # the page being shown


def _account_menu(account_id: int, section: str) -> list[MenuItem]:
    # Data rather than five {% url %} and {% translate %} tags in the template, which
    # took half as long again on every account page (bench/bench_account_card.py).
    return [
        MenuItem(reverse(name, kwargs={"account_id": account_id}), str(label), key == section)
        for key, name, label in ACCOUNT_MENU
    ]


def _render_account_page(
    request, held: selectors.AccountContext, template: str, section: str, context=None
):
    """Render a page of one account: the switcher, the side menu, the section's content."""
    if request.session.get(SESSION_ACCOUNT) != held.account.pk:
        request.session[SESSION_ACCOUNT] = held.account.pk
    context = {
        "account": held.account,
        "accounts": held.accounts,
        "menu": _account_menu(held.account.pk, section),
        **(context or {}),
    }
    return render(request, template, context)


def home(request):
    return render(request, "cabinet/home.html")


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

            try:
                link, created = housing_services.account_attach(
                    user=request.user,
                    account_id=data["account"],
                    proof=last_payment_proves,
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
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
    try:
        parent = int(request.GET.get("parent", ""))
    except ValueError:
        parent = None
    if options_for is None or parent is None:
        return JsonResponse({"error": _("Неверный запрос.")}, status=400)
    options = [{"value": o.value, "label": o.label} for o in options_for(parent)]
    return JsonResponse({"options": options})


@account_view()
def card(request, held):
    context = {
        "card": selectors.account_card(account=held.account),
        "actions": _card_actions(held.account.pk),
    }
    return _render_account_page(request, held, "cabinet/card.html", "card", context)


@account_view()
def tariffs(request, held):
    today = timezone.localdate()
    services = billing.account_tariffs(account=held.account, on=today)
    context = {"services": services, "today": today}
    return _render_account_page(request, held, "cabinet/tariffs.html", "tariffs", context)


@account_view()
def contacts(request, held):
    return _render_account_page(request, held, "cabinet/contacts.html", "contacts")


def _month_param(value: str | None) -> datetime.date | None:
    """ "2014-09" → 1 September 2014; anything else → None."""
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


@account_view()
def charges(request, held):
    account_id = held.account.pk
    history = billing.account_charge_history(account_id=account_id)
    month = _month_param(request.GET.get("month"))
    if month is None and history:
        month = history[0].month
    table = billing.account_period_charges(account_id=account_id, month=month) if month else None
    context = {"history": history, "table": table, "month": month}
    return _render_account_page(request, held, "cabinet/charges.html", "charges", context)


PAYMENTS_PER_PAGE = 24


@account_view()
def payments(request, held):
    paginator = Paginator(billing.account_payments(account_id=held.account.pk), PAYMENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page}
    return _render_account_page(request, held, "cabinet/payments.html", "payments", context)


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

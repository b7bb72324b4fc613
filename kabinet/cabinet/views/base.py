"""Access to one account and the frame of its pages: the switcher, the side menu, the
card's actions."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy

from kabinet.cabinet import selectors
from kabinet.core.i18n import per_language
from kabinet.core.prepared import Read

SESSION_ACCOUNT = "cabinet_account_id"  # the account shown by the cabinet's home

# Actions on the card that other issues build. A link appears once its URL name exists
# (taking `account_id`), so a released page never carries a dead link.
CARD_ACTIONS = (
    ("cabinet:meters_submit", gettext_lazy("Передать показания")),
    ("cabinet:receipt", gettext_lazy("Квитанция")),
)

# The side menu of every account page: section, URL name (taking `account_id`), label.
ACCOUNT_MENU = (
    ("card", "cabinet:card", gettext_lazy("Главная")),
    ("tariffs", "cabinet:tariffs", gettext_lazy("Действующие тарифы")),
    ("contacts", "cabinet:contacts", gettext_lazy("Контакты")),
    ("charges", "cabinet:charges", gettext_lazy("Начисления")),
    ("payments", "cabinet:payments", gettext_lazy("Платежи")),
    ("meters", "cabinet:meters", gettext_lazy("Показания счетчиков")),
    ("receipts", "cabinet:receipts", gettext_lazy("Квитанции")),
)


def _get_account_for_user(
    request, account_id: int, *, balances: bool = True, read: Read | None = None
) -> selectors.AccountContext:
    """The account (with the user's other accounts) or 404: one query, also for strangers
    (with the page's `read`, sent together)."""
    context = selectors.account_context(
        user=request.user, account_id=account_id, balances=balances, read=read
    )
    if context is None:
        raise Http404("No such account for this user")
    return context


def account_view(
    *,
    methods: tuple[str, ...] = ("GET",),
    balances: bool = True,
    read: Callable[..., Read | None] | None = None,
) -> Callable:
    """A page of one account: `view(request, held, …)` with `held` from
    `_get_account_for_user`. A stranger gets 404 whatever the method, so that not even
    a 405 tells them the account exists; the method is checked after access. A page
    that does not show the balance (or sums it from the ledgers it reads anyway) asks
    for `balances=False`: its accounts then have no `balance`. A page whose first read
    depends only on the account gives `read(request, account_id)` → that read (or None):
    it is sent with the access check and its result handed over as `held.read`."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, account_id: int, *args, **kwargs):
            page_read = read(request, account_id) if read is not None else None
            held = _get_account_for_user(request, account_id, balances=balances, read=page_read)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, held, *args, **kwargs)

        return wrapper

    return decorator


# An account number no real account has: an account page's address is reversed once with
# it, and each page puts its account's number in its place (`account_url`).
_ANY_ACCOUNT = 987654321


@functools.cache
def _address_around_account(name: str, prefix: str, urlconf: str) -> tuple[str, str] | None:
    """The address of the URL name (taking `account_id`) before and after the account's
    number, for a script prefix and a URLconf; None while the name does not exist."""
    try:
        address = reverse(name, kwargs={"account_id": _ANY_ACCOUNT})
    except NoReverseMatch:
        return None
    before, after = address.split(str(_ANY_ACCOUNT))
    return before, after


def account_url(name: str, account_id: int) -> str | None:
    """`reverse(name, kwargs={"account_id": …})`, or None while the name does not exist.
    Account pages link to a dozen of these, and `reverse` took a good part of their time
    (bench/bench_account_card.py): each address is reversed once per process."""
    parts = _address_around_account(
        name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    )
    return None if parts is None else f"{parts[0]}{int(account_id)}{parts[1]}"


def card_actions(account_id: int) -> list[tuple[str, str]]:
    return [
        (url, label)
        for name, label in CARD_ACTIONS
        if (url := account_url(name, account_id)) is not None
    ]


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool  # the page being shown


@per_language
def _menu_labels() -> tuple[str, ...]:
    return tuple(str(label) for _key, _name, label in ACCOUNT_MENU)


def _account_menu(account_id: int, section: str) -> list[MenuItem]:
    # Data rather than seven {% url %} and {% translate %} tags in the template, which
    # took half as long again on every account page (bench/bench_account_card.py).
    return [
        MenuItem(account_url(name, account_id), label, key == section)
        for (key, name, _label), label in zip(ACCOUNT_MENU, _menu_labels(), strict=True)
    ]


def render_account_page(
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

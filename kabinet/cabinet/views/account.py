"""The pages of one account: the card (Fig. 5), tariffs, contacts, charges, the penalty's
breakdown, payments."""

import datetime

from django.core.paginator import Paginator
from django.utils import timezone

from kabinet.billing import selectors as billing
from kabinet.cabinet import selectors

from . import payments_online
from .base import account_view, card_actions, render_account_page


@account_view()
def card(request, held):
    context = {
        "card": selectors.account_card(account=held.account),
        "actions": card_actions(held.account.pk),
    }
    return render_account_page(request, held, "cabinet/card.html", "card", context)


@account_view()
def tariffs(request, held):
    today = timezone.localdate()
    services = billing.account_tariffs(account=held.account, on=today)
    context = {"services": services, "today": today}
    return render_account_page(request, held, "cabinet/tariffs.html", "tariffs", context)


@account_view()
def contacts(request, held):
    return render_account_page(request, held, "cabinet/contacts.html", "contacts")


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
    return render_account_page(request, held, "cabinet/charges.html", "charges", context)


@account_view()
def penalty(request, held):
    """The breakdown of a month's penalty (`?period=YYYY-MM`, else the latest month with
    one): which debt, from when to when, the days, the share and the rate."""
    month = _month_param(request.GET.get("period"))
    breakdown = billing.account_penalty_breakdown(account_id=held.account.pk, month=month)
    context = {"breakdown": breakdown, "month": month}
    return render_account_page(request, held, "cabinet/penalty.html", "charges", context)


PAYMENTS_PER_PAGE = 24


@account_view()
def payments(request, held):
    paginator = Paginator(billing.account_payments(account_id=held.account.pk), PAYMENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page, **payments_online.payments_page_extra(held)}
    return render_account_page(request, held, "cabinet/payments.html", "payments", context)

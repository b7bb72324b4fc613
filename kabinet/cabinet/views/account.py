"""The pages of one account: the card (Fig. 5), tariffs, contacts. The charges, the
penalty's breakdown and payments are in `ledger.py`."""

from django.utils import timezone

from kabinet.billing import selectors as billing
from kabinet.cabinet import selectors

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

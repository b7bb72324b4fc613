"""Read models of the resident's pages, composed from the domain apps' selectors.

`accounts_for_user` is every account page's access check: one query for the user's
accounts with their addresses and balances (a prepared query, kabinet/core/prepared.py).
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import OuterRef
from django.utils import timezone

from kabinet.accounts import selectors as accounts
from kabinet.billing import selectors as billing
from kabinet.core.money import ZERO, round_money
from kabinet.core.prepared import PreparedQuery, Read, read_together
from kabinet.housing import selectors as housing
from kabinet.housing.models import AccountLink, House, Organization, PersonalAccount, Premises
from kabinet.payments import selectors as payments
from kabinet.receipts.selectors import payment_due

# The models of a held account, in the order their columns are read, with their paths.
_HELD = (
    ("account", PersonalAccount),
    ("account__organization", Organization),
    ("account__premises", Premises),
    ("account__premises__house", House),
)


@functools.cache
def _held_layout() -> tuple[tuple[str, type, tuple[str, ...], slice], ...]:
    """`_HELD` with each model's column names and where a row of the query holds them."""
    layout, start = [], 0
    for path, model in _HELD:
        attnames = tuple(field.attname for field in model._meta.concrete_fields)
        layout.append((path, model, attnames, slice(start, start + len(attnames))))
        start += len(attnames)
    return tuple(layout)


def _held_accounts_query(user_id, *, balances: bool = True):
    columns = [
        f"{path}__{attname}"
        for path, _model, attnames, _at in _held_layout()
        for attname in attnames
    ]
    sums = billing.balance_annotations(account=OuterRef("account_id")) if balances else {}
    return (
        AccountLink.objects.filter(user_id=user_id)
        .order_by("created_at", "id")
        .annotate(
            **sums,
            gateway=payments.gateway_kind_annotation(
                organization=OuterRef("account__organization_id")
            ),
        )
        .values_list(*columns, *sums, "gateway")
    )


_held_accounts = PreparedQuery(lambda user_id: _held_accounts_query(user_id))
# Without the balances, for the pages that do not show them: summing each account's
# ledgers was a third of the access check's time on PostgreSQL (docs/benchmarks.md).
_held_accounts_only = PreparedQuery(lambda user_id: _held_accounts_query(user_id, balances=False))


def accounts_for_user(*, user, balances: bool = True) -> list[PersonalAccount]:
    """The user's accounts in the order attached, with organization, address and balance.

    One query (this is every account page's access check): each account carries
    `balance`, debt if positive, overpayment if negative, the same sum as
    `billing.selectors.account_balance` (tested so), and `online_payment`, whether its
    organization takes payments online here. Without `balances`, no `balance`.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    return _held_accounts_read(user, balances=balances).run()


def _held_accounts_read(user, *, balances: bool) -> Read[list[PersonalAccount]]:
    query = _held_accounts if balances else _held_accounts_only
    return Read(query, {"user_id": user.pk}, functools.partial(_held_of_rows, balances=balances))


def _held_of_rows(rows: list[tuple], *, balances: bool) -> list[PersonalAccount]:
    accounts = []
    layout = _held_layout()
    sums_at = layout[-1][-1].stop
    for row in rows:
        account, organization, premises, house = (
            model.from_db("default", attnames, row[at]) for _path, model, attnames, at in layout
        )
        account.organization = organization
        account.premises = premises
        premises.house = house
        if balances:
            due, paid = row[sums_at : sums_at + 2]
            account.balance = round_money(due - paid)
        account.online_payment = payments.online_kind_usable(row[-1])  # "Оплатить" shown
        accounts.append(account)
    return accounts


@dataclass(frozen=True)
class AccountContext:
    """An account the user holds, and all the accounts they hold (for the switcher)."""

    account: PersonalAccount
    accounts: list[PersonalAccount]
    read: object = None  # the result of the page's read sent with the check, if any


def account_context(
    *, user, account_id: int, balances: bool = True, read: Read | None = None
) -> AccountContext | None:
    """The account if the user has attached it, else None (views turn None into a 404).

    With `read`, the page's first read of the account goes to the database together with
    the check (`read_together`: one round trip on PostgreSQL rather than two), and its
    result is `AccountContext.read`; unless the user holds the account it is dropped
    unseen, as if never read."""
    if not getattr(user, "is_authenticated", False):
        return None
    held = _held_accounts_read(user, balances=balances)
    if read is None:
        accounts, result = held.run(), None
    else:
        accounts, result = read_together(held, read)
    account = next((a for a in accounts if a.pk == account_id), None)
    if account is None:
        return None
    return AccountContext(account=account, accounts=accounts, read=result)


@dataclass(frozen=True)
class AccountCard:
    """The card (Fig. 5) beyond the account row."""

    account: PersonalAccount
    balance: Decimal  # debt if positive, overpayment if negative
    charges: billing.ChargesTable | None  # the latest period's; None before the first charge

    @property
    def overpayment(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO

    @property
    def to_pay(self) -> Decimal:
        """ "К оплате": the debt, nothing when there is none (an overpayment is not owed)."""
        return self.balance if self.balance > 0 else ZERO

    @cached_property
    def due(self) -> datetime.date | None:
        """The day the latest month's bill is due (receipts.selectors.payment_due), by the
        organization's contract day where it set an earlier one (one query, once)."""
        if not self.charges:
            return None
        return payment_due(self.charges.month, self.account.organization_id)


def account_card(*, account: PersonalAccount) -> AccountCard:
    """The balance (annotated by `accounts_for_user`, else summed here) and the latest
    period's charges."""
    balance = getattr(account, "balance", None)
    if balance is None:
        balance = billing.account_balance(account_id=account.pk)
    return AccountCard(
        account=account,
        balance=balance,
        charges=billing.account_period_charges(account_id=account.pk),
    )


def personal_data_export(*, user) -> dict:
    """Everything Kabinet holds about the user, for "Скачать мои данные" (docs/profile.md).

    The accounts' ledgers are not the user's data (they belong to the account and its
    organization) and are left out; the account pages show them.
    """
    return {
        "format": "kabinet-personal-data",
        "version": 1,
        "generated_at": timezone.now().isoformat(),
        "site": settings.SITE_URL,
        **accounts.user_personal_data(user=user),
        **housing.user_personal_data(user_id=user.pk),
    }

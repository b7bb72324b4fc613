"""Reads for the resident's account pages: attach choices, the account card, tariffs, history.

Every function that serves a page runs a fixed number of queries whatever the number
of services, periods or tariffs (asserted in tests/test_views.py).
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from kabinet.billing.models import Charge, Payment, Penalty, Service, Tariff
from kabinet.billing.selectors import account_balance
from kabinet.core.money import ZERO, round_money

from .models import (
    AccountAttachAttempt,
    AccountLink,
    House,
    Organization,
    PersonalAccount,
    Premises,
)
from .prepared import PreparedQuery

_DIGITS = re.compile(r"(\d+)")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def natural_key(text: str) -> tuple:
    """Sort key that orders numbers by value: "кв. 2" < "кв. 10" < "кв. 10а" < "кв. 11"."""
    parts = _DIGITS.split(text.casefold())
    # Split on a capturing group: odd positions are digit runs, even ones the text between.
    return tuple((1, int(part), "") if i % 2 else (0, 0, part) for i, part in enumerate(parts))


# --- choices of the attach form (Fig. 4) --------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: int
    label: str


def _open_accounts():
    return PersonalAccount.objects.filter(closed_on__isnull=True)


def _sorted(options: list[Option]) -> list[Option]:
    return sorted(options, key=lambda option: natural_key(option.label))


def attach_organizations() -> list[Option]:
    """Management companies that have open accounts, by name."""
    organizations = Organization.objects.filter(
        Exists(_open_accounts().filter(organization=OuterRef("pk")))
    ).values_list("pk", "name")
    return _sorted([Option(pk, name) for pk, name in organizations])


def attach_houses(*, organization_id: int) -> list[Option]:
    """The organization's houses with open accounts: "г. Казань, ул. Гражданская, д. 1"."""
    houses = House.objects.filter(
        Exists(
            _open_accounts().filter(
                premises__house=OuterRef("pk"), organization_id=organization_id
            )
        ),
        organization_id=organization_id,
    )
    return _sorted([Option(house.pk, house.address) for house in houses])


def attach_premises(*, house_id: int) -> list[Option]:
    """Premises of a house with open accounts, as "кв. 2", "кв. 10" (naturally sorted)."""
    premises = Premises.objects.filter(
        Exists(_open_accounts().filter(premises=OuterRef("pk"))), house_id=house_id
    ).values_list("pk", "number")
    return _sorted([Option(pk, f"кв. {number}") for pk, number in premises])


def attach_accounts(*, premises_id: int) -> list[Option]:
    """Open accounts of the premises (a communal flat has several), as "№ 1234567"."""
    # An account is listed under its own organization's house only (PersonalAccount.clean).
    accounts = (
        _open_accounts()
        .filter(premises_id=premises_id, organization_id=F("premises__house__organization_id"))
        .values_list("pk", "number")
    )
    return _sorted([Option(pk, f"№ {number}") for pk, number in accounts])


# --- access ----------------------------------------------------------------------------


class _SubquerySum(Func):
    """SUM() inside a correlated subquery: one row over the filtered rows, no GROUP BY."""

    function = "SUM"
    output_field = MONEY_FIELD


def _ledger_sum(model, field: str, **outer):
    """The sum of one ledger column for the outer row's account (and period), 0 if none."""
    filters = {"account_id": OuterRef("account_id"), **outer}
    total = model.objects.filter(**filters).order_by().values(ledger_sum=_SubquerySum(field))
    return Coalesce(Subquery(total), Value(ZERO), output_field=MONEY_FIELD)


# The models of a held account, in the order their columns are read, with their paths.
_HELD = (
    ("account", PersonalAccount),
    ("account__organization", Organization),
    ("account__premises", Premises),
    ("account__premises__house", House),
)


def _held_accounts_query(user_id):
    columns = [
        f"{path}__{field.attname}"
        for path, model in _HELD
        for field in model._meta.concrete_fields
    ]
    return (
        AccountLink.objects.filter(user_id=user_id)
        .order_by("created_at", "id")
        .annotate(
            charged=_ledger_sum(Charge, "total"),
            penalties=_ledger_sum(Penalty, "amount"),
            paid=_ledger_sum(Payment, "amount"),
        )
        .values_list(*columns, "charged", "penalties", "paid")
    )


_held_accounts = PreparedQuery(_held_accounts_query)


def accounts_for_user(*, user) -> list[PersonalAccount]:
    """The user's accounts in the order attached, with organization, address and balance.

    One prepared query (this is every account page's access check): each account
    carries `balance`, debt if positive, overpayment if negative, the same sum as
    `billing.selectors.account_balance` (tested so).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    accounts = []
    for row in _held_accounts.rows(user_id=user.pk):
        objects, start = {}, 0
        for path, model in _HELD:
            attnames = [field.attname for field in model._meta.concrete_fields]
            values = row[start : start + len(attnames)]
            objects[path] = model.from_db("default", attnames, values)
            start += len(attnames)
        account = objects["account"]
        account.organization = objects["account__organization"]
        account.premises = objects["account__premises"]
        account.premises.house = objects["account__premises__house"]
        charged, penalties, paid = row[start:]
        account.balance = round_money(charged + penalties - paid)
        accounts.append(account)
    return accounts


@dataclass(frozen=True)
class AccountContext:
    """An account the user holds, and all the accounts they hold (for the switcher)."""

    account: PersonalAccount
    accounts: list[PersonalAccount]


def account_context(*, user, account_id: int) -> AccountContext | None:
    """The account if the user has attached it, else None (views turn None into a 404)."""
    accounts = accounts_for_user(user=user)
    account = next((a for a in accounts if a.pk == account_id), None)
    return AccountContext(account=account, accounts=accounts) if account else None


# --- proof of ownership and lockout ----------------------------------------------------


def account_proof_matches(
    *, account: PersonalAccount, paid_on: datetime.date, amount: Decimal
) -> bool:
    """Does (paid_on, amount) name the account's last payment on record?

    The last payment is the latest day with an incoming (positive) payment; any
    payment of that day with that amount proves it. An account without payments is
    proved by 0 and its opening date.
    """
    incoming = Payment.objects.filter(account_id=account.pk, amount__gt=0)  # not reversals
    last_day = incoming.aggregate(day=Max("paid_on"))["day"]
    if last_day is None:
        return amount == 0 and paid_on == account.opened_on
    if paid_on != last_day:
        return False
    return incoming.filter(paid_on=last_day, amount=amount).exists()


def _lockout_end(
    failures: list[datetime.datetime],
    *,
    limit: int,
    window: datetime.timedelta,
    lockout: datetime.timedelta,
) -> datetime.datetime | None:
    """End of the latest lockout: `lockout` after a failure that made `limit` within `window`."""
    end = None
    for index in range(limit - 1, len(failures)):
        if failures[index] - failures[index - limit + 1] < window:
            end = failures[index] + lockout
    return end


def attach_locked_until(
    *,
    user_id: int,
    account_id: int,
    now: datetime.datetime,
    per_account: int,
    per_user: int,
    window: datetime.timedelta,
    lockout: datetime.timedelta,
) -> datetime.datetime | None:
    """When further attach tries for this user or account are accepted again, if locked now.

    Refused tries are not failures, so a lockout ends on time and does not extend itself;
    failures older than window + lockout cannot matter and are not read.
    """
    wrong = AccountAttachAttempt.objects.filter(
        outcome=AccountAttachAttempt.Outcome.WRONG_PROOF, created_at__gt=now - window - lockout
    ).order_by("created_at")
    ends = [
        _lockout_end(
            list(wrong.filter(account_id=account_id).values_list("created_at", flat=True)),
            limit=per_account,
            window=window,
            lockout=lockout,
        ),
        _lockout_end(
            list(wrong.filter(user_id=user_id).values_list("created_at", flat=True)),
            limit=per_user,
            window=window,
            lockout=lockout,
        ),
    ]
    ends = [end for end in ends if end is not None and end > now]
    return max(ends) if ends else None


# --- the account card (Fig. 5) -----------------------------------------------------------


@dataclass(frozen=True)
class ChargeLine:
    """One service's line of a period's charges (Fig. 5)."""

    service: str
    unit: str
    price: Decimal  # per unit, as charged
    volume: Decimal
    amount: Decimal
    recalculation: Decimal
    total: Decimal


@dataclass(frozen=True)
class ChargesTable:
    """One period's charges with the penalty line and the totals row."""

    month: datetime.date
    rows: list[ChargeLine]
    penalty: Decimal
    amount: Decimal  # "Начислено": charges + penalty
    recalculation: Decimal
    total: Decimal  # "Итого начислено"


@dataclass(frozen=True)
class AccountCard:
    account: PersonalAccount
    balance: Decimal  # debt if positive, overpayment if negative
    charges: ChargesTable | None  # the latest period's; None before the first charge

    @property
    def overpayment(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO


_CHARGE_COLUMNS = (
    "service__name", "service__unit", "price", "volume", "amount", "recalculation", "total",
    "period__month", "penalty",
)  # fmt: skip


def _with_penalty(charges):
    """Charges with their period's penalty (the same on every line of a period)."""
    penalty = _ledger_sum(Penalty, "amount", period_id=OuterRef("period_id"))
    return (
        charges.annotate(penalty=penalty)
        .order_by("service__sort_order", "service__name")
        .values_list(*_CHARGE_COLUMNS)
    )


def _latest_charges_query(account_id):
    charges = Charge.objects.filter(account_id=account_id)
    latest = charges.order_by("-period__month", "-period_id").values("period_id")[:1]
    return _with_penalty(charges.filter(period_id=Subquery(latest)))


_latest_charges = PreparedQuery(_latest_charges_query)


def _charges_table(rows: list[tuple]) -> ChargesTable | None:
    if not rows:
        return None
    lines = [ChargeLine(*row[:7]) for row in rows]
    month, penalty = rows[0][7], rows[0][8]
    return ChargesTable(
        month=month,
        rows=lines,
        penalty=penalty,
        amount=sum((line.amount for line in lines), ZERO) + penalty,
        recalculation=sum((line.recalculation for line in lines), ZERO),
        total=sum((line.total for line in lines), ZERO) + penalty,
    )


def account_period_charges(
    *, account: PersonalAccount, month: datetime.date | None = None
) -> ChargesTable | None:
    """The charges of one month (the latest charged one by default), in one query."""
    if month is None:
        return _charges_table(_latest_charges.rows(account_id=account.pk))
    charges = Charge.objects.filter(account_id=account.pk, period__month=month)
    return _charges_table(list(_with_penalty(charges)))


def account_card(*, account: PersonalAccount) -> AccountCard:
    """The card beyond the account row: balance (annotated by `accounts_for_user`, else
    summed here) and the latest period's charges."""
    balance = getattr(account, "balance", None)
    if balance is None:
        balance = account_balance(account_id=account.pk)
    return AccountCard(
        account=account, balance=balance, charges=account_period_charges(account=account)
    )


# --- tariffs, history --------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceTariffs:
    service: Service
    current: Tariff | None  # in force on the day asked
    history: list[Tariff]  # newest first; the house's own tariffs and the organization's


def _in_force(tariff: Tariff, on: datetime.date) -> bool:
    return tariff.valid_from <= on and (tariff.valid_to is None or tariff.valid_to >= on)


def account_tariffs(*, account: PersonalAccount, on: datetime.date) -> list[ServiceTariffs]:
    """The account's services with their suppliers, the tariff in force and its history.

    The account's services are those of its latest charged period (the card's lines);
    before the first charge, all services of its organization. A house's own tariff wins
    over the organization's (as `billing.selectors.tariff_for`). Two queries.
    """
    house_id = account.premises.house_id
    charged = Charge.objects.filter(account_id=account.pk)
    latest = charged.order_by("-period__month").values("period_id")[:1]
    services = Service.objects.filter(organization_id=account.organization_id).filter(
        Q(pk__in=charged.filter(period_id=Subquery(latest)).values("service_id"))
        | ~Exists(charged)
    )
    services = list(services.select_related("supplier").order_by("sort_order", "name"))
    tariffs = Tariff.objects.filter(service__in=[s.pk for s in services]).filter(
        Q(house__isnull=True) | Q(house_id=house_id)
    )
    by_service: dict[int, list[Tariff]] = {}
    for tariff in tariffs.order_by("-valid_from", "house_id"):
        by_service.setdefault(tariff.service_id, []).append(tariff)

    result = []
    for service in services:
        history = by_service.get(service.pk, [])
        in_force = [t for t in history if _in_force(t, on)]
        current = next((t for t in in_force if t.house_id), None) or next(iter(in_force), None)
        result.append(ServiceTariffs(service=service, current=current, history=history))
    return result


@dataclass(frozen=True)
class PeriodTotals:
    month: datetime.date
    amount: Decimal
    recalculation: Decimal
    penalty: Decimal
    total: Decimal


def account_charge_history(*, account: PersonalAccount) -> list[PeriodTotals]:
    """Totals by period, newest first: two queries whatever the length of the history."""
    charges = (
        Charge.objects.filter(account_id=account.pk)
        .values("period__month")
        .annotate(amount=Sum("amount"), recalculation=Sum("recalculation"), total=Sum("total"))
        .order_by()
    )
    penalties = (
        Penalty.objects.filter(account_id=account.pk)
        .values("period__month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    months: dict[datetime.date, dict] = {}
    for row in charges:
        months[row["period__month"]] = row
    penalty_by_month = {row["period__month"]: row["amount"] for row in penalties}
    result = []
    for month in sorted(set(months) | set(penalty_by_month), reverse=True):
        row = months.get(month, {})
        penalty = penalty_by_month.get(month, ZERO)
        result.append(
            PeriodTotals(
                month=month,
                amount=row.get("amount", ZERO),
                recalculation=row.get("recalculation", ZERO),
                penalty=penalty,
                total=row.get("total", ZERO) + penalty,
            )
        )
    return result


def account_payments(*, account: PersonalAccount):
    """The account's payments, newest first (a queryset, for pagination)."""
    return Payment.objects.filter(account_id=account.pk).order_by("-paid_on", "-id")

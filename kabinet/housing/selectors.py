"""Reads of the registry: the choices of the attach form, the lockout of wrong proofs, a
user's account links (the profile's subscriptions, "Скачать мои данные")."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext

from .models import (
    AccountAttachAttempt,
    AccountLink,
    House,
    Organization,
    PersonalAccount,
    Premises,
)

_DIGITS = re.compile(r"(\d+)")


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
    return _sorted(
        [Option(pk, gettext("кв. %(number)s") % {"number": number}) for pk, number in premises]
    )


def attach_accounts(*, premises_id: int) -> list[Option]:
    """Open accounts of the premises (a communal flat has several), as "№ 1234567"."""
    # An account is listed under its own organization's house only (PersonalAccount.clean).
    accounts = (
        _open_accounts()
        .filter(premises_id=premises_id, organization_id=F("premises__house__organization_id"))
        .values_list("pk", "number")
    )
    return _sorted(
        [Option(pk, gettext("№ %(number)s") % {"number": number}) for pk, number in accounts]
    )


# --- lockout of wrong proofs ------------------------------------------------------------


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
    per_user_account: int,
    per_user: int,
    window: datetime.timedelta,
    lockout: datetime.timedelta,
) -> datetime.datetime | None:
    """When further attach tries of this user for this account are accepted again, if locked.

    Counted per user and account, and per user: one user's wrong proofs never lock
    anybody else out of an account (the count of every user's wrong proofs for one
    account alerts staff instead: `attach_wrong_for_account`). Refused tries are not
    failures, so a lockout ends on time and does not extend itself; failures older than
    window + lockout cannot matter and are not read.
    """
    wrong = AccountAttachAttempt.objects.filter(
        outcome=AccountAttachAttempt.Outcome.WRONG_PROOF,
        user_id=user_id,
        created_at__gt=now - window - lockout,
    ).order_by("created_at")
    times = list(wrong.values_list("account_id", "created_at"))
    ends = [
        _lockout_end(
            [at for account, at in times if account == account_id],
            limit=per_user_account,
            window=window,
            lockout=lockout,
        ),
        _lockout_end(
            [at for _account, at in times], limit=per_user, window=window, lockout=lockout
        ),
    ]
    ends = [end for end in ends if end is not None and end > now]
    return max(ends) if ends else None


def attach_wrong_for_account(
    *, account_id: int, now: datetime.datetime, window: datetime.timedelta
) -> int:
    """Wrong proofs for the account by anyone within the window (staff are alerted)."""
    return AccountAttachAttempt.objects.filter(
        outcome=AccountAttachAttempt.Outcome.WRONG_PROOF,
        account_id=account_id,
        created_at__gt=now - window,
    ).count()


# --- a user's links -----------------------------------------------------------------------


def account_links_for_user(*, user_id: int) -> list[AccountLink]:
    """The user's links in the order attached, with account, organization and address."""
    return list(
        AccountLink.objects.filter(user_id=user_id)
        .select_related("account__organization", "account__premises__house")
        .order_by("created_at", "id")
    )


def user_personal_data(*, user_id: int) -> dict:
    """What the registry holds about the user, as JSON-ready data: the attached accounts
    with their subscriptions, and the user's attempts to attach accounts."""

    def iso(value):
        return value.isoformat() if value is not None else None

    accounts = [
        {
            "account_number": link.account.number,
            "organization": link.account.organization.name,
            "address": link.account.premises.address,
            "attached_at": iso(link.created_at),
            "receipts_by_email": link.receipts_by_email,
            "reading_reminders": link.reading_reminders,
        }
        for link in account_links_for_user(user_id=user_id)
    ]
    attempts = [
        {
            "account_number": attempt.account.number,
            "organization": attempt.account.organization.name,
            "outcome": attempt.outcome,
            "outcome_title": str(attempt.get_outcome_display()),
            "ip_address": attempt.ip_address,
            "created_at": iso(attempt.created_at),
        }
        for attempt in AccountAttachAttempt.objects.filter(user_id=user_id)
        .select_related("account__organization")
        .order_by("created_at", "id")
    ]
    return {"accounts": accounts, "attach_attempts": attempts}

"""The chunks of a run: whole houses, about `BILLING_RUN_CHUNK_ACCOUNTS` accounts each.

A chunk holds whole houses because the common-property share of a premises depends on
the individual use of every premises of its house: all of it is computed in the same
transaction.
"""

import datetime

from django.db.models import Count, Q

from kabinet.core.periods import month_end
from kabinet.housing.models import PersonalAccount


def open_accounts(*, organization_id: int, month: datetime.date):
    """Accounts of the organization open on some day of the month."""
    return PersonalAccount.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=month),
        organization_id=organization_id,
        opened_on__lte=month_end(month),
    )


def chunks_plan(
    *, organization_id: int, month: datetime.date, chunk_accounts: int
) -> list[tuple[list[int], int]]:
    """[(house ids, open accounts), …] in house order, each at most `chunk_accounts`
    accounts unless one house alone has more."""
    houses = (
        open_accounts(organization_id=organization_id, month=month)
        .values("premises__house_id")
        .annotate(accounts=Count("id"))
        .order_by("premises__house_id")
        .values_list("premises__house_id", "accounts")
    )
    chunks: list[tuple[list[int], int]] = []
    current: list[int] = []
    size = 0
    for house_id, accounts in houses:
        if current and size + accounts > chunk_accounts:
            chunks.append((current, size))
            current, size = [], 0
        current.append(house_id)
        size += accounts
    if current:
        chunks.append((current, size))
    return chunks

"""When a month's bill is due (the last day to pay; day 1 of delay is the day after).

ЖК РФ ст. 155 ч. 1: by the 10th of the next month; for billing months from March 2026 on,
by the 15th (177-ФЗ of 24.06.2025). An organization may set an earlier day by its
management contract, from a billing month on (`billing.ContractDueDay`); a later day than
the law's is not applied.
"""

import datetime

from kabinet.core.periods import add_months, month_start

LEGAL_DUE_DAY, LEGAL_DUE_DAY_FROM_2026_03 = 10, 15
DUE_DAY_CHANGE = datetime.date(2026, 3, 1)


def legal_due_day(month: datetime.date) -> int:
    return LEGAL_DUE_DAY_FROM_2026_03 if month_start(month) >= DUE_DAY_CHANGE else LEGAL_DUE_DAY


def due_date(month: datetime.date, contract_day: int | None = None) -> datetime.date:
    """The due date of `month`'s bill, with the contract's day if it is earlier."""
    day = legal_due_day(month)
    if contract_day and contract_day < day:
        day = contract_day
    return add_months(month, 1).replace(day=day)


class DueDates:
    """An organization's due dates by billing month, its contract days read once."""

    def __init__(self, organization=None):
        self._days: list[tuple[datetime.date, int]] = []
        if organization is not None:
            from kabinet.billing.models import ContractDueDay

            organization_id = getattr(organization, "pk", organization)
            self._days = list(
                ContractDueDay.objects.filter(organization_id=organization_id)
                .order_by("-valid_from")
                .values_list("valid_from", "day")
            )
        self._cache: dict[datetime.date, datetime.date] = {}

    def __call__(self, month: datetime.date) -> datetime.date:
        due = self._cache.get(month)
        if due is None:
            first = month_start(month)
            contract = next((day for start, day in self._days if start <= first), None)
            due = self._cache[month] = due_date(first, contract)
        return due


def payment_due_date(month: datetime.date, organization=None) -> datetime.date:
    """The last day to pay `month`'s bill (of `organization`, an instance or an id, whose
    contract may set an earlier day)."""
    return DueDates(organization)(month)

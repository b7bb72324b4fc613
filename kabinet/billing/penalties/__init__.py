"""Penalties (пени, ЖК РФ ст. 155 ч. 14): the pure calculation (`calc`), the due dates
(`due`), the rate table (`tables`, `data`). docs/penalties.md."""

from .calc import (
    Cap,
    Debt,
    Moratorium,
    NoRate,
    Rates,
    Result,
    Row,
    account_penalty,
    allocate,
    debt_penalty,
    rate_text,
    round_half_up,
)
from .due import DueDates, due_date, legal_due_day, payment_due_date
from .tables import rates_current, rates_shipped

__all__ = [
    "Cap",
    "Debt",
    "DueDates",
    "Moratorium",
    "NoRate",
    "Rates",
    "Result",
    "Row",
    "account_penalty",
    "allocate",
    "debt_penalty",
    "due_date",
    "legal_due_day",
    "payment_due_date",
    "rate_text",
    "rates_current",
    "rates_shipped",
    "round_half_up",
]

"""Services, dated tariffs, billing periods and the money ledgers.

Rules live in services.py (a tariff's fit in its history: `tariff_check`; a closed
period takes no lines: `charge_add`, `penalty_add`); the models hold what the database
can enforce.

Ledgers (Charge, Penalty, Payment) are append-only: rows are never edited or
deleted; a correction is a new row; a balance is a sum (see selectors.py).
"""

from kabinet.core.append_only import AppendOnlyQuerySet

from .fields import MONEY, PRECISE
from .ledger import Charge, LedgerRow, Payment, Penalty
from .periods import BillingPeriod
from .tariffs import Service, Tariff

__all__ = [
    "MONEY",
    "PRECISE",
    "AppendOnlyQuerySet",
    "BillingPeriod",
    "Charge",
    "LedgerRow",
    "Payment",
    "Penalty",
    "Service",
    "Tariff",
]

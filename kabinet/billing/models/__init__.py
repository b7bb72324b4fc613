"""Services, dated tariffs, billing periods and the money ledgers.

Rules live in services.py (a tariff's fit in its history: `tariff_check`; a closed
period takes no lines: `charge_add`, `penalty_add`) and in the billing run
(kabinet/billing/run/); the models hold what the database can enforce. The ledgers'
rules are in ledger.py.

Bank payment registers (Register, its lines, RegisterFormat) are loaded by
billing/registers/ (docs/registers.md).
"""

from kabinet.core.append_only import AppendOnlyQuerySet

from .fields import MONEY, PRECISE
from .ledger import Charge, LedgerRow, Payment, Penalty, PeriodTotal
from .penalties import ContractDueDay, KeyRate, PenaltyCap, PenaltyLine, PenaltyMoratorium
from .periods import BillingPeriod
from .recalculations import Recalculation, TemporaryAbsence
from .registers import Register, RegisterFormat, RegisterLine
from .runs import BillingRun, RunChunk, RunIssue
from .tariffs import WASTEWATER, ZONE_NAMES, Service, Tariff
from .usage import HouseResourceVolume, MeterUsage

__all__ = [
    "MONEY",
    "PRECISE",
    "WASTEWATER",
    "ZONE_NAMES",
    "AppendOnlyQuerySet",
    "BillingPeriod",
    "BillingRun",
    "Charge",
    "ContractDueDay",
    "HouseResourceVolume",
    "KeyRate",
    "LedgerRow",
    "MeterUsage",
    "Payment",
    "Penalty",
    "PenaltyCap",
    "PenaltyLine",
    "PenaltyMoratorium",
    "PeriodTotal",
    "Recalculation",
    "Register",
    "RegisterFormat",
    "RegisterLine",
    "RunChunk",
    "RunIssue",
    "Service",
    "Tariff",
    "TemporaryAbsence",
]

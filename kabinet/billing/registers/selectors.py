"""Reads of the bank registers: a register's outcome, its lines, the same file loaded before."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from kabinet.core.money import ZERO

from ..models import Register, RegisterLine


@dataclass
class Summary:
    """What came of a register: the figures `manage.py payments_import --json` prints."""

    imported: int = 0
    imported_sum: Decimal = ZERO
    duplicates: int = 0
    duplicate_sum: Decimal = ZERO
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    rejected: bool = False
    register: Register | None = None

    def as_json(self) -> dict:
        return {
            "imported": self.imported,
            "imported_sum": f"{self.imported_sum:.2f}",
            "duplicates": self.duplicates,
            "errors": [{"line": line, "reason": reason} for line, reason in self.errors],
            "rejected": self.rejected,
        }


def register_summary(register: Register) -> Summary:
    errors = register.lines.filter(outcome=RegisterLine.Outcome.ERROR).order_by("number")
    return Summary(
        imported=register.imported_count,
        imported_sum=register.imported_sum,
        duplicates=register.duplicate_count,
        duplicate_sum=register.duplicate_sum,
        errors=list(errors.values_list("number", "reason")),
        register=register,
    )


def register_lines(*, register: Register, outcome: str | None = None) -> QuerySet:
    """A register's lines in file order, all or those of one outcome (for pagination)."""
    lines = RegisterLine.objects.filter(register=register)
    if outcome:
        lines = lines.filter(outcome=outcome)
    return lines.order_by("number")


def registers_same_file(*, register: Register) -> list[Register]:
    """Other registers of the same content (a file loaded again), oldest first."""
    same = Register.objects.filter(file_hash=register.file_hash).exclude(pk=register.pk)
    return list(same.select_related("loaded_by").order_by("created_at", "pk"))

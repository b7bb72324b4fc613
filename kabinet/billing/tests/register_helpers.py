"""Helpers for the bank register tests: the sample files and an organization to load them."""

from pathlib import Path

from kabinet.billing.registers.formats import format_get
from kabinet.billing.registers.services import register_import
from tests.factories import OrganizationFactory, PersonalAccountFactory

SAMPLES = Path(__file__).resolve().parent / "registers"
# The accounts the sample files pay to (9999999 and 7777 are unknown on purpose).
ACCOUNT_NUMBERS = ("1001", "1002", "1003", "1004")


def organization_with_accounts():
    """An organization with the sample files' four accounts; returns (organization,
    {number: account})."""
    organization = OrganizationFactory()
    accounts = {
        number: PersonalAccountFactory(number=number, premises__house__organization=organization)
        for number in ACCOUNT_NUMBERS
    }
    return organization, accounts


def load(name_or_path, fmt: str, organization, **options):
    """Import a sample file (or any path) in a format key; returns the Summary."""
    path = name_or_path if isinstance(name_or_path, Path) else SAMPLES / name_or_path
    return register_import(path=path, fmt=format_get(fmt), organization=organization, **options)


def outcomes(register) -> dict[int, tuple[str, str]]:
    """{line number: (outcome, reason)} of a register."""
    return {line.number: (line.outcome, line.reason) for line in register.lines.all()}

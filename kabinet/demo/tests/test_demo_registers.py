"""The demo's bank registers load into the demo company as docs/registers.md says."""

import io
import json

import pytest
from django.core.management import call_command

from kabinet.billing.models import RegisterFormat
from kabinet.demo.registers import AKBARS, FILES

# The files name the accounts of a fresh `make run` database (050000001…: the account
# numbers begin with the organization's id), so ids start from 1 here too.
pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

SOLNECHNY_INN = "1650987654"


@pytest.fixture
def load_demo_data():
    call_command("load_demo", stdout=io.StringIO())


def _import(name: str, fmt: str) -> dict:
    out = io.StringIO()
    call_command("payments_import", str(FILES / name), "--format", fmt, "--organization",
                 SOLNECHNY_INN, "--json", stdout=out)  # fmt: skip
    return json.loads(out.getvalue())


DEMO_REGISTERS = [  # file, format, imported, their sum, lines with errors
    ("sber-solnechny-gorod-2026-12-02.txt", "sber", 5, "30124.51", [5, 6]),
    ("sber-solnechny-gorod-2026-12-03.zip", "sber", 2, "13943.46", []),
    ("rc-solnechny-gorod-2026-12-01.csv", "csv", 2, "11120.40", [4]),
    ("akbars-solnechny-gorod-2026-12-03.txt", AKBARS, 3, "17760.12", []),
]


def test_each_demo_register_loads_into_the_demo_company_once(load_demo_data):
    for name, fmt, imported, total, error_lines in DEMO_REGISTERS:
        result = _import(name, fmt)
        assert (result["imported"], result["imported_sum"], result["duplicates"]) == (
            imported, total, 0
        ), name  # fmt: skip
        assert [error["line"] for error in result["errors"]] == error_lines, name
        again = _import(name, fmt)
        assert (again["imported"], again["duplicates"]) == (0, imported), name


def test_the_demo_format_is_loaded_once(load_demo_data):
    call_command("load_demo", stdout=io.StringIO())
    fmt = RegisterFormat.objects.get(name=AKBARS)
    assert (fmt.delimiter, fmt.header_lines, fmt.footer_lines) == ("|", 2, 1)
    assert RegisterFormat.objects.count() == 1

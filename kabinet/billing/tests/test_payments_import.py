"""`manage.py payments_import`: the JSON it prints and its exit statuses."""

import io
import json
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from kabinet.billing.models import Payment, Register, RegisterFormat
from tests.factories import OrganizationFactory

from .register_helpers import SAMPLES, organization_with_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return organization_with_accounts()


def run(*arguments) -> tuple[str, int]:
    """(stdout, exit status) of the command."""
    out = io.StringIO()
    try:
        call_command("payments_import", *map(str, arguments), stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def test_it_prints_the_outcome_as_json_and_exits_0_despite_line_errors(company):
    organization, _accounts = company
    out, status = run(SAMPLES / "sber-2014-09-30.txt", "--format", "sber", "--organization",
                      organization.inn, "--json")  # fmt: skip

    assert status == 0
    assert json.loads(out) == {
        "imported": 4,
        "imported_sum": "5465.35",
        "duplicates": 1,
        "errors": [
            {"line": 4, "reason": "Лицевой счет «9999999» не найден в организации."},
            {"line": 5, "reason": "Даты «31-09-2014» не существует."},
            {"line": 6, "reason": "Не указана сумма."},
            {"line": 7, "reason": "Сумма «12,3,4» не распознана."},
            {"line": 8, "reason": "Неверное число полей: 7, а нужно не меньше 12."},
        ],
        "rejected": False,
    }
    assert list(json.loads(out)) == [
        "imported",
        "imported_sum",
        "duplicates",
        "errors",
        "rejected",
    ]
    assert Payment.objects.count() == 4


def test_a_second_run_imports_nothing(company):
    _organization, _accounts = company
    arguments = (SAMPLES / "sber-2014-09-30.txt", "--format", "sber", "--json")
    run(*arguments)  # one management company: no --organization needed
    out, status = run(*arguments)
    assert status == 0
    result = json.loads(out)
    assert (result["imported"], result["imported_sum"], result["duplicates"]) == (0, "0.00", 5)
    assert Payment.objects.count() == 4


def test_a_rejected_file_exits_2_and_imports_nothing(company):
    out, status = run(SAMPLES / "sber-control-mismatch.txt", "--format", "sber", "--json")
    assert status == 2
    result = json.loads(out)
    assert result["rejected"] is True and result["imported"] == 0
    assert result["errors"][0]["line"] == 11
    assert "не сходится" in result["errors"][0]["reason"]
    assert Payment.objects.count() == 0 and Register.objects.count() == 0


def test_a_file_that_cannot_be_read_exits_2(company, tmp_path):
    out, status = run(tmp_path / "missing.txt", "--format", "sber", "--json")
    assert status == 2
    assert json.loads(out)["rejected"] is True
    assert "Файл не прочитан" in json.loads(out)["errors"][0]["reason"]


def test_a_dry_run_reports_and_keeps_nothing(company):
    out, status = run(SAMPLES / "sber-2014-09-30.txt", "--format", "sber", "--dry-run", "--json")
    assert status == 0
    assert (json.loads(out)["imported"], json.loads(out)["imported_sum"]) == (4, "5465.35")
    assert Payment.objects.count() == 0 and Register.objects.count() == 0


def test_the_words_for_a_person(company):
    out, status = run(SAMPLES / "vtb-2014-09-30.txt", "--format", "vtb")
    assert status == 0
    assert "Зачислено: 3 на 4\u202f541,56 ₽" in out
    assert "строка 4: Даты «31-09-2014» не существует." in out


def test_a_configured_format_is_named_by_its_name(company):
    _organization, _accounts = company
    RegisterFormat.objects.create(
        name="АК БАРС", bank="АК БАРС", encoding="cp1251", delimiter="|", header_lines=2,
        footer_lines=1, date_column=2, payment_id_column=3, account_column=4, amount_column=6,
    )  # fmt: skip
    out, status = run(SAMPLES / "akbars-2014-10-01.txt", "--format", "ак барс", "--json")
    assert status == 0 and json.loads(out)["imported_sum"] == "1700.50"
    assert Payment.objects.get(external_id__contains="AB-1").amount == D("1500.00")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "alfa"], "Неизвестный формат «alfa»"),
        (["--format", "sber", "--organization", "0000000000"], "Нет управляющей организации"),
        (["--format", "sber"], "Укажите --organization"),
    ],
)
def test_what_cannot_be_done_is_said_and_exits_2(company, arguments, message):
    OrganizationFactory()  # a second management company
    with pytest.raises(CommandError, match=message) as refused:
        call_command("payments_import", str(SAMPLES / "sber-2014-09-30.txt"), *arguments,
                     stdout=io.StringIO())  # fmt: skip
    assert refused.value.returncode == 2
    assert Payment.objects.count() == 0

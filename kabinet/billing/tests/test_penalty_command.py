"""`manage.py penalty`: the table and the JSON agree with the function; refusals are one line
with exit status 2."""

import datetime
import io
import json
import re
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kabinet.billing.penalties import debt_penalty, rates_current

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ["--debt", "100000", "--due", "2024-05-31", "--until", "2024-09-01",
           "--paid", "2024-09-01:100000"]  # fmt: skip
PARTIAL = ["--debt", "30000", "--due", "2019-04-10", "--until", "2019-08-01",
           "--paid", "2019-07-01:10000", "--paid", "2019-06-10:10000"]  # fmt: skip


def run(*arguments) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("penalty", *arguments, stdout=out)
    except CommandError as error:
        return str(error), error.returncode
    return out.getvalue(), 0


def expected(debt, due, until, payments=(), capital_repair=False):
    return debt_penalty(
        debt=D(debt), due=datetime.date.fromisoformat(due), until=datetime.date.fromisoformat(until),
        payments=[(datetime.date.fromisoformat(d), D(s)) for d, s in payments],
        capital_repair=capital_repair, rates=rates_current(),
    )  # fmt: skip


def test_the_json_of_the_domain_example():
    out, status = run(*EXAMPLE, "--json")
    assert status == 0
    assert json.loads(out) == {
        "total": "2119.23",
        "rows": [
            {"debt": "100000.00", "from": "2024-07-01", "to": "2024-08-29", "days": 60,
             "share": "1/300", "rate": "9.5", "sum": "1900.00"},
            {"debt": "100000.00", "from": "2024-08-30", "to": "2024-09-01", "days": 3,
             "share": "1/130", "rate": "9.5", "sum": "219.23"},
        ],
    }  # fmt: skip


@pytest.mark.parametrize("capital_repair", [False, True])
def test_the_json_agrees_with_the_function(capital_repair):
    flag = ["--capital-repair"] if capital_repair else []
    out, status = run(*PARTIAL, *flag, "--json")
    result = expected("30000", "2019-04-10", "2019-08-01",
                      [("2019-06-10", "10000"), ("2019-07-01", "10000")], capital_repair)  # fmt: skip
    assert status == 0
    assert json.loads(out) == result.as_json()
    assert json.loads(out)["total"] == ("483.35" if not capital_repair else str(result.total))


def _table_rows(out: str) -> list[list[str]]:
    lines = out.strip().splitlines()
    return [re.split(r" {2,}", line.strip()) for line in lines[1:-1]]


def _number(text: str) -> D:
    return D(text.replace("\u202f", "").replace(",", "."))


def test_the_table_agrees_with_the_function_and_the_json():
    out, status = run(*PARTIAL)
    result = expected("30000", "2019-04-10", "2019-08-01",
                      [("2019-06-10", "10000"), ("2019-07-01", "10000")])  # fmt: skip
    assert status == 0
    table = _table_rows(out)
    assert [
        (_number(debt), start, end, int(days), share, _number(rate), _number(amount))
        for debt, start, end, days, share, rate, amount in table
    ] == [
        (r.debt, f"{r.start:%d.%m.%Y}", f"{r.end:%d.%m.%Y}", r.days, r.share_label, r.rate, r.sum)
        for r in result.rows
    ]
    assert out.strip().splitlines()[-1] == "Итого пени: 483,35 ₽"
    assert out.splitlines()[0].split() == ["Долг,", "₽", "С", "По", "Дней", "Доля",
                                           "Ставка,", "%", "Сумма,", "₽"]  # fmt: skip


def test_the_table_of_a_debt_paid_within_30_days():
    out, status = run("--debt", "500", "--due", "2024-05-31", "--until", "2024-12-01",
                      "--paid", "2024-06-30:500")  # fmt: skip
    assert status == 0
    assert "пени не начисляются" in out and out.strip().endswith("Итого пени: 0,00 ₽")


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--debt", "100", "--due", "2024-02-30", "--until", "2024-09-01"], "2024-02-30"),
        (["--debt", "100", "--due", "2024-05-31", "--until", "01.09.2024"], "01.09.2024"),
        (["--debt", "-100", "--due", "2024-05-31", "--until", "2024-09-01"], "отрицательная"),
        (["--debt", "сто", "--due", "2024-05-31", "--until", "2024-09-01"], "не распознана"),
        (["--debt", "100.001", "--due", "2024-05-31", "--until", "2024-09-01"], "двух знаков"),
        ([*EXAMPLE[:6], "--paid", "2024-09-01:-5"], "отрицательная"),
        ([*EXAMPLE[:6], "--paid", "2024-09-01"], "ДАТА:СУММА"),
        ([*EXAMPLE[:6], "--paid", "2024-13-01:5"], "2024-13-01"),
        ([*EXAMPLE[:6], "--paid", "2024-03-31:5"], "раньше, чем возник долг"),
        ([*EXAMPLE[:6], "--paid", "2024-09-02:5"], "позже даты расчета"),
        ([*EXAMPLE[:6], "--paid", "2024-09-01:100000.01"], "больше суммы долга"),
        ([*EXAMPLE, "--interest", "5"], "неизвестные параметры: --interest"),
        (["--debt", "100", "--due", "2024-05-31"], "--until"),
        (["--debt", "100", "--due", "2010-05-31", "--until", "2011-09-01"], "нет ставки"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_status_2(arguments, reason):
    message, status = run(*arguments)
    assert status == 2
    assert reason in message and "\n" not in message and message.startswith("Отказ: ")


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--debt", "100", "--due", "2024-02-30", "--until", "2024-09-01"], "2024-02-30"),
        ([*EXAMPLE, "--interest", "5"], "--interest"),
        ([*EXAMPLE[:6], "--paid", "2020-01-01:5"], "раньше, чем возник долг"),
    ],
)
def test_from_the_command_line_a_refusal_is_one_line_on_stderr_and_status_2(arguments, reason):
    done = subprocess.run(
        [sys.executable, "manage.py", "penalty", *arguments],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    refusal = [line for line in done.stderr.splitlines() if "Отказ" in line]
    assert len(refusal) == 1 and reason in refusal[0], done.stderr
    assert "usage:" not in done.stderr and "Traceback" not in done.stderr

"""Importing a Сбербанк register (lines/s) against a bulk insert of the same rows.

A register of one payment for each of N generated accounts (N = --scale, 100 000 by
default) is written to a file. The baseline parses it and matches its accounts
beforehand (untimed), then times only the insertion of what the import writes: the
register, its payments and its lines, by `bulk_create`, in one transaction that is
rolled back. The subject times the whole import of the file (`register_import`:
storing the file, streaming it, checking each line, finding and locking the accounts,
looking for duplicates, posting in batches, checking the control line), run in a
process of its own (bench/register_import.py) whose peak RSS is reported beside.
Target: the import within 3× of the bare insert (ratio ≥ 0.33).
"""

import datetime
import json
import os
import random
import subprocess
import sys
import time
from decimal import Decimal as D
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from bench.harness import Context, Result, benchmark, throughput
from kabinet.billing.models import Payment, Register, RegisterLine
from kabinet.billing.registers.reading import LineReader
from kabinet.billing.registers.sber import SberParser
from kabinet.core.periods import add_months
from kabinet.demo.registry import accounts_generate, company_ensure
from kabinet.housing.models import PersonalAccount

CITY = "г. Тестоград"
STREETS = ["ул. Первая", "ул. Вторая", "ул. Третья"]
SURNAMES = ["ИВАНОВ", "СЕМЁНОВА-ТЯН-ШАНСКАЯ", "ХАЙРУЛЛИН", "ПЁТРОВ"]


def _rub(amount: D) -> str:
    return f"{amount:.2f}".replace(".", ",")


def register_write(path: Path, numbers: list[str], *, day: datetime.date, seed: int = 13) -> D:
    """A Сбербанк register paying each account once; returns its total."""
    rng = random.Random(seed)
    total = fees = D("0")
    with path.open("w", encoding="cp1251", newline="\r\n") as file:
        for operation, number in enumerate(numbers, 1):
            paid = D(rng.randrange(30000, 900000)) / 100
            fee = (paid / 100).quantize(D("0.01"))
            total, fees = total + paid, fees + fee
            file.write(
                f"{day:%d-%m-%Y};{rng.randrange(8, 20):02d}-{rng.randrange(60):02d}-00;8610;"
                f"861001{operation % 40:02d};{operation};{number};"
                f"{rng.choice(SURNAMES)} ИВАН ИВАНОВИЧ;г. Тестоград, ул. Первая, д. 1, кв. 1;"
                f"{day:%m%y};{_rub(paid)};{_rub(paid - fee)};{_rub(fee)}\n"
            )
        file.write(
            f"={len(numbers)};{_rub(total)};{_rub(total - fees)};{_rub(fees)};4817;{day:%d-%m-%Y}\n"
        )
    return total


def _parsed_rows(path: Path, organization) -> list:
    """The file's lines, parsed and matched to accounts: what the baseline inserts."""
    accounts = dict(
        PersonalAccount.objects.filter(organization=organization).values_list("number", "pk")
    )
    parser = SberParser()
    with path.open("rb") as file:
        lines = list(parser.parse(LineReader(file)))
    return [(line, accounts[line.account_number]) for line in lines]


def _bulk_insert(rows: list, organization) -> None:
    """The register, payments and lines the import writes, inserted by bulk_create."""
    register = Register.objects.create(
        organization=organization, kind="sber", bank="ПАО Сбербанк", file_name="bench.txt",
        file_hash="0" * 64, status=Register.Status.IMPORTED, imported_at=timezone.now(),
    )  # fmt: skip
    payments = Payment.objects.bulk_create(
        [
            Payment(
                account_id=account_id,
                paid_on=line.paid_on,
                amount=line.amount,
                source="bank",
                external_id=line.identity,
                note=f"Реестр № {register.pk}, строка {line.number}",
            )
            for line, account_id in rows
        ],
        batch_size=1000,
    )
    RegisterLine.objects.bulk_create(
        [
            RegisterLine(
                register=register,
                number=line.number,
                outcome="imported",
                external_id=line.identity,
                account_id=account_id,
                account_number=line.account_number,
                paid_on=line.paid_on,
                amount=line.amount,
                period=line.period,
                payer=line.payer,
                address=line.address,
                payment_id=payment.pk,
            )
            for (line, account_id), payment in zip(rows, payments, strict=True)
        ],
        batch_size=1000,
    )


def _import_in_a_fresh_process(path: Path, organization_id: int) -> dict:
    """Run the import in a process of its own (bench/register_import.py), so that its
    peak RSS is its own and not what building the accounts left behind."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.register_import", str(path), str(organization_id)],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


@benchmark("registers")
def registers(context: Context) -> Result:
    count = 300 if context.quick else context.scale
    months = [add_months(timezone.localdate(), -1)]
    company = company_ensure(name="УК Реестры", inn="7700000004", city=CITY, last_month=months[-1])
    organization = company.organization
    accounts_generate(company=company, count=count, months=months, city=CITY, streets=STREETS)
    numbers = list(
        PersonalAccount.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("number", flat=True)[:count]
    )
    folder = Path(os.environ.get("KABINET_VAR_DIR", "."))
    path = folder / "sber-bench.txt"
    total = register_write(path, numbers, day=months[-1] + datetime.timedelta(days=20))

    rows = _parsed_rows(path, organization)
    started = time.perf_counter()
    with transaction.atomic():
        _bulk_insert(rows, organization)
        baseline = throughput(count, started)
        transaction.set_rollback(True)
    del rows

    run = _import_in_a_fresh_process(path, organization.pk)
    subject = count / run["elapsed"]
    assert (run["imported"], D(run["imported_sum"]), run["errors"]) == (count, total, 0), run
    return Result(
        name="registers",
        unit="lines/s",
        subject=subject,
        baseline=baseline,
        baseline_label=(
            f"bulk_create of the same {count} parsed lines (register, payments, lines); "
            f"the import's peak RSS {run['peak']:.0f} MiB (Django loaded: {run['before']:.0f} MiB), "
            f"file {path.stat().st_size / 1024 / 1024:.1f} MB"
        ),
        target=1 / 3,
    )

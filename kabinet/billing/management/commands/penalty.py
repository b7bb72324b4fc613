"""`manage.py penalty --debt 100000 --due 2024-05-31 --until 2024-09-01
--paid 2024-09-01:100000 [--paid DATE:SUM …] [--capital-repair] [--json]`: the penalty on one
debt with its breakdown (docs/penalties.md), from the rate table in the database.

`--due` is the last day to pay (day 1 of delay is the day after); `--until` the calculation
date, itself a day of delay for what is unpaid. Bad input (a date that does not exist, a
negative sum, a payment before the debt arose or after `--until`, payments above the debt,
an unknown option) is refused with one line on stderr and exit status 2.
"""

import argparse
import datetime
import json
import sys
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kabinet.billing.penalties import NoRate, debt_penalty, rate_text, rates_current
from kabinet.core.money import format_money
from kabinet.core.periods import add_months, month_start

REFUSED = 2
ARGPARSE_WORDS = (
    ("unrecognized arguments", "неизвестные параметры"),
    ("the following arguments are required", "не указаны обязательные параметры"),
    ("expected one argument", "нужно значение"),
    ("argument ", "параметр "),
)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("даты «%(text)s» нет: нужна существующая дата ГГГГ-ММ-ДД") % {"text": text}
        ) from None


def _sum(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(
            _("сумма «%(text)s» не распознана") % {"text": text}
        ) from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(_("сумма «%(text)s» не распознана") % {"text": text})
    if value < 0:
        raise argparse.ArgumentTypeError(
            _("сумма «%(text)s» отрицательная: нужна сумма от нуля") % {"text": text}
        )
    if value != value.quantize(Decimal("0.01")):
        raise argparse.ArgumentTypeError(
            _("сумма «%(text)s»: не больше двух знаков после запятой") % {"text": text}
        )
    return value.quantize(Decimal("0.01"))


def _payment(text: str) -> tuple[datetime.date, Decimal]:
    day, colon, amount = text.partition(":")
    if not colon:
        raise argparse.ArgumentTypeError(
            _("платеж «%(text)s»: нужно ДАТА:СУММА, например 2024-09-01:100000") % {"text": text}
        )
    paid = _sum(amount)
    if paid == 0:
        raise argparse.ArgumentTypeError(_("платеж «%(text)s»: сумма нулевая") % {"text": text})
    return _date(day), paid


class Command(BaseCommand):
    help = "Рассчитать пени на один долг с расшифровкой (ЖК РФ ст. 155 ч. 14)."
    requires_system_checks = []  # a refusal is one line, without the checks' warnings

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message):
            # One line and status 2, rather than argparse's usage text.
            for english, russian in ARGPARSE_WORDS:
                message = message.replace(english, russian)
            line = _("Отказ: %(reason)s.") % {"reason": message}
            if parser.called_from_command_line:
                sys.stderr.write(line + "\n")
                sys.exit(REFUSED)
            raise CommandError(line, returncode=REFUSED)

        parser.error = error
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--debt", type=_sum, required=True, help="сумма долга, ₽")
        parser.add_argument(
            "--due", type=_date, required=True, help="последний день оплаты, ГГГГ-ММ-ДД"
        )
        parser.add_argument(
            "--until", type=_date, required=True, help="дата расчета (сама день просрочки)"
        )
        parser.add_argument(
            "--paid",
            type=_payment,
            action="append",
            default=[],
            metavar="ДАТА:СУММА",
            help="платеж в счет этого долга; можно несколько",
        )
        parser.add_argument(
            "--capital-repair", action="store_true", help="взнос на капремонт: 1/300 весь срок"
        )
        parser.add_argument("--json", action="store_true", help="вывести результат в JSON")

    def handle(self, *args, **options):
        debt, due, until = options["debt"], options["due"], options["until"]
        payments = sorted(options["paid"])
        # The debt arises with its bill: at the earliest in the month before its due date's.
        arose = add_months(month_start(due), -1)
        for day, _amount in payments:
            if day < arose:
                self._refuse(
                    _("платеж %(day)s раньше, чем возник долг (не ранее %(arose)s)")
                    % {"day": f"{day:%d.%m.%Y}", "arose": f"{arose:%d.%m.%Y}"}
                )
            if day > until:
                self._refuse(
                    _("платеж %(day)s позже даты расчета %(until)s")
                    % {"day": f"{day:%d.%m.%Y}", "until": f"{until:%d.%m.%Y}"}
                )
        if sum((amount for _day, amount in payments), Decimal(0)) > debt:
            self._refuse(_("платежи больше суммы долга"))
        try:
            result = debt_penalty(
                debt=debt, due=due, until=until, payments=payments,
                capital_repair=options["capital_repair"], rates=rates_current(),
            )  # fmt: skip
        except NoRate as missing:
            self._refuse(
                _("нет ставки Банка России на %(day)s") % {"day": f"{missing.day:%d.%m.%Y}"}
            )
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self._table(result)

    def _refuse(self, reason: str):
        raise CommandError(_("Отказ: %(reason)s.") % {"reason": reason}, returncode=REFUSED)

    def _table(self, result) -> None:
        headings = (_("Долг, ₽"), _("С"), _("По"), _("Дней"), _("Доля"), _("Ставка, %"),
                    _("Сумма, ₽"))  # fmt: skip
        lines = [
            (
                format_money(row.debt),
                f"{row.start:%d.%m.%Y}",
                f"{row.end:%d.%m.%Y}",
                str(row.days),
                row.share_label,
                rate_text(row.rate).replace(".", ","),
                format_money(row.sum),
            )
            for row in result.rows
        ]
        widths = [
            max(len(cell) for cell in column) for column in zip(headings, *lines, strict=False)
        ]
        left = {1, 2, 4}
        for cells in (headings, *lines):
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) if index in left else cell.rjust(width)
                    for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
                ).rstrip()
            )
        if not lines:
            self.stdout.write(_("Просрочки больше 30 дней нет: пени не начисляются."))
        self.stdout.write(_("Итого пени: %(total)s ₽") % {"total": format_money(result.total)})

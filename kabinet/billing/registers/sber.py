"""Сбербанк's register of accepted payments (docs/registers.md).

Text, Windows-1251 (UTF-8 is read too), `;`-separated, no header; one payment a line:

    0 date ДД-ММ-ГГГГ; 1 time; 2 branch (ОСБ); 3 sub-branch or cashier; 4 operation number;
    5 personal account; 6 payer's name; 7 address; 8 period ММГГ or ММГГГГ;
    [meter and service blocks of the extended variants]; paid; transferred; bank fee

The three sums are read from the end of the line. The last line starts with "=":
count; total paid; total transferred; total fee; payment order number; its date.
A payment is identified by its date, branch and operation number.
"""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from .parsing import (
    DateFormat,
    LineError,
    ParsedLine,
    Parser,
    amount_or_none,
    clean,
    parse_amount,
    parse_control,
    parse_date,
    parse_period,
    split_fields,
)

FIELDS = 12  # at least: nine fields, then the three sums
DATES = [DateFormat("%d-%m-%Y"), DateFormat("%d.%m.%Y")]


def identity(prefix: str, paid_on, *parts: str) -> str:
    """A bank payment's identity, the same whoever loads it: "sber:2014-09-30:8610:4521"."""
    return ":".join([prefix, paid_on.isoformat(), *parts])[:255]


class SberParser(Parser):
    kind = "sber"
    bank = "ПАО Сбербанк"
    needs_control = True

    def __init__(self, **_context):
        super().__init__()

    def _parse(self, number: int, text: str) -> Iterator[ParsedLine]:
        if text.lstrip().startswith("="):
            self.control = parse_control(number, text)
            return
        self.count += 1
        fields = [field.strip() for field in split_fields(text, ";")]
        if len(fields) > FIELDS and not fields[-1]:
            fields.pop()  # a separator closing the line
        line = ParsedLine(number)
        if len(fields) < FIELDS:
            line.errors.append(
                _("Неверное число полей: %(found)d, а нужно не меньше %(needed)d.")
                % {"found": len(fields), "needed": FIELDS}
            )
            yield self.failed(line, text)
            return
        self._add_totals(fields[-3:])
        self._read(line, fields, fields[-3])
        yield self.failed(line, text) if line.errors else line

    def _add_totals(self, sums: list[str]) -> None:
        """Add a line's sums as written to the totals checked against the control line (a
        line too short to tell where its sums are adds nothing)."""
        paid, transferred, fee = (amount_or_none(value) for value in sums)
        self.paid += paid or 0
        self.transferred += transferred or 0
        self.fee += fee or 0

    def _read(self, line: ParsedLine, fields: list[str], paid: str) -> None:
        """Fill `line` from the nine leading fields and the sum paid; reasons go to errors."""
        date, _time, branch, cashier, operation, account, payer, address, period = fields[:9]
        try:
            line.paid_on = parse_date(date, DATES)
        except LineError as error:
            line.errors.append(str(error))
        line.account_number = account[:40]
        if not account:
            line.errors.append(_("Не указан лицевой счет."))
        try:
            line.amount = parse_amount(paid)
        except LineError as error:
            line.errors.append(str(error))
        if not operation:
            line.errors.append(_("Не указан номер операции."))
        line.payer, line.address = clean(payer)[:255], clean(address)[:255]
        try:
            line.period = parse_period(period)
        except LineError as error:
            line.note = str(error)
        if line.paid_on and operation:
            line.identity = self.identity(
                line, branch=branch, cashier=cashier, operation=operation
            )

    def identity(self, line: ParsedLine, *, branch: str, cashier: str, operation: str) -> str:
        # Unique at the bank by date, branch and operation number (docs/registers.md).
        return identity("sber", line.paid_on, branch, operation)

"""ВТБ's register of accepted payments (docs/registers.md).

`;`-separated, Windows-1251 or UTF-8, no header; one payment a line:

    0 registry id; 1 date and time ДД-ММ-ГГГГTЧЧ:ММ:СС with the zone (+0300 or Z);
    2 branch; 3 cashier; 4 operation number; 5 personal account; 6 payer's name;
    7 address; 8 period ММГГГГ; then meter and service blocks, each ending with "!";
    then paid; transferred; bank fee, each followed by its currency "RUB"
    (written "1500.00RUB", "1500.00 RUB" or "1500.00;RUB").

The last line starts with "=": count; total paid; total transferred; total fee
(with or without "RUB"). A payment is identified by its date, branch, cashier and
operation number.
"""

from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from .parsing import ParsedLine, parse_amount, parse_control, split_fields
from .sber import SberParser, identity

HEAD = 9  # the fields before the blocks
CURRENCY = "RUB"


def _without_currency(text: str) -> str:
    value = text.strip()
    return value[: -len(CURRENCY)] if value.upper().endswith(CURRENCY) else value


def parse_rub(text: str) -> Decimal:
    return parse_amount(_without_currency(text))


def _sums(tail: list[str]) -> list[str]:
    """The sums after the last "!"-terminated block, the currency fields dropped."""
    last_block = max((i for i, value in enumerate(tail) if value.endswith("!")), default=-1)
    return [value for value in tail[last_block + 1 :] if value.upper() != CURRENCY]


class VtbParser(SberParser):
    kind = "vtb"
    bank = "Банк ВТБ (ПАО)"

    def _parse(self, number: int, text: str) -> Iterator[ParsedLine]:
        if text.lstrip().startswith("="):
            self.control = parse_control(number, text, amount=parse_rub)
            return
        self.count += 1
        fields = [field.strip() for field in split_fields(text, ";")]
        while len(fields) > HEAD and not fields[-1]:
            fields.pop()
        line = ParsedLine(number)
        sums = _sums(fields[HEAD:])
        if len(fields) < HEAD or len(sums) != 3:
            line.errors.append(
                _(
                    "Неверное число полей: нужны %(head)d полей, блоки счетчиков и услуг, "
                    "затем три суммы (оплачено, перечислено, комиссия)."
                )
                % {"head": HEAD}
            )
            yield self.failed(line, text)
            return
        self._add_totals([_without_currency(value) for value in sums])
        # As Сбербанк's leading fields: date, time (here within the date), branch, cashier…
        leading = [fields[1].split("T", 1)[0], "", *fields[2:HEAD]]
        self._read(line, leading, _without_currency(sums[0]))
        yield self.failed(line, text) if line.errors else line

    def identity(self, line: ParsedLine, *, branch: str, cashier: str, operation: str) -> str:
        return identity("vtb", line.paid_on, branch, cashier, operation)

"""Registers as delimited columns: the built-in CSV format that finds its columns by the
header's names, and the formats staff configure in the back office (RegisterFormat).

Rows of totals ("Итого", "Всего", a row with a sum and nothing to name a payment) are
recognised and skipped. A payment is identified by the organization, the date, the
payment number, the account and the sum: payment numbers are the agent's own, so the
account and sum keep two agents' "payment 1" apart (docs/registers.md).
"""

import re
from collections import deque
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from .parsing import (
    DateFormat,
    LineError,
    ParsedLine,
    Parser,
    amount_or_none,
    clean,
    parse_amount,
    parse_date,
    parse_period,
    split_fields,
)
from .reading import RegisterRejected

REQUIRED = ("date", "account", "amount", "payment_id")
OPTIONAL = ("period", "payer", "address")
TOTAL_WORDS = ("итог", "всего", "total", "количество", "кол-во")


class ColumnParser(Parser):
    """Delimited lines; `columns` maps a field (REQUIRED and maybe OPTIONAL) to its
    0-based column. `width` set: a row must have exactly that many fields (trailing
    empty ones aside); otherwise at least as many as the columns need."""

    def __init__(
        self,
        *,
        organization,
        prefix: str,
        delimiter: str,
        columns: dict[str, int],
        dates: list[DateFormat],
        decimal_mark: str | None,
        thousands_spaces: bool,
        width: int | None = None,
        skip_head: int = 0,
        skip_tail: int = 0,
        encoding: str = "auto",
    ):
        super().__init__()
        self.organization = organization
        self.prefix = prefix
        self.delimiter = delimiter
        self.columns = columns
        self.dates = dates
        self.amount_options = {"decimal_mark": decimal_mark, "thousands_spaces": thousands_spaces}
        self.width = width
        self.skip_head = skip_head
        self.skip_tail = skip_tail
        self.encoding = encoding

    def parse(self, lines: Iterable[tuple[int, str | None]]) -> Iterator[ParsedLine]:
        return super().parse(self._body(lines))

    def _body(self, lines):
        """The lines past the header lines, and short of the footer lines."""
        held: deque = deque()
        for number, text in lines:
            if number <= self.skip_head:
                continue
            held.append((number, text))
            if len(held) > self.skip_tail:
                yield held.popleft()

    def _is_total(self, fields: list[str]) -> bool:
        values = [value.strip() for value in fields]
        first = next((value for value in values if value), "")
        if not first or first.lower().startswith(TOTAL_WORDS):
            return True
        named = [
            values[i] for key, i in self.columns.items() if key != "amount" and i < len(values)
        ]
        return not any(named)

    def _parse(self, number: int, text: str) -> Iterator[ParsedLine]:
        fields = split_fields(text, self.delimiter)
        if self._is_total(fields):
            return
        self.count += 1
        line = ParsedLine(number)
        columns = self.columns
        needed = max(columns.values()) + 1
        if columns["amount"] < len(fields):
            self.paid += amount_or_none(fields[columns["amount"]], **self.amount_options) or 0
        # Fewer fields than the header is fine if the columns needed are there; more is
        # fine if the extra ones are empty (a separator closing the line).
        extra = fields[self.width :] if self.width else []
        if len(fields) < needed or any(value.strip() for value in extra):
            line.errors.append(
                _("Неверное число полей: %(found)d, а нужно %(needed)d.")
                % {"found": len(fields), "needed": self.width or needed}
            )
            yield self.failed(line, text)
            return
        value = {key: fields[index].strip() for key, index in columns.items()}
        try:
            line.paid_on = parse_date(value["date"], self.dates)
        except LineError as error:
            line.errors.append(str(error))
        line.account_number = value["account"][:40]
        if not value["account"]:
            line.errors.append(_("Не указан лицевой счет."))
        try:
            line.amount = parse_amount(value["amount"], **self.amount_options)
        except LineError as error:
            line.errors.append(str(error))
        if not value["payment_id"]:
            line.errors.append(_("Не указан номер платежа."))
        line.payer = clean(value.get("payer", ""))[:255]
        line.address = clean(value.get("address", ""))[:255]
        try:
            line.period = parse_period(value.get("period", ""))
        except LineError as error:
            line.note = str(error)
        if line.errors:
            yield self.failed(line, text)
            return
        line.identity = ":".join([
            self.prefix, self.organization.inn, line.paid_on.isoformat(), value["payment_id"],
            line.account_number, str(line.amount),
        ])[:255]  # fmt: skip
        yield line


class CustomParser(ColumnParser):
    """A register format kept in the back office (RegisterFormat)."""

    kind = "custom"

    def __init__(self, *, organization, register_format):
        fmt = register_format
        columns = {key: getattr(fmt, f"{key}_column") - 1 for key in REQUIRED}
        for key in OPTIONAL:
            if getattr(fmt, f"{key}_column"):
                columns[key] = getattr(fmt, f"{key}_column") - 1
        super().__init__(
            organization=organization,
            prefix=f"fmt{fmt.pk}",
            delimiter=fmt.separator,
            columns=columns,
            dates=[DateFormat(fmt.date_format)],
            decimal_mark=fmt.decimal_mark,
            thousands_spaces=fmt.thousands_spaces,
            skip_head=fmt.header_lines,
            skip_tail=fmt.footer_lines,
            encoding=fmt.encoding,
        )
        self.bank = fmt.bank


# --- the built-in CSV format -------------------------------------------------------

HEADER_NAMES = {
    "date": ["дата платежа", "дата оплаты", "дата", "дата операции", "дата транзакции",
             "дата и время платежа", "дата и время оплаты"],
    "account": ["лицевой счет", "номер лицевого счета", "л с", "лс", "лиц счет", "номер лс",
                "лицевой счет абонента", "лицевой счет плательщика"],
    "amount": ["сумма", "сумма платежа", "сумма оплаты", "сумма руб", "сумма платежа руб",
               "оплачено", "сумма оплаты руб"],
    "payment_id": ["номер платежа", "номер операции", "id платежа", "идентификатор платежа",
                   "номер транзакции", "код операции", "уникальный номер платежа"],
    "period": ["период", "период оплаты", "расчетный период", "за период", "месяц оплаты"],
    "payer": ["фио плательщика", "фио", "плательщик", "фио абонента"],
    "address": ["адрес", "адрес плательщика", "адрес помещения"],
}  # fmt: skip
_NAME_OF = {name: key for key, names in HEADER_NAMES.items() for name in names}
HEADER_SEARCH_LINES = 20
CSV_DATES = [DateFormat(p) for p in ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%y")]


def _normal(name: str) -> str:
    name = name.lower().replace("ё", "е").replace("№", " номер ")
    return " ".join(re.sub(r"[^\w]+", " ", name).split())


def header_columns(fields: list[str]) -> dict[str, int]:
    """The fields a header row names, by column (the first column of a name wins)."""
    found: dict[str, int] = {}
    for index, name in enumerate(fields):
        key = _NAME_OF.get(_normal(name))
        if key and key not in found:
            found[key] = index
    return found


class CsvParser(ColumnParser):
    """CSV with a header row: `;`, `,` or tab; UTF-8 or Windows-1251; the columns found by
    their usual Russian names; title lines above the header are skipped."""

    kind = "csv"
    bank = "CSV-реестр"

    def __init__(self, *, organization, **_context):
        super().__init__(
            organization=organization, prefix="csv", delimiter=";", columns={},
            dates=CSV_DATES, decimal_mark=None, thousands_spaces=True,
        )  # fmt: skip

    def parse(self, lines: Iterable[tuple[int, str | None]]) -> Iterator[ParsedLine]:
        lines = iter(lines)
        looked = 0
        for _number, text in lines:
            if not text or not text.strip():
                continue
            if self._header(text):
                return super().parse(lines)
            looked += 1
            if looked >= HEADER_SEARCH_LINES:
                break
        raise RegisterRejected(
            _(
                "Не найдена строка заголовка. В CSV-файле нужны колонки «Дата платежа», "
                "«Лицевой счет», «Сумма» и «Номер платежа» (разделитель «;» или «,»)."
            )
        )

    def _header(self, text: str) -> bool:
        for delimiter in (";", ",", "\t"):
            fields = split_fields(text, delimiter)
            columns = header_columns(fields)
            if {"date", "account", "amount"} <= columns.keys():
                if "payment_id" not in columns:
                    raise RegisterRejected(
                        _(
                            "В заголовке нет колонки «Номер платежа» (или «Номер операции»): "
                            "без нее повторная загрузка провела бы платежи дважды."
                        )
                    )
                self.delimiter, self.columns, self.width = delimiter, columns, len(fields)
                return True
        return False

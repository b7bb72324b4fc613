"""What every register format shares: a parsed line, reading dates, sums and periods,
splitting a line into fields, and the check of a control line against the lines.

A parser turns the numbered lines of a file (reading.LineReader) into `ParsedLine`s,
one per payment line as written; a line it cannot read carries its `error`, and the
other lines go on. At the end `finish()` checks the file's control line, if the format
has one, and refuses the whole file on a mismatch.
"""

import csv
import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.money import ZERO, format_money

from .reading import MAX_LINE_BYTES, RegisterRejected

TEXT_KEPT = 500  # characters of an erroneous line kept to show it


class LineError(ValueError):
    """A reason a line cannot be imported, in words for the accountant."""


@dataclass(slots=True)
class ParsedLine:
    number: int
    account_number: str = ""
    paid_on: datetime.date | None = None
    amount: Decimal | None = None
    identity: str = ""  # the payment's identity at the bank: Payment.external_id
    period: datetime.date | None = None
    payer: str = ""
    address: str = ""
    errors: list[str] = field(default_factory=list)
    note: str = ""  # a remark on a line that is imported all the same
    text: str = ""  # the line as written, kept for erroneous lines

    @property
    def error(self) -> str:
        return "; ".join(self.errors)


@dataclass
class Control:
    """A file's control line: what the bank says the file holds."""

    line: int
    count: int
    paid: Decimal
    transferred: Decimal | None = None
    fee: Decimal | None = None
    order_number: str = ""
    order_date: datetime.date | None = None


# --- fields ------------------------------------------------------------------------


def split_fields(text: str, delimiter: str) -> list[str]:
    """The fields of one line; a field in double quotes may hold the delimiter."""
    if '"' not in text:
        return text.split(delimiter)
    return next(csv.reader([text], delimiter=delimiter, quotechar='"'), [])


def clean(value: str) -> str:
    return " ".join(value.split())


# --- sums --------------------------------------------------------------------------

_AMOUNT = re.compile(r"\d+(?:\.\d{1,2})?")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")


def parse_amount(
    text: str, *, decimal_mark: str | None = None, thousands_spaces: bool = True
) -> Decimal:
    """A sum of money as banks write it: "1500", "1500,5", "1 250,00" or "1250.00".

    `decimal_mark` None accepts a comma or a point (Сбербанк's files use either);
    otherwise only the one given. Raises LineError for a missing, malformed, zero or
    negative sum.
    """
    value = text.strip()
    if not value:
        raise LineError(_("Не указана сумма."))
    if thousands_spaces:
        value = value.translate(_SPACES)
    if decimal_mark is None:
        if "," in value and "." in value:
            raise LineError(_("Сумма «%(text)s» не распознана.") % {"text": text.strip()})
        value = value.replace(",", ".")
    elif decimal_mark == ",":
        if "." in value:
            raise LineError(
                _("Сумма «%(text)s» не распознана: десятичный разделитель — запятая.")
                % {"text": text.strip()}
            )
        value = value.replace(",", ".")
    negative = value.startswith("-")
    if not _AMOUNT.fullmatch(value.removeprefix("-")):
        raise LineError(_("Сумма «%(text)s» не распознана.") % {"text": text.strip()})
    amount = Decimal(value)
    if negative and amount:
        raise LineError(_("Сумма «%(text)s» меньше нуля.") % {"text": text.strip()})
    if not amount:
        raise LineError(_("Сумма равна нулю."))
    return amount.quantize(Decimal("0.01"))


def amount_or_none(text: str, **options) -> Decimal | None:
    try:
        return parse_amount(text, **options)
    except LineError:
        return None


# --- dates -------------------------------------------------------------------------

_DATE_PARTS = {"%d": r"(?P<d>\d{1,2})", "%m": r"(?P<m>\d{1,2})", "%Y": r"(?P<Y>\d{4})",
               "%y": r"(?P<y>\d{2})"}  # fmt: skip
_DATE_LABELS = {"%d": "ДД", "%m": "ММ", "%Y": "ГГГГ", "%y": "ГГ"}


class DateFormat:
    """A date written as `pattern` (strptime's %d, %m, %Y, %y), maybe followed by a time
    ("30.09.2014 14:05", "30-09-2014T14:05:33+0300"), which is ignored."""

    def __init__(self, pattern: str):
        regex = re.escape(pattern)
        label = pattern
        for code, part in _DATE_PARTS.items():
            regex = regex.replace(re.escape(code), part)
            label = label.replace(code, _DATE_LABELS[code])
        self.regex = re.compile(regex + r"(?:[ T].*)?")
        self.label = label

    def match(self, text: str) -> datetime.date | None:
        """The date, or None if the text is not written this way. Raises LineError for a
        date written this way that does not exist (31.02.2014)."""
        found = self.regex.fullmatch(text)
        if not found:
            return None
        parts = found.groupdict()
        year = int(parts["Y"]) if parts.get("Y") else 2000 + int(parts["y"])
        try:
            return datetime.date(year, int(parts["m"]), int(parts["d"]))
        except ValueError:
            raise LineError(_("Даты «%(text)s» не существует.") % {"text": text}) from None


def parse_date(text: str, formats: Iterable[DateFormat]) -> datetime.date:
    """A payment date in one of `formats`; not in the future (no bank has paid tomorrow)."""
    value = text.strip()
    if not value:
        raise LineError(_("Не указана дата платежа."))
    formats = list(formats)
    for date_format in formats:
        day = date_format.match(value)
        if day is not None:
            if day > timezone.localdate() + datetime.timedelta(days=1):
                raise LineError(_("Дата платежа %(text)s еще не наступила.") % {"text": value})
            return day
    raise LineError(
        _("Дата «%(text)s» не распознана: ожидается %(format)s.")
        % {"text": value, "format": formats[0].label}
    )


# --- periods -----------------------------------------------------------------------

_PERIODS = [
    (re.compile(r"(?P<m>\d{2})(?P<y>\d{2})"), 2000),  # ММГГ: 0914
    (re.compile(r"(?P<m>\d{2})(?P<y>\d{4})"), 0),  # ММГГГГ: 092014
    (re.compile(r"(?P<m>\d{1,2})[./-](?P<y>\d{4})"), 0),  # 09.2014, 9/2014
    (re.compile(r"(?P<m>\d{1,2})[./-](?P<y>\d{2})"), 2000),  # 09.14
    (re.compile(r"(?P<y>\d{4})[./-]?(?P<m>\d{2})"), 0),  # 2014-09, 201409
    (re.compile(r"\d{1,2}[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})"), 0),  # 01.09.2014
]


def parse_period(text: str) -> datetime.date | None:
    """The month a payment is for, written in any of the usual ways, or None if blank.

    Raises LineError when it is written but cannot be read: the payment is imported
    anyway (the period is information, the money is paid), with that remark.
    """
    value = text.strip()
    if not value:
        return None
    for pattern, century in _PERIODS:
        found = pattern.fullmatch(value)
        if found:
            month, year = int(found["m"]), century + int(found["y"])
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return datetime.date(year, month, 1)
    raise LineError(_("Период «%(text)s» не распознан.") % {"text": value})


# --- control lines -------------------------------------------------------------

_ORDER_DATES = [DateFormat("%d-%m-%Y"), DateFormat("%d.%m.%Y")]


def parse_control(number: int, text: str, *, amount=parse_amount) -> Control:
    """A control line "=count;paid;transferred;fee;payment order number;its date" (the
    last four may be missing). Raises RegisterRejected when it cannot be read."""
    fields = [field.strip() for field in split_fields(text.strip()[1:], ";")]
    fields += [""] * (6 - len(fields))
    try:
        count = int(fields[0])
        paid = _control_sum(fields[1], amount)
        if paid is None:
            raise LineError(fields[1])
        transferred, fee = _control_sum(fields[2], amount), _control_sum(fields[3], amount)
        order_date = None
        if fields[5]:
            order_date = next(
                (day for f in _ORDER_DATES if (day := f.match(fields[5])) is not None), None
            )
            if order_date is None:
                raise LineError(fields[5])
    except (ValueError, LineError):
        raise RegisterRejected(
            _(
                "Итоговая строка %(line)d не распознана: нужны число платежей и суммы "
                "через «;». Файл не загружен."
            )
            % {"line": number},
            line=number,
        ) from None
    return Control(
        line=number, count=count, paid=paid, transferred=transferred, fee=fee,
        order_number=fields[4][:40], order_date=order_date,
    )  # fmt: skip


def _control_sum(text: str, amount) -> Decimal | None:
    """A total of the control line: blank is "not given", zero is a total like any other."""
    if not text.strip():
        return None
    if text.strip().translate(_SPACES).replace(",", ".").lstrip("0.") == "":
        return ZERO
    return amount(text)


# --- parsers -----------------------------------------------------------------------


class Parser:
    """Base of the formats. Subclasses yield ParsedLine from `_parse` and may set
    `self.control`; totals of the payment lines as written are kept for the check."""

    kind = ""
    bank = ""
    needs_control = False
    encoding = "auto"

    def __init__(self):
        self.control: Control | None = None
        self.count = 0  # payment lines as written, good or bad
        self.paid = ZERO  # sums as written, where they can be read
        self.transferred = ZERO
        self.fee = ZERO

    def parse(self, lines: Iterable[tuple[int, str | None]]) -> Iterator[ParsedLine]:
        for number, text in lines:
            if text is None:
                self.count += 1
                too_long = _("Строка длиннее %(n)d байт: это не строка реестра.")
                yield ParsedLine(number, errors=[too_long % {"n": MAX_LINE_BYTES}])
                continue
            if not text.strip():
                continue
            if self.control is not None:
                raise RegisterRejected(
                    _("После итоговой строки (строка %(control)d) есть другие строки.")
                    % {"control": self.control.line},
                    line=number,
                )
            yield from self._parse(number, text)

    def _parse(self, number: int, text: str) -> Iterator[ParsedLine]:
        raise NotImplementedError

    def failed(self, line: ParsedLine, text: str) -> ParsedLine:
        line.text = text[:TEXT_KEPT]
        return line

    def finish(self) -> None:
        """Refuse the file if its control line is missing or disagrees with its lines."""
        if self.control is None:
            if self.needs_control:
                raise RegisterRejected(
                    _(
                        "В файле нет итоговой строки (она начинается со знака «=»): файл, "
                        "возможно, обрезан. Файл не загружен."
                    )
                )
            return
        control = self.control
        mismatches = []
        if control.count != self.count:
            mismatches.append(
                _("платежей %(control)d, а в файле %(lines)d")
                % {"control": control.count, "lines": self.count}
            )
        for label, expected, actual in [
            (_("сумма платежей"), control.paid, self.paid),
            (_("перечислено"), control.transferred, self.transferred),
            (_("комиссия"), control.fee, self.fee),
        ]:
            if expected is not None and expected != actual:
                mismatches.append(
                    _("%(label)s %(control)s, а по строкам %(lines)s")
                    % {
                        "label": label,
                        "control": format_money(expected),
                        "lines": format_money(actual),
                    }
                )
        if mismatches:
            raise RegisterRejected(
                _("Итоговая строка %(line)d не сходится со строками: %(what)s. Файл не загружен.")
                % {"line": control.line, "what": "; ".join(mismatches)},
                line=control.line,
            )

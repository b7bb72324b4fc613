"""Readings in and out as CSV: a month's sheet for export (every meter in service, its
readings or an empty line to fill in) and the import of such a sheet, for example from a
meter-reading contractor, line by line through the same rules (docs/meters.md).

The export is what Excel in Russia opens directly: UTF-8 with a BOM, `;` between
columns, decimal commas. The import takes the same columns (any order, extra columns
ignored), `;`, `,` or tabs, UTF-8 (with or without a BOM) or Windows-1251.
"""

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.core.periods import MONTHS_NOMINATIVE, month_label
from kabinet.core.security import log_event

from . import rules, selectors, services, window
from .models import Meter, Reading, ReadingSubmission

COLUMNS = {
    "account": gettext_lazy("Лицевой счет"),
    "address": gettext_lazy("Адрес"),
    "resource": gettext_lazy("Ресурс"),
    "serial": gettext_lazy("Заводской номер"),
    "zone": gettext_lazy("Зона"),
    "month": gettext_lazy("Месяц"),
    "kind": gettext_lazy("Вид"),
    "value": gettext_lazy("Показание"),
    "rollover": gettext_lazy("Переход через ноль"),
    "source": gettext_lazy("Источник"),
    "given": gettext_lazy("Передано"),
}
REQUIRED = ("serial", "month", "value")
YES = {"да", "yes", "1", "true", "+", "д", "y"}
MAX_LINES = 200_000


def month_parse(text: str) -> datetime.date:
    """ "11.2014", "2014-11", "01.11.2014", "ноябрь 2014" → 1 November 2014."""
    text = " ".join((text or "").strip().lower().split())
    for pattern in ("%m.%Y", "%Y-%m", "%d.%m.%Y", "%Y-%m-%d", "%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date().replace(day=1)
        except ValueError:
            continue
    names = [str(name) for name in MONTHS_NOMINATIVE]
    match = re.fullmatch(r"([а-яё]+)\s+(\d{4})(\s*г\.?)?", text)
    if match and match.group(1) in names:
        return datetime.date(int(match.group(2)), names.index(match.group(1)) + 1, 1)
    raise ValidationError(
        _("Месяц не распознан: «%(text)s». Пишите так: 11.2014.") % {"text": text[:20]},
        code="month",
    )


def _resource_codes() -> dict[str, str]:
    codes = {}
    for value, label in Meter.Resource.choices:
        codes[value] = value
        codes[str(label).lower()] = value
    codes.update(
        {"хвс": "cold_water", "гвс": "hot_water", "ээ": "electricity", "э/э": "electricity",
         "электричество": "electricity", "электроснабжение": "electricity"}
    )  # fmt: skip
    return codes


# --- export ------------------------------------------------------------------------------


def export_rows(*, month: datetime.date, organization_id: int | None = None) -> Iterator[list]:
    """The header, then one line per meter zone and reading of the month (an empty value
    where nothing was given)."""
    yield [str(label) for label in COLUMNS.values()]
    for meter, zone, reading in selectors.period_sheet(
        month=month, organization_id=organization_id
    ):
        yield [
            ", ".join(meter.account_numbers),
            meter.premises.address,
            meter.get_resource_display(),
            meter.serial_number,
            str(zone),
            f"{month:%m.%Y}",
            reading.get_kind_display() if reading else Reading.Kind.REGULAR.label,
            rules.format_reading(reading.value, meter.decimal_places).replace("\u202f", "")
            if reading
            else "",
            _("да") if reading and reading.rollover else "",
            reading.get_source_display() if reading else "",
            window.local_now(reading.submitted_at).strftime("%d.%m.%Y %H:%M") if reading else "",
        ]


class _Echo:
    def write(self, value):
        return value


def export_csv(*, month: datetime.date, organization_id: int | None = None) -> Iterator[bytes]:
    """The month's sheet as CSV bytes, line by line (for a streamed response)."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode()
    for row in export_rows(month=month, organization_id=organization_id):
        yield writer.writerow(row).encode()


# --- import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportLine:
    """The report of one line: `status` is accepted, replaced, unchanged, duplicate,
    skipped or error."""

    number: int
    status: str
    message: str
    serial: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("accepted", "replaced", "unchanged", "duplicate")


STATUS_LABELS = {
    "accepted": gettext_lazy("принято"),
    "replaced": gettext_lazy("заменено"),
    "unchanged": gettext_lazy("без изменений"),
    "duplicate": gettext_lazy("уже загружено"),
    "skipped": gettext_lazy("пропущено"),
    "error": gettext_lazy("ошибка"),
}


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _header_map(header: list[str]) -> dict[str, int]:
    names = {str(label).lower(): key for key, label in COLUMNS.items()}
    found = {}
    for index, title in enumerate(header):
        key = names.get(" ".join(title.strip().lower().split()))
        if key and key not in found:
            found[key] = index
    return found


class ImportRefused(Exception):
    """The file as a whole cannot be read (no header, not a CSV): nothing was imported."""


def readings_import(
    *,
    data: bytes,
    filename: str,
    user,
    confirm_jumps: bool = False,
    ip: str | None = None,
) -> Iterator[ImportLine]:
    """Import a CSV of readings line by line, each through `services.reading_enter`
    (source staff, channel import): a line's error is reported and the rest imported.
    The same file imported again records nothing (each line's key is the file's digest
    and the line number). Raises ImportRefused before the first line if the file cannot
    be read at all; otherwise yields one ImportLine per data line."""
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise ImportRefused(_("Файл не в кодировке UTF-8 или Windows-1251.")) from None
    if "\x00" in text:
        raise ImportRefused(_("В файле есть нулевые байты: это не текстовый файл CSV."))
    filename = filename.replace("\x00", "")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    columns = _header_map(header or [])
    missing = [str(COLUMNS[key]) for key in REQUIRED if key not in columns]
    if missing:
        raise ImportRefused(
            _("В первой строке файла нет столбцов: %(columns)s. Возьмите за образец выгрузку.")
            % {"columns": ", ".join(f"«{name}»" for name in missing)}
        )
    return _import_lines(
        reader, columns, data=data, filename=filename, user=user,
        confirm_jumps=confirm_jumps, ip=ip,
    )  # fmt: skip


IMPORT_CHUNK = 200  # lines per transaction: each line is its own savepoint inside it


def _import_lines(reader, columns, *, data, filename, user, confirm_jumps, ip):
    """Import in chunks of lines, each chunk one transaction (a line that fails rolls
    back to its savepoint only); a chunk's report lines are given once it is committed."""
    digest = hashlib.sha256(data).hexdigest()[:40]
    context = {
        "resources": _resource_codes(), "closed": services.ClosedMonths(), "user": user,
        "confirm_jumps": confirm_jumps, "ip": ip, "digest": digest, "filename": filename[:150],
    }  # fmt: skip
    counts = dict.fromkeys(STATUS_LABELS, 0)
    done = False
    while not done:
        with transaction.atomic():
            chunk, done = _import_chunk(reader, columns, context)
        for line in chunk:
            counts[line.status] += 1
        yield from chunk
    log_event(
        "meters.readings_imported",
        ip=ip,
        user_id=getattr(user, "pk", None),
        file=digest,
        **{status: count for status, count in counts.items() if count},
    )


def _import_chunk(reader, columns, context) -> tuple[list[ImportLine], bool]:
    """Up to IMPORT_CHUNK lines; True when the file is done."""
    rows, stop, done = [], None, False
    while len(rows) < IMPORT_CHUNK:
        number = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            done = True
            break
        except csv.Error as error:
            message = _("Строка не читается как CSV (%(error)s); дальше файл не загружен.")
            stop, done = ImportLine(number, "error", message % {"error": error}), True
            break
        number = reader.line_num
        if number > MAX_LINES + 1:
            message = _("Слишком длинный файл: строки дальше этой не загружены.")
            stop, done = ImportLine(number, "error", message), True
            break
        if any(cell.strip() for cell in row):
            rows.append((number, row))
    meters = selectors.meters_by_serial(
        serial_numbers=[_cell(row, columns, "serial") for _number, row in rows]
    )
    lines = [
        _import_line(
            number, row, columns, context["resources"], meters, user=context["user"],
            key=f"import:{context['digest']}:{number}",
            note=_("%(file)s, строка %(line)d") % {"file": context["filename"], "line": number},
            confirm_jumps=context["confirm_jumps"], ip=context["ip"], closed=context["closed"],
        )
        for number, row in rows
    ]  # fmt: skip
    return ([*lines, stop] if stop else lines), done


def _cell(row: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return row[index].strip() if index is not None and index < len(row) else ""


def _import_line(
    number,
    row,
    columns,
    resources,
    meters_by_serial,
    *,
    user,
    key,
    note,
    confirm_jumps,
    ip,
    closed,
) -> ImportLine:
    serial = _cell(row, columns, "serial")
    if not serial:
        return ImportLine(number, "error", _("Не указан заводской номер."))
    value_text = _cell(row, columns, "value")
    if not value_text:
        return ImportLine(number, "skipped", _("Показание не указано."), serial)
    kind_text = _cell(row, columns, "kind").lower()
    if kind_text and kind_text not in (str(Reading.Kind.REGULAR.label).lower(), "regular"):
        return ImportLine(
            number,
            "skipped",
            _("Начальные и конечные показания вносятся при установке и замене счетчика."),
            serial,
        )
    resource_text = _cell(row, columns, "resource").lower()
    resource = resources.get(resource_text) if resource_text else None
    if resource_text and resource is None:
        return ImportLine(number, "error", _("Ресурс не распознан: «%(text)s».") % {"text": resource_text[:30]}, serial)  # fmt: skip
    meters = [
        meter
        for meter in meters_by_serial.get(serial, [])
        if resource is None or meter.resource == resource
    ]
    if not meters:
        return ImportLine(number, "error", _("Счетчик № %(serial)s не найден.") % {"serial": serial[:40]}, serial)  # fmt: skip
    if len(meters) > 1:
        return ImportLine(
            number,
            "error",
            _("Счетчиков № %(serial)s несколько: укажите ресурс.") % {"serial": serial[:40]},
            serial,
        )
    meter = meters[0]
    account = _cell(row, columns, "account")
    if account and not _account_matches(meter, account):
        return ImportLine(
            number,
            "error",
            _("Счетчик № %(serial)s не относится к лицевому счету %(account)s.")
            % {"serial": serial[:40], "account": account[:20]},
            serial,
        )
    try:
        month = month_parse(_cell(row, columns, "month"))
        zone = _zone_parse(_cell(row, columns, "zone"))
        value = rules.value_parse(
            value_text,
            capacity_digits=meter.capacity_digits,
            decimal_places=meter.decimal_places,
        )
        accepted = services.reading_enter(
            meter=meter,
            period=month,
            zone=zone,
            value=value,
            user=user,
            key=key,
            rollover=_cell(row, columns, "rollover").lower() in YES,
            jump_confirmed=confirm_jumps,
            channel=ReadingSubmission.Channel.IMPORT,
            ip=ip,
            note=note,
            closed=closed,
            log=False,
        )
    except services.ReadingsRefused as refused:
        return ImportLine(number, "error", " ".join(refused.messages()), serial)
    except ValidationError as error:
        return ImportLine(number, "error", " ".join(error.messages), serial)
    where = _("%(meter)s, %(month)s") % {"meter": meter, "month": month_label(month)}
    shown = rules.format_reading(value, meter.decimal_places)
    if accepted.status == "replaced":
        message = _("%(where)s: %(value)s (было %(old)s, %(source)s).") % {
            "where": where,
            "value": shown,
            "old": rules.format_reading(accepted.replaced_value, meter.decimal_places),
            "source": Reading.Source(accepted.replaced_source).label,
        }
    else:
        message = f"{where}: {shown}."
    return ImportLine(number, accepted.status if accepted.status != "new" else "accepted", message, serial)  # fmt: skip


def _zone_parse(text: str) -> int:
    match = re.fullmatch(r"[тtT]?\s*([123])(\s*\(.*\))?", text.strip(), flags=re.IGNORECASE)
    if not text.strip():
        return 1
    if not match:
        raise ValidationError(_("Зона — 1, 2 или 3 (Т1, Т2, Т3)."), code="zone")
    return int(match.group(1))


def _account_matches(meter: Meter, number: str) -> bool:
    numbers = {n.strip() for n in number.split(",") if n.strip()}
    return meter.premises.accounts.filter(number__in=numbers).exists()


def report_counts(lines: list[ImportLine]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for line in lines:
        counts[line.status] += 1
    return counts

"""Reading register files: bad files get a clear message, memory stays flat, and the
pieces (sums, dates, periods) are read as banks write them."""

import datetime
import io
import tracemalloc
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection

from kabinet.billing.models import Payment, Register
from kabinet.billing.registers import services
from kabinet.billing.registers.parsing import (
    DateFormat,
    LineError,
    parse_amount,
    parse_date,
    parse_period,
)
from kabinet.billing.registers.reading import MAX_LINE_BYTES, LineReader, RegisterRejected

from .register_helpers import SAMPLES, load, organization_with_accounts

SBER_LINE = "30-09-2014;10-00-00;{branch};1;{n};{account};ИВАНОВ;г. Казань;0914;10,00;10,00;0,00"


def sber_register(
    count: int, *, accounts=("1001", "1002", "1003", "1004"), extra: bytes = b"", branch=8610
) -> bytes:
    """A Сбербанк register of `count` lines of 10,00 each, `extra` raw lines added before
    the control line (counted in it)."""
    lines = [
        SBER_LINE.format(n=n, account=accounts[n % len(accounts)], branch=branch)
        for n in range(count)
    ]
    body = ("\r\n".join(lines) + "\r\n").encode("cp1251") + extra
    extra_lines = extra.count(b"\n")
    control = f"={count + extra_lines};{count * 10},00;{count * 10},00;0,00;1;30-09-2014\r\n"
    return body + control.encode()


class TestBadFiles:
    pytestmark = pytest.mark.django_db

    @pytest.fixture
    def organization(self):
        return organization_with_accounts()[0]

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"", "Файл пустой."),
            (b"\x00\x01\x02\x03binary\x00" * 50, "в строке 1 двоичные данные"),
            ("30-09-2014;реестр".encode("utf-16"), "в кодировке UTF-16"),
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "Это PDF-документ"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Это документ Excel или Word"),
            (b"PK\x03\x04 broken", "Архив поврежден"),
        ],
    )
    def test_a_file_that_is_no_register_is_refused_with_a_message(
        self, organization, tmp_path, content, message
    ):
        (tmp_path / "file").write_bytes(content)
        with pytest.raises(RegisterRejected, match=message):
            load(tmp_path / "file", "sber", organization)
        assert Payment.objects.count() == 0 and Register.objects.count() == 0

    def test_a_200_mb_file_is_refused_before_it_is_read(self, organization, tmp_path):
        huge = tmp_path / "huge.txt"
        with huge.open("wb") as file:
            file.truncate(200 * 1024 * 1024)  # sparse: takes no disk
        tracemalloc.start()
        try:
            with pytest.raises(
                RegisterRejected, match="слишком большой: 200 МБ, а можно не больше 64 МБ"
            ):
                load(huge, "sber", organization)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 5 * 1024 * 1024

    def test_a_zipped_file_too_big_once_unzipped_is_refused(
        self, organization, tmp_path, settings
    ):
        import zipfile

        settings.REGISTER_MAX_BYTES = 10_000
        with zipfile.ZipFile(tmp_path / "r.zip", "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("r.txt", sber_register(400))  # 30 KB of text, 1 KB zipped
        assert (tmp_path / "r.zip").stat().st_size < 10_000
        with pytest.raises(RegisterRejected, match="слишком большой"):
            load(tmp_path / "r.zip", "sber", organization)

    def test_a_line_of_1_mb_is_an_error_and_the_rest_is_imported(self, organization, tmp_path):
        long_line = b"30-09-2014;" + b"x" * (1024 * 1024) + b"\r\n"
        (tmp_path / "long.txt").write_bytes(sber_register(6, extra=long_line))
        summary = load(tmp_path / "long.txt", "sber", organization)
        assert (summary.imported, summary.imported_sum) == (6, D("60.00"))
        assert summary.errors == [
            (7, f"Строка длиннее {MAX_LINE_BYTES} байт: это не строка реестра.")
        ]
        assert summary.register.lines.get(number=7).text == ""

    def test_a_gzipped_register_is_read(self, organization, tmp_path):
        import gzip

        (tmp_path / "r.txt.gz").write_bytes(gzip.compress(sber_register(5)))
        assert load(tmp_path / "r.txt.gz", "sber", organization).imported == 5


def _traced_peak(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Lines(io.RawIOBase):
    """A stream of `count` register lines made on the fly: a big file that never exists."""

    def __init__(self, count: int, line: bytes):
        self.left, self.line, self.buffer = count, line, b""

    def readable(self):
        return True

    def readinto(self, target):
        while len(self.buffer) < len(target) and self.left:
            self.buffer += self.line * min(self.left, 512)
            self.left -= min(self.left, 512)
        size = min(len(target), len(self.buffer))
        target[:size], self.buffer = self.buffer[:size], self.buffer[size:]
        return size


def test_reading_holds_one_line_at_a_time_whatever_the_size(settings):
    settings.REGISTER_MAX_BYTES = 10**9
    line = (SBER_LINE.format(n=1, account="1001", branch=8610) + "\r\n").encode("cp1251")

    def read(count):
        reader = LineReader(io.BufferedReader(_Lines(count, line)))
        assert sum(1 for _ in reader) == count
        return reader

    small = _traced_peak(lambda: read(1_000))
    big = _traced_peak(lambda: read(60_000))  # 5 MB
    assert big < small + 64 * 1024 and big < 512 * 1024


def test_a_long_line_is_skipped_unread(settings):
    content = b"a;b\n" + b"x" * (5 * 1024 * 1024) + b"\nc;d\n"
    reader = LineReader(io.BufferedReader(io.BytesIO(content)))
    peak = _traced_peak(lambda: list(reader))
    assert list(LineReader(io.BufferedReader(io.BytesIO(content)))) == [
        (1, "a;b"), (2, None), (3, "c;d")
    ]  # fmt: skip
    assert peak < 256 * 1024
    assert reader.size == len(content)


@pytest.mark.django_db
def test_importing_takes_the_same_memory_for_a_bigger_file(tmp_path, monkeypatch):
    if connection.vendor == "postgresql":
        # psycopg keeps the text of the last 100 statements (prepare_threshold, settings):
        # bounded, but it would blur what the import itself holds.
        connection.ensure_connection()
        monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    monkeypatch.setattr(services, "BATCH", 200)
    organization, _accounts = organization_with_accounts()
    (tmp_path / "small.txt").write_bytes(sber_register(400))
    (tmp_path / "big.txt").write_bytes(sber_register(4_000, branch=8611))
    small = _traced_peak(lambda: load(tmp_path / "small.txt", "sber", organization))
    big = _traced_peak(lambda: load(tmp_path / "big.txt", "sber", organization))
    assert Payment.objects.count() == 4_400
    # Holding the 3 600 more lines (their parsed form, payment and line objects: some
    # 3 KB each) would take some 10 MB more; a batch at a time takes the same.
    assert big - small < 1024 * 1024, (small, big)


class TestSums:
    @pytest.mark.parametrize(
        ("text", "amount"),
        [("1500", "1500.00"), ("1500,5", "1500.50"), ("1 250,00", "1250.00"),
         ("1250.00", "1250.00"), ("1\u00a0250,00", "1250.00"), (" 0,01 ", "0.01")],
    )  # fmt: skip
    def test_sums_as_banks_write_them(self, text, amount):
        assert parse_amount(text) == D(amount)

    @pytest.mark.parametrize(
        ("text", "reason"),
        [("", "Не указана сумма."), ("12,3,4", "Сумма «12,3,4» не распознана."),
         ("1,250.00", "Сумма «1,250.00» не распознана."), ("0,00", "Сумма равна нулю."),
         ("-5,00", "Сумма «-5,00» меньше нуля."), ("10,001", "Сумма «10,001» не распознана."),
         ("abc", "Сумма «abc» не распознана.")],
    )  # fmt: skip
    def test_what_is_no_sum(self, text, reason):
        with pytest.raises(LineError) as error:
            parse_amount(text)
        assert str(error.value) == reason

    def test_a_decimal_mark_and_thousands_spaces_when_the_format_says_so(self):
        assert parse_amount("1250.50", decimal_mark=".") == D("1250.50")
        with pytest.raises(LineError, match="не распознана"):
            parse_amount("1250,50", decimal_mark=".")
        with pytest.raises(LineError, match="не распознана"):
            parse_amount("1 250,50", decimal_mark=",", thousands_spaces=False)


class TestDatesAndPeriods:
    DASHES = [DateFormat("%d-%m-%Y")]

    def test_dates_with_or_without_a_time(self):
        assert parse_date("30-09-2014", self.DASHES) == datetime.date(2014, 9, 30)
        assert parse_date("30-09-2014T14:05:33+0300", self.DASHES) == datetime.date(2014, 9, 30)
        assert parse_date("30.09.14 10:00", [DateFormat("%d.%m.%y")]) == datetime.date(2014, 9, 30)

    @pytest.mark.parametrize(
        ("text", "reason"),
        [("31-02-2014", "Даты «31-02-2014» не существует."),
         ("2014-09-30", "Дата «2014-09-30» не распознана: ожидается ДД-ММ-ГГГГ."),
         ("", "Не указана дата платежа.")],
    )  # fmt: skip
    def test_what_is_no_date(self, text, reason):
        with pytest.raises(LineError) as error:
            parse_date(text, self.DASHES)
        assert str(error.value) == reason

    @time_machine.travel(datetime.datetime(2014, 10, 1, 12, tzinfo=datetime.UTC))
    def test_a_payment_from_the_future_is_an_error(self):
        assert parse_date("02-10-2014", self.DASHES) == datetime.date(
            2014, 10, 2
        )  # a time zone away
        with pytest.raises(LineError, match="еще не наступила"):
            parse_date("03-10-2014", self.DASHES)

    @pytest.mark.parametrize(
        "text", ["0914", "092014", "09.2014", "9/2014", "09.14", "2014-09", "201409", "01.09.2014"]
    )
    def test_periods_written_any_usual_way(self, text):
        assert parse_period(text) == datetime.date(2014, 9, 1)

    @pytest.mark.parametrize("text", ["1314", "13.2014", "сентябрь", "0014"])
    def test_what_is_no_period(self, text):
        with pytest.raises(LineError, match="не распознан"):
            parse_period(text)

    def test_no_period_at_all_is_fine(self):
        assert parse_period("  ") is None


def test_the_sample_files_are_what_the_tests_say():
    # The Сбербанк and ВТБ samples are in Windows-1251 with CRLF, like the banks' own.
    for name in ("sber-2014-09-30.txt", "vtb-2014-09-30.txt", "akbars-2014-10-01.txt"):
        content = (SAMPLES / name).read_bytes()
        assert b"\r\n" in content and content.decode("cp1251")
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    assert (SAMPLES / "payments-utf8.csv").read_bytes().startswith(b"\xef\xbb\xbf")

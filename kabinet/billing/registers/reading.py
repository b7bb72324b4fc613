"""Reading a register file: what kind of file it is, and its lines, streamed.

The file is never read whole: lines come one at a time, at most `MAX_LINE_BYTES` of a
line is ever held (the rest of a longer line is skipped), and the SHA-256 of the
content is computed on the way. A zipped or gzipped register is read inside its
archive. Files that are no text register (binary, Excel, PDF, UTF-16, empty, too big)
are refused with a message that says what to do (docs/registers.md).
"""

import gzip
import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A payment line is some 150-400 bytes; anything past this is no register line.
MAX_LINE_BYTES = 4096
_SKIP_CHUNK = 64 * 1024


class RegisterRejected(Exception):
    """The whole file is refused: nothing of it is imported."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def _too_big(size: int) -> RegisterRejected:
    limit = settings.REGISTER_MAX_BYTES
    return RegisterRejected(
        _(
            "Файл слишком большой: %(size)s МБ, а можно не больше %(limit)s МБ. "
            "Разделите реестр на части."
        )
        % {"size": _megabytes(size), "limit": _megabytes(limit)}
    )


# Signatures of files people send by mistake, with what to tell them.
_UTF16 = gettext_lazy("Файл в кодировке UTF-16. Сохраните его в кодировке Windows-1251 или UTF-8.")
_NOT_A_REGISTER = [
    (b"\xd0\xcf\x11\xe0", gettext_lazy(
        "Это документ Excel или Word, а не текстовый реестр. "
        "Сохраните таблицу как CSV (разделитель — точка с запятой).")),
    (b"%PDF", gettext_lazy(
        "Это PDF-документ, а не текстовый реестр. Попросите у банка реестр в текстовом виде.")),
    (b"\xff\xfe", _UTF16),
    (b"\xfe\xff", _UTF16),
]  # fmt: skip


def open_content(file: BinaryIO, *, size: int) -> BinaryIO:
    """The register's content as a binary stream: the file itself, or the one file inside
    its zip or gzip archive. `file` must be seekable; `size` is its length in bytes."""
    if size == 0:
        raise RegisterRejected(_("Файл пустой."))
    if size > settings.REGISTER_MAX_BYTES:
        raise _too_big(size)
    head = file.read(8)
    file.seek(0)
    for signature, message in _NOT_A_REGISTER:
        if head.startswith(signature):
            raise RegisterRejected(str(message))
    if head.startswith(b"PK\x03\x04"):
        return _zip_member(file)
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=file, mode="rb")
    return file


def _zip_member(file: BinaryIO) -> BinaryIO:
    try:
        archive = zipfile.ZipFile(file)
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError):
        raise RegisterRejected(_("Архив поврежден: его не удалось открыть.")) from None
    names = {info.filename for info in members}
    if "[Content_Types].xml" in names:
        raise RegisterRejected(
            _(
                "Это таблица Excel (XLSX), а не текстовый реестр. Сохраните ее как CSV "
                "(разделитель — точка с запятой)."
            )
        )
    if len(members) != 1:
        raise RegisterRejected(
            _("В архиве должен быть один файл реестра, а в нем файлов: %(count)d.")
            % {"count": len(members)}
        )
    member = members[0]
    if member.flag_bits & 0x1:
        raise RegisterRejected(_("Архив защищен паролем: загрузите реестр без пароля."))
    if member.file_size > settings.REGISTER_MAX_BYTES:
        raise _too_big(member.file_size)
    if member.file_size == 0:
        raise RegisterRejected(_("Файл в архиве пустой."))
    try:
        return archive.open(member)
    except (zipfile.BadZipFile, NotImplementedError, OSError):
        raise RegisterRejected(_("Архив поврежден: его не удалось открыть.")) from None


class LineReader:
    """The lines of a register's content, decoded, numbered from 1 as an editor shows them.

    Yields (number, text); text is None for a line longer than MAX_LINE_BYTES, whose
    content is skipped unread. `encoding` "auto" reads each line as UTF-8 when it is
    valid UTF-8 and as Windows-1251 otherwise (a Cyrillic line in Windows-1251 is never
    valid UTF-8); any other encoding is strict, and a line that does not decode refuses
    the file. `sha256` and `size` describe the whole content once it has been read.
    """

    def __init__(self, stream: BinaryIO, *, encoding: str = "auto"):
        self.stream = stream
        self.encoding = encoding
        self._hash = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def _account(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)
        if self.size > settings.REGISTER_MAX_BYTES:
            raise _too_big(self.size)

    def __iter__(self) -> Iterator[tuple[int, str | None]]:
        readline = self.stream.readline
        number = 0
        try:
            while True:
                raw = readline(MAX_LINE_BYTES + 1)
                if not raw:
                    return
                number += 1
                self._account(raw)
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    self._skip_rest(readline)
                    yield number, None
                    continue
                yield number, self._decode(raw, number)
        except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, zlib.error):
            raise RegisterRejected(
                _("Файл не дочитан до конца: архив поврежден или файл обрезан."), line=number
            ) from None

    def _skip_rest(self, readline) -> None:
        while True:
            rest = readline(_SKIP_CHUNK)
            if not rest:
                return
            self._account(rest)
            if rest.endswith(b"\n"):
                return

    def _decode(self, raw: bytes, number: int) -> str:
        if b"\x00" in raw:
            raise RegisterRejected(
                _(
                    "Файл не похож на текстовый реестр: в строке %(line)d двоичные данные. "
                    "Если это таблица, сохраните ее как CSV."
                )
                % {"line": number},
                line=number,
            )
        if self.encoding == "auto":
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1251", errors="replace")
        else:
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError:
                raise RegisterRejected(
                    _(
                        "Строка %(line)d не читается в кодировке %(encoding)s: файл в другой "
                        "кодировке. Проверьте кодировку в настройках формата."
                    )
                    % {"line": number, "encoding": self.encoding},
                    line=number,
                ) from None
        if number == 1:
            text = text.removeprefix("\ufeff")
        # CRLF or LF; a DOS end-of-file mark (Ctrl-Z) may close the last line.
        return text.rstrip("\r\n\x1a")

"""The formats a register can be loaded in: built-in ones and those kept in the back office.

A format is named by a key: "sber", "vtb", "csv", or "fmt<pk>" for a RegisterFormat;
the command line also accepts a RegisterFormat's name.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..models import Register, RegisterFormat
from .columns import CsvParser, CustomParser
from .parsing import Parser
from .sber import SberParser
from .vtb import VtbParser

BUILT_IN = {"sber": SberParser, "vtb": VtbParser, "csv": CsvParser}


@dataclass(frozen=True)
class Format:
    kind: str  # Register.Kind
    register_format: RegisterFormat | None = None

    @property
    def bank(self) -> str:
        return self.register_format.bank if self.register_format else BUILT_IN[self.kind].bank

    def parser(self, *, organization) -> Parser:
        if self.register_format:
            return CustomParser(organization=organization, register_format=self.register_format)
        return BUILT_IN[self.kind](organization=organization)


def format_choices() -> list[tuple[str, str]]:
    """(key, label) of every format, the built-in ones first: for the upload form."""
    built_in = [
        ("sber", _("Сбербанк (текст, «;», итоговая строка «=»)")),
        ("vtb", _("ВТБ (текст, «;», суммы с RUB)")),
        ("csv", _("CSV с заголовком (колонки по названиям)")),
    ]
    configured = [(f"fmt{f.pk}", f.name) for f in RegisterFormat.objects.order_by("name")]
    return built_in + configured


def format_get(key: str) -> Format | None:
    """The format of a key from `format_choices`, or of a RegisterFormat's name (any case)."""
    if key in BUILT_IN:
        return Format(kind=key)
    if key.startswith("fmt") and key[3:].isdigit():
        configured = RegisterFormat.objects.filter(pk=int(key[3:])).first()
    else:  # compared here: SQLite ignores the case of Latin letters only
        wanted = key.strip().casefold()
        configured = next(
            (f for f in RegisterFormat.objects.all() if f.name.casefold() == wanted), None
        )
    if configured is None:
        return None
    return Format(kind=Register.Kind.CUSTOM, register_format=configured)


def format_of(register: Register) -> Format:
    return Format(kind=register.kind, register_format=register.register_format)

"""Bank registers for staff to try (docs/registers.md): a configured register format of
the demo company's bank, and sample files in register_files/ for УК «Солнечный город»."""

from pathlib import Path

from kabinet.billing.models import RegisterFormat

FILES = Path(__file__).resolve().parent / "register_files"
AKBARS = "АК БАРС Банк"


def register_formats_load() -> RegisterFormat:
    """АК БАРС's register (register_files/akbars-*.txt): `|`-separated, a title and a
    header line, the executor's signature as the last line."""
    fmt, _created = RegisterFormat.objects.get_or_create(
        name=AKBARS,
        defaults=dict(
            bank='ПАО "АК БАРС" БАНК',
            encoding=RegisterFormat.Encoding.CP1251,
            delimiter=RegisterFormat.Delimiter.PIPE,
            header_lines=2,
            footer_lines=1,
            date_column=2,
            date_format=RegisterFormat.DateFormat.DMY_DOTS,
            payment_id_column=3,
            account_column=4,
            payer_column=5,
            amount_column=6,
            decimal_mark=RegisterFormat.DecimalMark.COMMA,
            thousands_spaces=True,
        ),
    )
    return fmt

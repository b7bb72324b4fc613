"""`manage.py payments_import FILE --format sber|vtb|csv|<format name>
[--organization <INN>] [--dry-run] [--json]`: load a bank register (docs/registers.md).

Exit status 0 when the file was processed (even with line errors), 2 when it was
refused whole or could not be read (and for a format or organization that is unknown).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kabinet.billing.registers.formats import format_choices, format_get
from kabinet.billing.registers.reading import RegisterRejected
from kabinet.billing.registers.selectors import Summary
from kabinet.billing.registers.services import register_import
from kabinet.core.money import format_money
from kabinet.housing.models import Organization

NOT_PROCESSED = 2


class Command(BaseCommand):
    help = "Загрузить реестр принятых платежей банка (повторная загрузка ничего не дублирует)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="файл реестра (текст, CSV или ZIP)")
        parser.add_argument(
            "--format",
            required=True,
            dest="register_format",
            help="sber, vtb, csv или название формата, настроенного в управлении",
        )
        parser.add_argument(
            "--organization",
            metavar="INN",
            help="ИНН управляющей организации (можно не указывать, если она одна)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="только проверить: ничего не проводить"
        )
        parser.add_argument("--json", action="store_true", help="итог в JSON")

    def handle(self, *args, **options):
        self.as_json = options["json"]
        name, dry_run = options["register_format"], options["dry_run"]
        fmt = format_get(name)
        if fmt is None:
            known = ", ".join(
                key if key[:3] != "fmt" else label for key, label in format_choices()
            )
            self._refuse(f"Неизвестный формат «{name}». Есть: {known}.")
        company = self._organization(options["organization"])
        try:
            summary = register_import(
                path=options["file"], fmt=fmt, organization=company, dry_run=dry_run
            )
        except RegisterRejected as rejection:
            self._refuse(rejection.message, line=rejection.line)
        self._report(summary, dry_run=dry_run)

    def _organization(self, inn: str | None) -> Organization:
        companies = Organization.objects.filter(is_management_company=True)
        if inn:
            companies = companies.filter(inn=inn.strip())
        found = list(companies[:2])
        if len(found) == 1:
            return found[0]
        if not found:
            self._refuse(f"Нет управляющей организации с ИНН {inn}." if inn else
                         "Нет ни одной управляющей организации.")  # fmt: skip
        self._refuse("Укажите --organization <ИНН>: управляющих организаций несколько.")

    def _refuse(self, message: str, *, line: int | None = None):
        if self.as_json:
            summary = Summary(errors=[(line, message)], rejected=True)
            self.stdout.write(json.dumps(summary.as_json(), ensure_ascii=False))
        raise CommandError(message, returncode=NOT_PROCESSED)

    def _report(self, summary: Summary, *, dry_run: bool) -> None:
        if self.as_json:
            self.stdout.write(json.dumps(summary.as_json(), ensure_ascii=False))
            return
        if dry_run:
            self.stdout.write("Проверка без проведения: ничего не сохранено.")
        else:
            self.stdout.write(f"Реестр № {summary.register.pk}: {summary.register}.")
        verb = "К зачислению" if dry_run else "Зачислено"
        self.stdout.write(f"{verb}: {summary.imported} на {format_money(summary.imported_sum)} ₽")
        self.stdout.write(
            f"Повторы (уже проведены): {summary.duplicates} "
            f"на {format_money(summary.duplicate_sum)} ₽"
        )
        self.stdout.write(f"Ошибки: {len(summary.errors)}")
        for line, reason in summary.errors:
            self.stdout.write(f"  строка {line}: {reason}")

"""`manage.py payments_import FILE --format sber|vtb|csv|<format name>
[--organization <INN>] [--dry-run] [--json]`: load a bank register (docs/registers.md).

Exit status 0 when the file was processed (even with line errors), 2 when it was
refused whole or could not be read (and for a format or organization that is unknown).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
            self._refuse(
                _("Неизвестный формат «%(name)s». Есть: %(known)s.")
                % {"name": name, "known": known}
            )
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
            self._refuse(
                _("Нет управляющей организации с ИНН %(inn)s.") % {"inn": inn}
                if inn
                else _("Нет ни одной управляющей организации.")
            )
        self._refuse(_("Укажите --organization <ИНН>: управляющих организаций несколько."))

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
            self.stdout.write(_("Проверка без проведения: ничего не сохранено."))
        else:
            self.stdout.write(
                _("Реестр № %(id)d: %(register)s.")
                % {"id": summary.register.pk, "register": summary.register}
            )
        imported = _("К зачислению") if dry_run else _("Зачислено")
        figures = [
            (imported, summary.imported, summary.imported_sum),
            (_("Повторы (уже проведены)"), summary.duplicates, summary.duplicate_sum),
        ]
        for label, count, total in figures:
            self.stdout.write(
                _("%(label)s: %(count)d на %(sum)s ₽")
                % {"label": label, "count": count, "sum": format_money(total)}
            )
        self.stdout.write(_("Ошибки: %(count)d") % {"count": len(summary.errors)})
        for line, reason in summary.errors:
            self.stdout.write(
                _("  строка %(line)s: %(reason)s") % {"line": line, "reason": reason}
            )

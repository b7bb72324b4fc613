"""`manage.py billing_run --organization <INN> --period 2026-11 [--dry-run] [--background]`.

In the foreground (with a progress bar on a terminal) it returns when the period is
computed and prints the run's report; `--background` hands the chunks to the task
workers (`manage.py db_worker`) and returns at once.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from kabinet.billing.models import BillingRun, RunIssue
from kabinet.billing.run import RunRefused, billing_run
from kabinet.core.money import format_money
from kabinet.core.periods import month_label
from kabinet.housing.models import Organization

REPORT_LIMIT = 50  # issues printed; the admin lists them all


def _month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise CommandError(
            f"--period: месяц в виде ГГГГ-ММ, например 2026-11, а не {text!r}."
        ) from None


class Command(BaseCommand):
    help = "Рассчитать начисления организации за месяц."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="ИНН управляющей организации.")
        parser.add_argument("--period", required=True, type=_month, help="Месяц: ГГГГ-ММ.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Показать, что изменится, ничего не записывая."
        )
        parser.add_argument(
            "--background", action="store_true", help="Отдать расчет фоновым обработчикам."
        )

    def handle(self, *args, organization, period, dry_run, background, **options):
        companies = Organization.objects.filter(inn=organization, is_management_company=True)
        if companies.count() != 1:
            raise CommandError(
                f"Управляющая организация с ИНН {organization} не найдена."
                if not companies
                else f"ИНН {organization} у нескольких организаций: уточните в управлении."
            )
        company = companies.get()
        try:
            run = billing_run(
                organization_id=company.pk,
                month=period,
                dry_run=dry_run,
                background=background,
                progress=self._progress if self.stdout.isatty() else None,
            )
        except RunRefused as refused:
            raise CommandError(" ".join(refused.messages)) from None
        if self.stdout.isatty():
            self.stdout.write("")
        label = f"{company.name}, {month_label(run.period.month)}"
        if background:
            self.stdout.write(
                f"Расчет № {run.pk} ({label}) передан фоновым обработчикам: "
                f"{run.chunks.count()} частей, {run.accounts} лицевых счетов."
            )
            return
        self._report(run, label)
        if run.status == BillingRun.Status.FAILED:
            raise CommandError("Часть расчета не выполнена: см. ошибки выше.")

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} лицевых счетов",
            ending="",
        )
        self.stdout.flush()

    def _report(self, run: BillingRun, label: str) -> None:
        summary = run.summary
        kind = "Пробный расчет (ничего не записано)" if run.dry_run else "Расчет"
        self.stdout.write(
            f"{kind} № {run.pk}: {label}. Лицевых счетов: {run.accounts}, "
            f"строк начислений: {summary.get('lines', 0)}, "
            f"итого: {format_money(summary.get('total', '0'))} ₽."
        )
        if changes := summary.get("changes"):
            self.stdout.write(
                f"Изменилось бы: добавлено строк {changes['added']}, удалено {changes['removed']}, "
                f"изменено {changes['changed']}; итого было {format_money(changes['total_before'])} ₽, "
                f"стало бы {format_money(changes['total_after'])} ₽."
            )
        issues = RunIssue.objects.filter(run=run).select_related("account", "service")
        count = issues.count()
        if count:
            self.stdout.write(f"Не начислено ({count}), остальное начислено:")
            for issue in issues[:REPORT_LIMIT]:
                service = issue.service.name if issue.service else "—"
                detail = f" ({issue.detail})" if issue.detail else ""
                self.stdout.write(
                    f"  л/с {issue.account.number}, {service}: {issue.get_reason_display()}{detail}"
                )
            if count > REPORT_LIMIT:
                self.stdout.write(f"  … и еще {count - REPORT_LIMIT}: полный список в управлении.")
        for chunk in run.chunks.filter(status="failed"):
            self.stderr.write(f"Часть {chunk.number}: {chunk.error}")

"""`manage.py receipts_send --organization <INN> --period 2026-11 [--status]`.

Publishes a closed month: its documents are e-mailed to the subscribed addresses by the
task workers (`manage.py db_worker`), and the command returns at once. Publishing again
sends only to addresses not yet sent to. `--status` prints the month's progress instead.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kabinet.billing.management.commands.billing_run import _month
from kabinet.billing.models import BillingPeriod
from kabinet.core.periods import month_label
from kabinet.housing.models import Organization
from kabinet.receipts import services
from kabinet.receipts.models import Mailing


class Command(BaseCommand):
    help = "Разослать квитанции за закрытый месяц подписчикам (в фоне)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="ИНН управляющей организации.")
        parser.add_argument("--period", required=True, type=_month, help="Месяц: ГГГГ-ММ.")
        parser.add_argument(
            "--status", action="store_true", help="Показать ход рассылки, ничего не отправляя."
        )

    def handle(self, *args, organization, period, status, **options):
        companies = Organization.objects.filter(inn=organization, is_management_company=True)
        if companies.count() != 1:
            raise CommandError(
                f"Управляющая организация с ИНН {organization} не найдена."
                if not companies
                else f"ИНН {organization} у нескольких организаций: уточните в управлении."
            )
        company = companies.get()
        billing_period = BillingPeriod.objects.filter(organization=company, month=period).first()
        label = f"{company.name}, {month_label(period)}"
        if billing_period is None:
            raise CommandError(f"{label}: такого расчетного периода нет.")
        if status:
            self._status(billing_period, label)
            return
        try:
            mailing = services.mailing_publish(period=billing_period)
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from None
        self.stdout.write(
            f"{label}: писем в очереди {mailing.added} (рассылка № {mailing.pk}); их отправят "
            f"фоновые обработчики (manage.py db_worker). Ход: --status."
        )

    def _status(self, period: BillingPeriod, label: str) -> None:
        mailings = services.mailings_with_progress(Mailing.objects.filter(period=period))
        if not mailings:
            self.stdout.write(f"{label}: квитанции еще не рассылались.")
        for mailing in mailings.order_by("started_at", "id"):
            p = services.Progress.of(mailing)
            self.stdout.write(
                f"{label}, рассылка № {mailing.pk} от {mailing.started_at:%d.%m.%Y %H:%M}: "
                f"отправлено {p.sent}, ошибок {p.failed}, осталось {p.left}, "
                f"отменено {p.cancelled}"
            )

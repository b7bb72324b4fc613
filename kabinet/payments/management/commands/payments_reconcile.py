"""`manage.py payments_reconcile`: what an accountant must check against the gateway.

1. Online payments still without a verified notification after the gateway's retries
   (27 hours): the gateway has completed or dropped them without telling us. Check each
   in the gateway's statement; credit it in the back office ("Зачислить по выписке") or
   close it as unpaid.
2. Notifications with a valid signature that were not what was expected (a wrong
   amount, a second operation, a cancellation after credit) in the last days.

Exit status 0 when there is nothing to check, 1 otherwise (for cron mail or a monitor).
"""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from kabinet.core.money import format_money
from kabinet.payments.selectors import notifications_needing_attention, payments_to_reconcile


class Command(BaseCommand):
    help = "Онлайн-платежи без уведомления больше 27 часов и подозрительные уведомления."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7, help="За сколько дней показать уведомления (7)."
        )

    def handle(self, *args, days, **options):
        due = list(payments_to_reconcile())
        since = timezone.now() - datetime.timedelta(days=max(days, 1))
        odd = list(notifications_needing_attention(since=since))
        if due:
            self.stdout.write(f"Онлайн-платежи без уведомления больше 27 часов: {len(due)}")
            for payment in due:
                created = timezone.localtime(payment.created_at)
                self.stdout.write(
                    f"  {created:%d.%m.%Y %H:%M}  {payment.account.organization.name}  "
                    f"л/с {payment.account.number}  {format_money(payment.amount)} ₽  "
                    f"{payment.get_gateway_display()} MNT_ID {payment.merchant_id}  "
                    f"платеж {payment.transaction_id}  ({payment.get_status_display()})"
                )
        else:
            self.stdout.write("Онлайн-платежей без уведомления больше 27 часов нет.")
        if odd:
            self.stdout.write(f"Уведомления, требующие внимания, за {days} дн.: {len(odd)}")
            for notice in odd:
                received = timezone.localtime(notice.received_at)
                account = notice.online_payment.account.number if notice.online_payment else "—"
                self.stdout.write(
                    f"  {received:%d.%m.%Y %H:%M}  л/с {account}  платеж {notice.transaction_id}  "
                    f"операция {notice.operation_id or '—'}  сумма {notice.amount or '—'}  "
                    f"{notice.get_outcome_display()}"
                )
        if due or odd:
            raise SystemExit(1)

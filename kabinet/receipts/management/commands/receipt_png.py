"""`manage.py receipt_png [--account 1234567] [--period 2014-10] [--out var/receipt.png]`:
page 1 of an account's payment document as PNG, to look at the layout (at 96 ppi a
pixel is a pixel of the page at 100 % zoom). The demo account's October 2014 by default.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kabinet.billing.management.commands.billing_run import _month
from kabinet.housing.models import PersonalAccount
from kabinet.receipts import render
from kabinet.receipts.selectors import account_period
from kabinet.receipts.services import receipt_document


class Command(BaseCommand):
    help = "Записать первую страницу квитанции в PNG (посмотреть макет)."

    def add_arguments(self, parser):
        parser.add_argument("--account", default="1234567", help="Номер лицевого счета.")
        parser.add_argument("--inn", help="ИНН организации, если номер счета не уникален.")
        parser.add_argument(
            "--period", type=_month, help="Месяц: ГГГГ-ММ (по умолчанию последний)."
        )
        parser.add_argument("--out", type=Path, default=settings.VAR_DIR / "receipt.png")
        parser.add_argument("--ppi", type=int, default=96, help="Точек на дюйм (96 = 100 %%).")

    def handle(self, *args, account, inn, period, out, ppi, **options):
        accounts = PersonalAccount.objects.filter(number=account).select_related(
            "organization", "premises__house"
        )
        if inn:
            accounts = accounts.filter(organization__inn=inn)
        if accounts.count() != 1:
            raise CommandError(f"Лицевой счет {account} не найден или не один: укажите --inn.")
        held = accounts.get()
        billing_period = account_period(account=held, month=period)
        if billing_period is None:
            raise CommandError("За этот месяц у лицевого счета нет начислений.")
        document = receipt_document(account=held, period=billing_period)
        out.write_bytes(
            render.png(
                document.data, number=document.number, issued_on=document.issued_on, ppi=ppi
            )
        )
        self.stdout.write(f"{out} ({'проект' if document.is_draft else f'№ {document.number}'})")

"""`manage.py load_demo`: demo data, loaded once (a second run adds nothing).

`--accounts N` also generates a large registry of N accounts for scale work.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kabinet.core.periods import add_months
from kabinet.demo.city import city_load
from kabinet.demo.payments import payments_demo_load
from kabinet.demo.reference import reference_load
from kabinet.demo.registers import register_formats_load
from kabinet.demo.registry import accounts_generate, company_ensure
from kabinet.demo.staff import staff_users_load

BIG_CITY = dict(
    name="ООО «УК Большой город»",
    inn="1650111222",
    city="г. Казань",
    streets=["ул. Баумана", "ул. Пушкина", "пр. Победы", "ул. Чистопольская", "ул. Декабристов"],
)


class Command(BaseCommand):
    help = "Загрузить демонстрационные данные (повторный запуск ничего не дублирует)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts",
            type=int,
            default=0,
            help="Сгенерировать реестр из N лицевых счетов (12 услуг у каждого).",
        )
        parser.add_argument(
            "--months", type=int, default=1, help="Месяцев начислений в генерируемом реестре."
        )

    def handle(self, *args, accounts, months, **options):
        if accounts < 0 or not 1 <= months <= 36:
            raise CommandError("--accounts не может быть отрицательным, --months: от 1 до 36.")
        today = timezone.localdate()
        staff_users_load()
        reference_load()
        added = city_load(today=today)
        payments_demo_load()
        register_formats_load()
        self.stdout.write(f"Демо-данные готовы (новых счетов УК «Солнечный город»: {added}).")
        if accounts:
            started = time.perf_counter()
            history = [add_months(today, -n) for n in range(months, 0, -1)]
            company = company_ensure(
                name=BIG_CITY["name"], inn=BIG_CITY["inn"], city=BIG_CITY["city"],
                last_month=history[-1],
            )  # fmt: skip
            added = accounts_generate(
                company=company, count=accounts, months=history,
                city=BIG_CITY["city"], streets=BIG_CITY["streets"],
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            self.stdout.write(f"Сгенерировано лицевых счетов: {added} за {elapsed:.1f} с.")

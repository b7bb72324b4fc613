from django.core.management.base import BaseCommand

from kabinet.demo.staff import DEMO_LOGINS


class Command(BaseCommand):
    help = "Показать демонстрационные логины."

    def handle(self, *args, **options):
        self.stdout.write("Демо-логины (вход: /admin/ и /login/):")
        for login, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {login} / {password}  — {role}")

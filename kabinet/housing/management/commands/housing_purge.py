"""Remove attach attempts older than ACCOUNT_ATTACH_ATTEMPT_RETENTION (daily, with
`manage.py accounts_purge`: docs/security.md, "Retention")."""

from django.core.management.base import BaseCommand

from kabinet.housing import services


class Command(BaseCommand):
    help = "Удалить попытки привязки лицевых счетов старше срока хранения."

    def handle(self, *args, **options):
        deleted = services.attach_attempts_purge()
        self.stdout.write(f"attach_attempts={deleted}")

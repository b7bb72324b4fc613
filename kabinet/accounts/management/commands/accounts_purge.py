"""Remove what has outlived its purpose: expired sessions (Django's and their rows), old
proofs of consent, failed logins and the login history past their retention.

Run it daily (cron or a systemd timer: docs/security.md, "Retention"), with
`manage.py housing_purge` (attach attempts).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from kabinet.accounts import services


class Command(BaseCommand):
    help = (
        "Удалить истекшие сеансы, согласия удаленных пользователей, неудачные входы и "
        "историю входов старше срока хранения."
    )

    def handle(self, *args, **options):
        call_command("clearsessions")  # Django's expired sessions
        purged = services.personal_data_purge()
        self.stdout.write(
            f"sessions={purged.sessions} consents={purged.consents} "
            f"login_failures={purged.login_failures} login_history={purged.login_history}"
        )

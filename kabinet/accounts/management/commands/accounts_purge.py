"""Remove what has outlived its purpose: expired session rows, old proofs of consent.

Run it daily, beside Django's `clearsessions` (docs/profile.md).
"""

from django.core.management.base import BaseCommand

from kabinet.accounts import services


class Command(BaseCommand):
    help = "Удалить истекшие записи о сеансах и согласия удаленных пользователей старше срока хранения."

    def handle(self, *args, **options):
        purged = services.personal_data_purge()
        self.stdout.write(f"sessions={purged.sessions} consents={purged.consents}")

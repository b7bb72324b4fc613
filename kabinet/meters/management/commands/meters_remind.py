"""`manage.py meters_remind`: queue the reading reminders of organizations whose reading
window opens today (run daily by cron or a systemd timer: docs/meters.md).

Each account link with reminders on gets at most one reminder a month, however often the
command runs; `manage.py db_worker` sends them.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from kabinet.core.periods import month_label, month_start
from kabinet.meters import services, window


class Command(BaseCommand):
    help = (
        "Поставить в очередь напоминания о передаче показаний для организаций, у которых "
        "сегодня открывается прием показаний (запускать ежедневно)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="День, за который запустить (ГГГГ-ММ-ДД), например пропущенный; по умолчанию сегодня.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Только посчитать, никому не писать."
        )
        parser.add_argument(
            "--retry",
            action="store_true",
            help="Еще раз поставить в очередь напоминания этого месяца, которые не ушли из-за ошибки.",
        )

    def handle(self, *args, date=None, dry_run=False, retry=False, **options):
        if date:
            try:
                on = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError("--date: ожидается ГГГГ-ММ-ДД, например 2026-11-15.") from None
        else:
            on = window.local_now().date()
        if retry:
            count = services.reminders_retry(month=month_start(on))
            self.stdout.write(f"Повторно в очереди: {count}.")
            return
        run = services.reminders_queue(on=on, dry_run=dry_run)
        if not run.organizations:
            self.stdout.write(f"{on:%d.%m.%Y}: прием показаний сегодня не открывается ни у кого.")
            return
        names = ", ".join(organization.name for organization in run.organizations)
        verb = "будет поставлено" if dry_run else "поставлено в очередь"
        self.stdout.write(
            f"{on:%d.%m.%Y}, {month_label(on)}: открывается прием у {names}; "
            f"напоминаний {verb}: {run.queued}."
        )

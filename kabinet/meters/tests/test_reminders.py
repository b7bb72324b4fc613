"""Reading reminders: queued on the day the window opens, at most once per account link
and month, mailed by the task worker with a one-click unsubscribe (link and header)."""

import datetime
import email.policy
import re
from io import StringIO

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.urls import reverse

from kabinet.housing.models import AccountLink
from kabinet.meters.emails import UNSUBSCRIBE_SALT, unsubscribe_token
from kabinet.meters.models import Reading, ReadingReminder
from tests.factories import MeterFactory, OrganizationFactory, PersonalAccountFactory, UserFactory

from .helpers import run_queued_tasks

pytestmark = pytest.mark.django_db
OPENS = datetime.date(2014, 11, 15)


@pytest.fixture
def organization():
    return OrganizationFactory(name='ООО "УК Рассвет"', phone="+7 (495) 000-00-00")


def account_with_meter(organization, **link):
    account = PersonalAccountFactory(premises__house__organization=organization)
    MeterFactory(premises=account.premises)
    user = UserFactory()
    return AccountLink.objects.create(user=user, account=account, **link)


def remind(on=OPENS, *args) -> str:
    out = StringIO()
    call_command("meters_remind", f"--date={on:%Y-%m-%d}", *args, stdout=out)
    return out.getvalue()


def test_reminders_go_out_on_the_day_the_window_opens_once_a_month(organization):
    link = account_with_meter(organization)
    assert "ни у кого" in remind(OPENS - datetime.timedelta(days=1))
    assert "напоминаний поставлено в очередь: 1" in remind()
    assert "напоминаний поставлено в очередь: 0" in remind()  # run twice: nothing more
    assert run_queued_tasks() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [link.user.email]
    assert message.subject == (
        f"Передайте показания счетчиков за ноябрь 2014 (Л/С № {link.account.number})"
    )
    assert "с 15.11.2014 по 25.11.2014 включительно" in message.body
    submit = f"http://127.0.0.1:8000/cabinet/{link.account_id}/meters/submit/"
    assert submit in message.body
    reminder = ReadingReminder.objects.get()
    assert (reminder.link, reminder.month, reminder.error) == (link, OPENS.replace(day=1), "")
    assert reminder.sent_at is not None
    run_queued_tasks()
    assert len(mail.outbox) == 1


def test_a_queued_reminder_is_sent_once_even_if_its_task_runs_twice(organization):
    account_with_meter(organization)
    remind()
    from kabinet.meters import services

    ids = list(ReadingReminder.objects.values_list("pk", flat=True))
    assert services.reminders_send_now(reminder_ids=ids) == 1
    assert services.reminders_send_now(reminder_ids=ids) == 0
    assert len(mail.outbox) == 1


def test_who_is_not_reminded(organization):
    wanted = account_with_meter(organization)
    account_with_meter(organization, reading_reminders=False)
    inactive = account_with_meter(organization)
    inactive.user.is_active = False
    inactive.user.save()
    no_email = account_with_meter(organization)
    no_email.user.email = ""
    no_email.user.save()
    no_meters = AccountLink.objects.create(
        user=UserFactory(),
        account=PersonalAccountFactory(premises__house__organization=organization),
    )
    done = account_with_meter(organization)  # already gave this month's reading
    Reading.objects.create(
        meter=done.account.premises.meters.get(), period=OPENS.replace(day=1), value=5,
        source=Reading.Source.RESIDENT,
    )  # fmt: skip
    other = account_with_meter(OrganizationFactory(reading_window_start_day=20))
    assert "напоминаний поставлено в очередь: 1" in remind()
    assert list(ReadingReminder.objects.values_list("link", flat=True)) == [wanted.pk]
    assert no_meters.pk and other.pk


def test_a_dry_run_counts_and_queues_nothing(organization):
    account_with_meter(organization)
    assert "напоминаний будет поставлено: 1" in remind(OPENS, "--dry-run")
    assert not ReadingReminder.objects.exists()
    assert run_queued_tasks() == 0


def test_failed_mail_is_recorded_and_can_be_retried(organization, settings, monkeypatch):
    account_with_meter(organization)
    remind()
    from kabinet.meters import emails

    def broken(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(emails, "reading_reminder", broken)
    run_queued_tasks()
    reminder = ReadingReminder.objects.get()
    assert reminder.sent_at is None and "smtp down" in reminder.error
    monkeypatch.undo()
    out = StringIO()
    call_command("meters_remind", f"--date={OPENS:%Y-%m-%d}", "--retry", stdout=out)
    assert "Повторно в очереди: 1" in out.getvalue()
    run_queued_tasks()
    assert len(mail.outbox) == 1


def test_each_mail_unsubscribes_in_one_click(client, organization):
    link = account_with_meter(organization)
    remind()
    run_queued_tasks()
    message = mail.outbox[0]
    url = re.search(r"http://127\.0\.0\.1:8000(/meters/unsubscribe/[^/\s]+/)", message.body).group(
        1
    )
    assert message.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire the URL stays on one line, not folded into RFC 2047 encoded words.
    wire = message.message(policy=email.policy.SMTP).as_bytes().decode()
    assert f"\r\nList-Unsubscribe: <http://127.0.0.1:8000{url}>\r\n" in wire
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in wire
    html = message.alternatives[0].content
    assert url in html
    # The link in the mail: one click, no login.
    response = client.get(url)
    assert response.status_code == 200
    assert "Вы отписались от напоминаний" in response.content.decode()
    link.refresh_from_db()
    assert link.reading_reminders is False
    # The page offers to turn them on again.
    response = client.post(url, {"resubscribe": "1"})
    assert "Напоминания включены" in response.content.decode()
    link.refresh_from_db()
    assert link.reading_reminders is True
    # The mail client's own button (RFC 8058): a POST without a CSRF token.
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    link.refresh_from_db()
    assert link.reading_reminders is False


def test_a_bad_unsubscribe_token_changes_nothing(client, organization):
    link = account_with_meter(organization)
    token = unsubscribe_token(link)
    other_salt = signing.dumps(link.pk, salt="kabinet.accounts.something-else")
    for bad in (
        token[:-2] + "xx",
        "garbage",
        other_salt,
        signing.dumps("text", salt=UNSUBSCRIBE_SALT),
    ):
        response = client.get(reverse("meters:unsubscribe", args=[bad]))
        assert response.status_code == 404
        assert "Ссылка недействительна" in response.content.decode()
    link.refresh_from_db()
    assert link.reading_reminders is True
    link.delete()
    assert client.get(reverse("meters:unsubscribe", args=[token])).status_code == 404


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ГГГГ-ММ-ДД"):
        call_command("meters_remind", "--date=15.11.2014")

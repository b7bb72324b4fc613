"""E-mailed receipts: publishing a closed month, one mail per subscribed address with the
PDF and a one-click unsubscribe, retries, progress (docs/receipts.md#mailing)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kabinet.billing.models import BillingPeriod
from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from kabinet.receipts import services
from kabinet.receipts.emails import unsubscribe_token
from kabinet.receipts.models import Delivery, Mailing, Receipt
from tests.factories import PersonalAccountFactory, PremisesFactory, UserFactory

from .helpers import pdf_qr

pytestmark = pytest.mark.django_db
OCT_2014 = datetime.date(2014, 10, 1)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "https://kabinet.example"


@pytest.fixture
def kamal():
    return reference_load()


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish a period as staff do: its tasks are queued once the transaction commits."""

    def publish(period):
        with django_capture_on_commit_callbacks(execute=True):
            return services.mailing_publish(period=period)

    return publish


@pytest.fixture
def october(kamal):
    return BillingPeriod.objects.get(organization=kamal.organization, month=OCT_2014)


def subscriber(account, **user_fields):
    user = UserFactory(**user_fields)
    AccountLink.objects.create(user=user, account=account, receipts_by_email=True)
    return user


def progress(mailing) -> services.Progress:
    return services.Progress.of(
        services.mailings_with_progress(Mailing.objects.filter(pk=mailing.pk)).get()
    )


def test_each_subscribed_address_gets_the_document_once(kamal, october, publish):
    wife = subscriber(kamal, email="Wife@Example.com")
    husband = subscriber(kamal, email="husband@example.com")
    AccountLink.objects.create(user=UserFactory(), account=kamal)  # not subscribed
    subscriber(kamal, is_active=False)  # blocked by staff
    # A neighbour's account without lines in October: nothing to send.
    subscriber(PersonalAccountFactory(organization=kamal.organization, premises=PremisesFactory(
        house=kamal.premises.house)))  # fmt: skip

    mailing = publish(october)

    assert mailing.added == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["husband@example.com", "wife@example.com"]
    assert progress(mailing) == services.Progress(sent=2, failed=0, left=0, cancelled=0)
    receipt = Receipt.objects.get()  # issued once, the same document in both mails
    for message in mail.outbox:
        assert message.subject == "Квитанция за октябрь 2014, лицевой счет № 1234567"
        [(filename, content, mimetype)] = message.attachments
        assert (filename, mimetype) == ("kvitanciya-1234567-2014-10.pdf", "application/pdf")
        assert "|Sum=558937|" in pdf_qr(content)[0]
        assert "К оплате: 5\u202f589,37 руб. до 10.11.2014." in message.body
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = re.search(r"<(https://kabinet\.example/receipts/unsubscribe/[^>]+/)>",
                         message.extra_headers["List-Unsubscribe"]).group(1)  # fmt: skip
        assert link in message.body and link in message.alternatives[0].content
    assert Delivery.objects.filter(receipt=receipt, status="sent").count() == 2
    assert {d.user for d in Delivery.objects.all()} == {wife, husband}


def test_publishing_again_sends_only_to_new_subscribers(kamal, october, publish):
    subscriber(kamal)
    publish(october)
    again = publish(october)
    assert again.added == 0 and len(mail.outbox) == 1
    late = subscriber(kamal)
    third = publish(october)
    assert third.added == 1 and [m.to for m in mail.outbox[1:]] == [[late.email]]


def test_an_open_month_is_not_published(kamal, october, publish):
    BillingPeriod.objects.filter(pk=october.pk).update(is_closed=False)
    october.refresh_from_db()
    subscriber(kamal)
    with pytest.raises(Exception, match="не закрыт"):
        publish(october)
    assert not Delivery.objects.exists() and not mail.outbox


class FlakyBackend(EmailBackend):
    """Refuses the first `failures` messages, then delivers like locmem."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server unavailable")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    yield FlakyBackend
    FlakyBackend.failures = 0


def test_a_failed_mail_is_retried_and_sent_once(kamal, october, flaky, publish):
    subscriber(kamal)
    flaky.failures = 2
    mailing = publish(october)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert len(mail.outbox) == 1
    assert progress(mailing).sent == 1


def test_after_the_last_attempt_it_is_given_up_and_staff_can_queue_it_again(
    kamal, october, flaky, settings, publish
):
    settings.RECEIPTS_MAIL_ATTEMPTS = 3
    subscriber(kamal)
    flaky.failures = 3
    mailing = publish(october)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("gave_up", 3)
    assert "SMTP server unavailable" in delivery.error
    assert progress(mailing) == services.Progress(sent=0, failed=1, left=0, cancelled=0)
    assert services.mailing_retry(mailing=mailing) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(mail.outbox) == 1


def test_a_delivery_already_sent_or_being_sent_is_not_sent_again(
    kamal, october, settings, publish
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    subscriber(kamal)
    publish(october)
    delivery = Delivery.objects.get()
    assert services.delivery_send(delivery_id=delivery.pk) is not None
    assert services.delivery_send(delivery_id=delivery.pk) is None  # a second task, later
    Delivery.objects.filter(pk=delivery.pk).update(status="sending")  # a worker died mid-send
    assert services.delivery_send(delivery_id=delivery.pk) is None
    assert len(mail.outbox) == 1


def test_who_unsubscribed_or_changed_address_before_their_turn_gets_nothing(
    kamal, october, settings, publish
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    gone, moved = subscriber(kamal), subscriber(kamal)
    mailing = publish(october)
    AccountLink.objects.filter(user=gone).update(receipts_by_email=False)
    type(moved).objects.filter(pk=moved.pk).update(email="new@example.com")
    for delivery in Delivery.objects.all():
        services.delivery_send(delivery_id=delivery.pk)
    assert not mail.outbox
    assert progress(mailing) == services.Progress(sent=0, failed=0, left=0, cancelled=2)


# --- the unsubscribe link -----------------------------------------------------------------


def test_the_link_asks_first_then_one_click_unsubscribes(client, kamal):
    user = subscriber(kamal)
    url = reverse(
        "receipts:unsubscribe", args=[unsubscribe_token(user_id=user.pk, account_id=kamal.pk)]
    )
    page = client.get(url)
    assert page.status_code == 200 and "Отписаться" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert AccountLink.objects.get(user=user).receipts_by_email  # opening it changed nothing
    done = client.post(url)
    assert "больше не будут приходить" in done.content.decode()
    assert not AccountLink.objects.get(user=user).receipts_by_email


def test_a_mail_clients_one_click_post_needs_no_csrf_token(kamal):
    from django.test import Client

    user = subscriber(kamal)
    url = reverse(
        "receipts:unsubscribe", args=[unsubscribe_token(user_id=user.pk, account_id=kamal.pk)]
    )
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not AccountLink.objects.get(user=user).receipts_by_email


@pytest.mark.parametrize("token", ["garbage", "WzEsMV0:tampered:sig"])
def test_a_forged_or_broken_link_changes_nothing(client, kamal, token):
    user = subscriber(kamal)
    response = client.post(reverse("receipts:unsubscribe", args=[token]))
    assert response.status_code == 404
    assert AccountLink.objects.get(user=user).receipts_by_email


def test_a_link_for_someone_elses_account_changes_nothing(client, kamal):
    user = subscriber(kamal)
    other = subscriber(PersonalAccountFactory())
    token = unsubscribe_token(user_id=user.pk, account_id=other.account_links.get().account_id)
    assert client.post(reverse("receipts:unsubscribe", args=[token])).status_code == 404
    assert AccountLink.objects.filter(receipts_by_email=True).count() == 2


# --- the command --------------------------------------------------------------------------


def test_the_command_publishes_and_reports_progress(
    kamal, capsys, django_capture_on_commit_callbacks
):
    subscriber(kamal)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("receipts_send", "--organization", "1655012345", "--period", "2014-10")
    assert "писем в очереди 1" in capsys.readouterr().out and len(mail.outbox) == 1
    call_command(
        "receipts_send", "--organization", "1655012345", "--period", "2014-10", "--status"
    )
    assert "отправлено 1, ошибок 0, осталось 0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--organization", "0000000000", "--period", "2014-10"], "не найдена"),
        (["--organization", "1655012345", "--period", "2014-13"], "ГГГГ-ММ"),
        (["--organization", "1655012345", "--period", "2013-01"], "такого расчетного периода нет"),
    ],
)
def test_the_command_says_what_is_wrong(kamal, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("receipts_send", *arguments)

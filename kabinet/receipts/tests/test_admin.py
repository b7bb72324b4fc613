"""Receipts in the back office: publishing a month from the periods' list, the mailing's
progress, the issued documents with their PDF; the look command."""

import html
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.billing.models import BillingPeriod
from kabinet.demo.reference import reference_load
from kabinet.demo.staff import staff_users_load
from kabinet.housing.models import AccountLink
from kabinet.receipts.models import Mailing, Receipt
from tests.factories import UserFactory

from .helpers import pdf_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    staff_users_load()
    client.force_login(User.objects.get(username="operator"))
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_staff_publish_a_month_and_follow_the_mailing(
    operator, django_capture_on_commit_callbacks
):
    kamal = reference_load()
    for _ in range(2):
        AccountLink.objects.create(user=UserFactory(), account=kamal, receipts_by_email=True)
    periods = BillingPeriod.objects.filter(organization=kamal.organization)
    october, september = periods.get(month__month=10), periods.get(month__month=9)
    BillingPeriod.objects.filter(pk=october.pk).update(is_closed=False)
    with django_capture_on_commit_callbacks(execute=True):
        page = text(
            operator.post(
                reverse("admin:billing_billingperiod_changelist"),
                {"action": "publish_receipts", "_selected_action": [october.pk, september.pk]},
                follow=True,
            )
        )
    assert "Период октябрь 2014 не закрыт: квитанции рассылаются за закрытые периоды." in page
    assert "Сентябрь 2014, ОАО «Камал»: квитанции переданы на отправку, писем: 2." in page
    assert len(mail.outbox) == 2
    mailing = Mailing.objects.get()
    assert mailing.started_by.username == "operator"
    listing = text(operator.get(reverse("admin:receipts_mailing_changelist")))
    assert "отправлено 2, ошибок 0, осталось 0" in listing
    detail = text(operator.get(reverse("admin:receipts_mailing_change", args=[mailing.pk])))
    assert "отправлено 2, ошибок 0, осталось 0" in detail


def test_staff_open_an_issued_documents_pdf(operator):
    kamal = reference_load()
    period = BillingPeriod.objects.get(organization=kamal.organization, month__month=10)
    from kabinet.receipts.services import receipt_issue

    receipt = receipt_issue(account=kamal, period=period)
    listing = operator.get(reverse("admin:receipts_receipt_changelist")).content.decode()
    url = reverse("admin:receipts_receipt_pdf", args=[receipt.pk])
    assert f'href="{url}"' in listing
    response = operator.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert "Платежный документ № 1" in pdf_words(response.content)
    assert operator.get(reverse("admin:receipts_receipt_pdf", args=[999])).status_code == 404
    assert Receipt.objects.count() == 1


def test_the_look_command_writes_page_one_as_png(tmp_path):
    reference_load()
    out = tmp_path / "receipt.png"
    call_command("receipt_png", "--out", str(out), "--period", "2014-10")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    assert Image.open(out).size == (794, 1123)  # A4 at 96 ppi: 100 % zoom
    assert Receipt.objects.count() == 1

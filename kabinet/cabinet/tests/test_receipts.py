"""The resident's payment documents: the PDF of a month, the list, the charges page's
links, the e-mail switch (docs/receipts.md)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.models import BillingPeriod
from kabinet.housing.models import AccountLink
from kabinet.receipts.models import Receipt
from kabinet.receipts.tests.helpers import pdf_qr, pdf_words

pytestmark = pytest.mark.django_db


def pdf_url(account, month: str | None = None) -> str:
    url = reverse("cabinet:receipt", args=[account.pk])
    return url if month is None else f"{url}?month={month}"


def test_the_owner_gets_the_months_pdf_inline_and_uncached(owner_client, kamal):
    response = owner_client.get(pdf_url(kamal, "2014-09"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="kvitanciya-1234567-2014-09.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_words(response.content)
    assert "за сентябрь 2014 года" in text and "Платежный документ № 1 от" in text


def test_without_a_month_the_latest_is_printed_as_the_card_shows_it(owner_client, kamal):
    response = owner_client.get(pdf_url(kamal))
    assert response["Content-Disposition"].endswith('filename="kvitanciya-1234567-2014-10.pdf"')
    [code] = pdf_qr(response.content)
    assert "|Sum=558937|" in code and "|PaymPeriod=102014|" in code  # the card's "Долг"


@pytest.mark.parametrize("month", ["2014-13", "октябрь", "", "2014-10-01", "9999-01"])
def test_a_month_without_a_document_is_404(owner_client, kamal, month):
    assert owner_client.get(pdf_url(kamal, month)).status_code == 404


def test_a_month_before_the_account_had_charges_is_404(owner_client, kamal):
    BillingPeriod.objects.create(organization=kamal.organization, month=datetime.date(2014, 7, 1))
    assert owner_client.get(pdf_url(kamal, "2014-07")).status_code == 404


def test_strangers_get_404_and_nothing_is_issued(client, kamal, user, stranger):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(stranger)
    assert client.get(pdf_url(kamal, "2014-10")).status_code == 404
    assert not Receipt.objects.exists()


def test_printing_again_gives_the_same_number(owner_client, kamal):
    owner_client.get(pdf_url(kamal, "2014-08"))
    owner_client.get(pdf_url(kamal, "2014-10"))
    again = pdf_words(owner_client.get(pdf_url(kamal, "2014-08")).content)
    assert "Платежный документ № 1 от" in again
    assert sorted(Receipt.objects.values_list("period__month__month", "number")) == [
        (8, 1),
        (10, 2),
    ]


def test_the_list_shows_every_month_with_its_document(owner_client, kamal):
    owner_client.get(pdf_url(kamal, "2014-10"))
    body = owner_client.get(reverse("cabinet:receipts", args=[kamal.pk])).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)[1:]
    assert len(rows) == 3
    assert "октябрь 2014" in rows[0] and f'href="{pdf_url(kamal, "2014-10")}"' in rows[0]
    assert re.search(r"№ 1 от \d\d\.\d\d\.\d{4}", rows[0]) and "5\u202f589,37" in rows[0]
    assert "будет выписана при первой печати" in rows[1]


def test_the_list_runs_a_fixed_number_of_queries(owner_client, kamal):
    url = reverse("cabinet:receipts", args=[kamal.pk])
    owner_client.get(url)
    with CaptureQueriesContext(connection) as before:
        owner_client.get(url)
    for month in ("2014-08", "2014-09", "2014-10"):
        owner_client.get(pdf_url(kamal, month))
    with CaptureQueriesContext(connection) as after:
        owner_client.get(url)
    assert len(before) == len(after)


def test_the_charges_page_links_each_months_document(owner_client, kamal):
    url = reverse("cabinet:charges", args=[kamal.pk])
    for month in ("2014-08", "2014-09", "2014-10"):
        body = owner_client.get(url, {"period": month}).content.decode()
        assert f'href="{pdf_url(kamal, month)}">Распечатать квитанцию</a>' in body


def test_the_account_can_be_subscribed_and_unsubscribed(owner_client, user, kamal):
    url = reverse("cabinet:receipts", args=[kamal.pk])
    assert "Присылать на e-mail" in owner_client.get(url).content.decode()
    response = owner_client.post(url, {"receipts_by_email": "1"}, follow=True)
    assert AccountLink.objects.get(user=user, account=kamal).receipts_by_email
    assert f"будут приходить на {user.email}" in response.content.decode()
    owner_client.post(url, {"receipts_by_email": "0"})
    assert not AccountLink.objects.get(user=user, account=kamal).receipts_by_email

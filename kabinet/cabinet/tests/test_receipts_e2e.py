"""A resident prints a month's payment document and subscribes to e-mailed ones, in a real
browser (Playwright, Chromium)."""

import pytest
from playwright.sync_api import Page, expect

from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from kabinet.receipts.tests.helpers import pdf_qr, pdf_words
from tests.factories import UserFactory

from .test_e2e import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_resident_prints_a_receipt_and_subscribes_to_them(page: Page, live_server):
    kamal = reference_load()
    resident = UserFactory(username="muravyev")
    AccountLink.objects.create(user=resident, account=kamal)
    log_in(page, live_server, resident, next_url=f"/cabinet/{kamal.pk}/")

    # The card's button opens the latest month's PDF in the browser.
    with page.expect_response(lambda r: "/receipts/pdf/" in r.url) as card_pdf:
        page.get_by_role("link", name="Квитанция", exact=True).click()
    response = card_pdf.value
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'inline; filename="kvitanciya-1234567-2014-10.pdf"'
    )
    # The viewer holds the page; the same URL fetched with the browser's cookies gives
    # the bytes it shows.
    [code] = pdf_qr(page.request.get(response.url).body())
    assert "|Sum=558937|" in code and "|PaymPeriod=102014|" in code

    # The list: every month, the one printed is numbered now.
    page.goto(f"{live_server.url}/cabinet/{kamal.pk}/")
    page.get_by_role("link", name="Квитанции").click()
    expect(page.get_by_role("heading", name="Квитанции", exact=True)).to_be_visible()
    rows = page.locator("table.receipts tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("№ 1 от")
    with page.expect_response(lambda r: "/receipts/pdf/" in r.url) as august:
        rows.nth(2).get_by_role("link", name="август 2014").click()
    text = pdf_words(page.request.get(august.value.url).body())
    assert "за август 2014 года" in text and "Платежный документ № 2 от" in text
    page.go_back()

    page.get_by_role("button", name="Присылать на e-mail").click()
    expect(page.get_by_text(f"будут приходить на {resident.email}")).to_be_visible()
    assert AccountLink.objects.get(user=resident).receipts_by_email
    page.get_by_role("button", name="Не присылать").click()
    expect(page.get_by_role("button", name="Присылать на e-mail")).to_be_visible()
    assert not AccountLink.objects.get(user=resident).receipts_by_email

"""A resident pays the demo account's debt online, through the sandbox, in a real browser.

The sandbox's notification goes over HTTP to the live server's Pay URL, sent by the
task queue run here (what `manage.py db_worker` does in `make run`). Set
KABINET_SCREENSHOTS=<dir> to keep screenshots of each step (desktop and a 390 px phone).
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.billing.models import Payment
from kabinet.demo.payments import payments_demo_load
from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from kabinet.payments.models import Notification, OnlinePayment, SandboxOperation
from kabinet.payments.tests.helpers import run_tasks
from tests.factories import UserFactory

from .test_e2e import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NNBSP = "\u202f"
SCREENSHOTS = os.environ.get("KABINET_SCREENSHOTS")


@pytest.fixture
def demo(live_server, settings):
    settings.SITE_URL = live_server.url  # where the sandbox sends the payer and the notification
    kamal = reference_load()
    payments_demo_load()
    return kamal


@pytest.fixture
def resident(demo):
    user = UserFactory(username="muravyev", email="muravyev@example.com")
    AccountLink.objects.create(user=user, account=demo)
    return user


@pytest.mark.parametrize("width", [1280, 390])
def test_a_resident_pays_the_debt_and_sees_it_credited(
    browser, live_server, demo, resident, width, tmp_path
):
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page: Page = context.new_page()

    def step(name: str) -> None:
        page.screenshot(path=folder / f"pay-{name}-{width}.png", full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide}px wide on a {width}px screen"

    log_in(page, live_server, resident, next_url=f"/cabinet/{demo.pk}/")
    expect(page.locator(".to-pay-sum")).to_have_text(f"5{NNBSP}589,37\u00a0₽")
    step("card")
    page.get_by_role("link", name="Оплатить", exact=True).click()

    # Kabinet's form: the debt offered, a wrong amount explained next to the field.
    amount = page.get_by_label("Сумма к оплате, ₽")
    expect(amount).to_have_value(f"5{NNBSP}589,37")
    expect(page.get_by_label("E-mail или телефон для чека")).to_have_value("muravyev@example.com")
    amount.fill("0")
    page.get_by_role("button", name="Перейти к оплате").click()
    expect(page.locator(".field-error")).to_have_text("Сумма должна быть больше нуля.")
    step("form-error")
    amount.fill("5 589,37")
    page.get_by_role("button", name="Перейти к оплате").click()

    # The sandbox's page (Fig. 6), where the card is typed.
    expect(page.get_by_role("heading", name="Оплата через систему Moneta.Ру")).to_be_visible()
    expect(page.locator(".sandbox-total")).to_have_text(f"Сумма к оплате 5{NNBSP}589,37\u00a0₽")
    step("sandbox")
    page.get_by_label("Номер карты").fill("4111 1111 1111 1111")
    page.get_by_label("Срок действия").fill("12/30")
    page.get_by_label("CVC2/CVV2").fill("123")
    page.get_by_role("button", name="Оплатить").click()

    # Back in Kabinet: paid at the gateway, not yet confirmed to Kabinet.
    expect(page.get_by_role("heading", name="Платеж подтверждается")).to_be_visible()
    step("confirming")
    assert not Payment.objects.filter(source="online").exists()
    payment = OnlinePayment.objects.get()
    assert payment.status == OnlinePayment.Status.CREATED

    # The sandbox announces it to the Pay URL over HTTP; the page, reloading itself, sees it.
    assert run_tasks() == 1
    expect(page.get_by_role("heading", name="Платеж зачислен")).to_be_visible(timeout=15_000)
    step("credited")
    operation = SandboxOperation.objects.get()
    assert operation.acknowledged_at is not None and operation.attempts == 1
    log = Notification.objects.get()
    assert log.outcome == Notification.Outcome.CREDITED and log.ip_address == "127.0.0.1"
    assert "<MNT_RESULT_CODE>200</MNT_RESULT_CODE>" in log.answer  # fiscal receipts on: XML

    page.get_by_role("link", name="К лицевому счету").click()
    expect(page.locator(".to-pay-due")).to_have_text("Задолженности нет")
    step("card-after")
    page.get_by_role("navigation", name="Разделы лицевого счета").get_by_role(
        "link", name="Платежи", exact=True
    ).click()
    today = timezone.localdate().strftime("%d.%m.%Y")
    first = page.locator(".payment-list li").last  # the month's payments, oldest first
    expect(first).to_contain_text(today)
    expect(first).to_contain_text(f"5{NNBSP}589,37")
    expect(first).to_contain_text("Онлайн-оплата")
    step("payments")
    context.close()


def test_a_declined_card_leads_to_the_failure_page_and_nothing_is_credited(
    page: Page, live_server, demo, resident
):
    log_in(page, live_server, resident, next_url=f"/cabinet/{demo.pk}/pay/")
    page.get_by_label("Сумма к оплате, ₽").fill("100")
    page.get_by_role("button", name="Перейти к оплате").click()
    page.get_by_label("Номер карты").fill("4000 0000 0000 0002")
    page.get_by_label("Срок действия").fill("12/30")
    page.get_by_label("CVC2/CVV2").fill("123")
    page.get_by_role("button", name="Оплатить").click()
    expect(page.get_by_role("heading", name="Платеж не прошел")).to_be_visible()
    assert run_tasks() == 0
    page.get_by_role("link", name="Оплатить снова").click()
    expect(page.get_by_label("Сумма к оплате, ₽")).to_have_value(re.compile(r"^100,00$"))
    assert not Payment.objects.filter(source="online").exists()

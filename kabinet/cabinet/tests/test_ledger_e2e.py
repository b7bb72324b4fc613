"""A resident reads "Начисления" and "Платежи" in a real browser (Playwright, Chromium),
on a phone-sized and a desktop window: changes the period and the range, reads a
recalculation's grounds, a reversal and an overpaid month, and opens the penalty's
breakdown when that page exists. Set KABINET_SCREENSHOTS=<dir> to keep screenshots."""

import os
import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.core.periods import month_label
from kabinet.demo import city
from kabinet.demo.city import city_load
from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink, PersonalAccount
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("KABINET_SCREENSHOTS")
NNBSP = "\u202f"


@pytest.fixture
def accounts(live_server):
    kamal = reference_load()
    city_load(today=timezone.localdate())
    story = PersonalAccount.objects.filter(organization__inn=city.CITY_INN).order_by("number")[
        city.LEDGER_STORY_ACCOUNT - 1
    ]
    user = UserFactory(username="muravyev")
    AccountLink.objects.create(user=user, account=kamal)
    AccountLink.objects.create(user=user, account=story)
    return user, kamal, story


def log_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/?next=/cabinet/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Войти", exact=True).click()


def penalty_page_exists() -> bool:
    try:
        reverse("cabinet:penalty", kwargs={"account_id": 1})
    except NoReverseMatch:  # the penalty page is another issue's
        return False
    return True


@pytest.mark.parametrize("width", [390, 1280])
def test_a_resident_reads_charges_and_payments(browser, live_server, accounts, width, tmp_path):
    user, kamal, story = accounts
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()

    def check(name: str) -> None:
        page.screenshot(path=folder / f"ledger-{name}-{width}.png", full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide}px wide on a {width}px screen"

    log_in(page, live_server, user)
    months = city.history_months(timezone.localdate())
    booked = months[city.RECALCULATION["booked"]]
    concerns = months[city.RECALCULATION["concerns"]]

    # Начисления of the story account: the latest period, then the month a
    # recalculation of an earlier one was booked in.
    page.goto(f"{live_server.url}/cabinet/{story.pk}/")
    page.get_by_role("navigation", name="Разделы лицевого счета").get_by_role(
        "link", name="Начисления", exact=True
    ).click()
    expect(page.locator(".period-summary")).to_contain_text(
        f"Итого начислено за {month_label(months[-1])}"
    )
    expect(page.locator("svg.chart-svg rect.chart-bar")).to_have_count(12)
    check("charges")
    page.get_by_label("Период").select_option(label=month_label(booked))
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(re.compile(rf"\?period={booked:%Y-%m}$"))
    expect(page.locator(".period-summary")).to_contain_text(
        f"Итого начислено за {month_label(booked)}"
    )
    grounds = page.locator("table.recalculations")
    expect(grounds).to_contain_text("За прошлые периоды")
    expect(grounds).to_contain_text(month_label(concerns))
    expect(grounds).to_contain_text(city.RECALCULATION["reason"])
    check("charges-recalculation")

    # Платежи: the default twelve months, then a range of three around the reversal.
    page.get_by_role("navigation", name="Разделы лицевого счета").get_by_role(
        "link", name="Платежи", exact=True
    ).click()
    expect(page.locator("tr.flow-month")).to_have_count(len(months))
    check("payments")
    first, last = months[city.AHEAD_MONTH], months[city.REVERSAL_MONTH]
    page.get_by_label("с", exact=True).select_option(label=month_label(first))
    page.get_by_label("по", exact=True).select_option(label=month_label(last))
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(re.compile(rf"\?from={first:%Y-%m}&to={last:%Y-%m}$"))
    rows = page.locator("tr.flow-month")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("переплата")  # the month paid ahead
    expect(page.locator(".payment-list li.reversal")).to_contain_text("(сторно)")
    expect(page.locator(".payment-list li.reversal")).to_contain_text(f"-1{NNBSP}800,00")
    check("payments-range")

    # A start after the end: a message, and the default range.
    page.get_by_label("с", exact=True).select_option(label=month_label(last))
    page.get_by_label("по", exact=True).select_option(label=month_label(first))
    page.get_by_role("button", name="Показать").click()
    expect(page.locator(".notice")).to_contain_text("Начало периода позже его конца")
    expect(page.locator("tr.flow-month")).to_have_count(len(months))

    # The reference account's October 2014: the penalty and its breakdown.
    page.goto(f"{live_server.url}/cabinet/{kamal.pk}/charges/")
    penalty = page.locator("table.period-charges tr.penalty")
    expect(penalty).to_contain_text("11,53")
    expect(page.locator("tfoot")).to_contain_text(f"3{NNBSP}195,03")
    link = penalty.get_by_role("link", name="расчет")
    if penalty_page_exists():
        link.click()
        expect(page).to_have_url(re.compile(r"/penalty/\?period=2014-10$"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    else:
        expect(link).to_have_count(0)
    context.close()

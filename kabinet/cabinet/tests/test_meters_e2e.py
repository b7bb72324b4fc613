"""A resident enters meter readings in a real browser (Playwright, Chromium).

The clock is 20 November 2014, 10:00 Moscow time (time-machine, ticking): the window of
ОАО «Камал» (days 15-25) is open and the demo account 1234567 has its readings up to
October 2014. A gas meter near the end of its four-digit dial is added to the flat for
this test, to roll over. Set KABINET_SCREENSHOTS=<dir> to keep screenshots.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from kabinet.meters.models import Meter
from kabinet.meters.tests.helpers import meter_with_history, msk
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("KABINET_SCREENSHOTS")


@pytest.fixture
def november():
    with time_machine.travel(msk(2014, 11, 20, 10, 0), tick=True):
        yield


@pytest.fixture
def resident(live_server, november):
    kamal = reference_load()
    meter_with_history(
        kamal.premises, [9950, 9975, 9990], start=datetime.date(2014, 8, 1),
        resource=Meter.Resource.GAS, serial_number="Г-0154-13", capacity_digits=4,
    )  # fmt: skip
    user = UserFactory(username="muravyev")
    AccountLink.objects.create(user=user, account=kamal)
    return user


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(SCREENSHOTS) / f"meters-{name}.png", full_page=True)


def fieldset(page: Page, serial: str):
    return page.locator("fieldset.meter-fieldset", has_text=serial)


def send(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Передать показания").click()


def test_a_resident_enters_is_refused_confirms_corrects_and_sees_the_history(
    page: Page, live_server, resident
):
    page.goto(f"{live_server.url}/login/?next=/cabinet/")
    page.get_by_label("Имя пользователя").fill(resident.username)
    page.get_by_label("Пароль").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Войти", exact=True).click()
    expect(page.get_by_role("heading", name="Л/С № 1234567")).to_be_visible()

    # The card's link opens the form: one field per meter, the previous reading beside it.
    page.get_by_role("link", name="Передать показания").click()
    expect(page.get_by_role("heading", name="Ввод показаний")).to_be_visible()
    expect(page.locator(".window-notice")).to_contain_text(
        "Идет прием показаний за ноябрь 2014: до 25.11.2014 включительно."
    )
    cold = fieldset(page, "ХВ-0154-11")
    expect(cold.locator(".reading-previous")).to_contain_text("334,910 м³ за октябрь 2014")
    shot(page, "form")

    # A value below the previous one is refused next to its field; nothing is saved.
    cold.get_by_label("Показание, м³").fill("330")
    fieldset(page, "Э-77415401").get_by_label("Показание, кВт·ч").fill("11290")
    fieldset(page, "ГВ-0154-12").get_by_label("Показание, м³").fill("140,5")
    gas = fieldset(page, "Г-0154-13")
    gas.get_by_label("Показание, м³").fill("12")
    send(page)
    expect(cold.locator(".field-error")).to_have_text(
        "Показание не может быть меньше предыдущего: 334,910 за октябрь 2014. "
        "Проверьте цифры на счетчике."
    )
    expect(gas.locator(".field-error")).to_contain_text(
        "Показание меньше предыдущего (9\u202f990 за октябрь 2014). Если счетчик дошел до 9999"
    )
    expect(fieldset(page, "Э-77415401").get_by_label("Показание, кВт·ч")).to_have_value("11290")
    shot(page, "refused")

    # Corrected, and the gas meter's rollover confirmed: accepted and confirmed on the page.
    cold.get_by_label("Показание, м³").fill("340,1")
    gas.get_by_label("Счетчик перешел через ноль (после 9999 начал счет заново)").check()
    send(page)
    receipt = page.locator(".receipt")
    expect(receipt.get_by_role("heading")).to_have_text(
        "Показания приняты и будут учтены за ноябрь 2014"
    )
    expect(receipt).to_contain_text("Холодная вода № ХВ-0154-11: 340,100 м³, расход 5,190 м³")
    expect(receipt).to_contain_text(
        "Газ № Г-0154-13: 12 м³ (с переходом через ноль), расход 22 м³"
    )
    shot(page, "accepted")

    # Before the cutoff the cold water value is corrected: the latest one counts.
    expect(cold.get_by_label("Показание, м³")).to_have_value("340,100")
    cold.get_by_label("Показание, м³").fill("339,5")
    send(page)
    expect(page.locator(".receipt")).to_contain_text(
        "Холодная вода № ХВ-0154-11: 339,500 м³, расход 4,590 м³"
    )

    # The history shows the new use in its table and its chart; the first value stays.
    menu = page.get_by_role("navigation", name="Разделы лицевого счета")
    menu.get_by_role("link", name="Показания счетчиков").click()
    page.locator(".meter-card", has_text="ХВ-0154-11").get_by_role(
        "link", name="История показаний и график расхода"
    ).click()
    expect(page.get_by_role("heading", name=re.compile("Холодная вода"))).to_be_visible()
    row = page.locator("table.meter-history tbody tr").first
    expect(row).to_contain_text("ноябрь 2014")
    expect(row).to_contain_text("339,500")
    expect(row).to_contain_text("4,590")
    bars = page.locator("svg.chart-svg rect.chart-bar")
    expect(bars).to_have_count(4)
    expect(bars.last.locator("title")).to_have_text("ноябрь 2014: 4,590 м³")
    expect(page.locator(".chart figcaption")).to_contain_text(
        "Расход по месяцам (август 2014 — ноябрь 2014): от 4,590 до 11,940 м³"
    )
    submissions = page.locator("table.meter-submissions tbody tr")
    expect(submissions).to_have_count(2)
    expect(submissions.last).to_contain_text("340,100")
    shot(page, "history")

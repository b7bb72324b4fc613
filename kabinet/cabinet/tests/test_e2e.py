"""A resident attaches accounts and reads the card in a real browser (Playwright, Chromium).

Set KABINET_SCREENSHOTS=<dir> to also save screenshots of the attach form and the card
(desktop and a 390 px wide phone) for a look by eye.
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kabinet.billing.models import Payment
from kabinet.demo.city import city_load
from kabinet.demo.reference import reference_load
from kabinet.housing.models import PersonalAccount
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NNBSP = "\u202f"


@pytest.fixture
def demo(live_server, captcha_test_mode):
    kamal = reference_load()
    city_load(today=timezone.localdate())
    return kamal


@pytest.fixture
def resident(db):
    return UserFactory(username="muravyev")


def log_in(page: Page, live_server, user, next_url="/cabinet/"):
    page.goto(f"{live_server.url}/login/?next={next_url}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    # Wait for the page the login leads to, scripts included: a choice made while the
    # deferred script is still loading would go unseen by it.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Войти", exact=True).click()


def proof(account: PersonalAccount) -> tuple[str, str]:
    """The date and amount of the account's last payment (an account without payments is
    attached by staff, docs/security.md)."""
    last = (
        Payment.objects.filter(account=account, amount__gt=0).order_by("-paid_on", "-id").first()
    )
    assert last is not None, f"{account}: no payments, nothing proves it"
    return f"{last.paid_on:%d.%m.%Y}", str(last.amount).replace(".", ",")


def fill_proof(page: Page, paid_on: str, amount: str):
    page.get_by_label("Дата платежа").fill(paid_on)
    page.get_by_label("Сумма платежа").fill(amount)
    page.get_by_label("Код с изображения").fill("PASSED")
    # Wait for the answer page: the previous answer carries the same message, so
    # checking it without waiting could pass on the old page.
    with page.expect_navigation():
        page.get_by_role("button", name="Сохранить").click()


def choose(page: Page, label: str, option: str):
    select = page.get_by_label(label)
    expect(select.locator("option", has_text=option)).to_have_count(1)
    select.select_option(label=option)


def test_a_resident_attaches_reads_switches_and_detaches(page: Page, live_server, demo, resident):
    log_in(page, live_server, resident)
    expect(page.get_by_role("heading", name="Добавление лицевого счета")).to_be_visible()
    expect(page.get_by_role("button", name="Показать дома")).to_be_hidden()  # JS does the lists

    # ОАО «Камал» has one house, one flat, one account: the lists fill in by themselves.
    choose(page, "Управляющая организация", "ОАО «Камал»")
    expect(page.get_by_label("Лицевой счет")).to_have_value(str(demo.pk))
    expect(page.get_by_label("Квартира").locator("option:checked")).to_have_text("кв. 154")

    # "Загрузить новый код" changes the picture without leaving the page.
    image = page.locator("img.captcha-image")
    old_src = image.get_attribute("src")
    page.get_by_role("button", name="Загрузить новый код").click()
    expect(image).not_to_have_attribute("src", old_src)
    expect(page.get_by_label("Лицевой счет")).to_have_value(str(demo.pk))

    # The calendar button fills the date box in the Russian format.
    calendar = page.get_by_role("button", name="Выбрать дату в календаре")
    expect(calendar).to_be_visible()
    page.locator("[data-date-picker] input[type=date]").evaluate(
        "el => { el.value = '2014-09-30'; el.dispatchEvent(new Event('change')); }"
    )
    expect(page.get_by_label("Дата платежа")).to_have_value("30.09.2014")

    fill_proof(page, "30.09.2014", "1500,00")
    expect(page.get_by_role("heading", name="Л/С № 1234567")).to_be_visible()
    expect(page.get_by_text("Лицевой счет № 1234567 добавлен.")).to_be_visible()
    expect(page.locator(".to-pay-sum")).to_have_text(f"5{NNBSP}589,37\u00a0₽")
    expect(page.locator(".to-pay-due")).to_have_text("Срок оплаты: 10.11.2014")
    expect(page.get_by_text("Муравьев Сергей *****вич")).to_be_visible()
    expect(page.get_by_text("Площадь помещения: 50,50 кв. м")).to_be_visible()
    table = page.locator("table.charges")
    expect(table.locator("caption")).to_have_text("Начисление за октябрь 2014 года")
    expect(table.locator("tbody tr")).to_have_count(9)
    expect(table.locator("tbody tr").nth(3)).to_contain_text("Холодное водоснабжение")
    expect(table.locator("tbody tr").nth(3)).to_contain_text("9,044")
    expect(table.locator("tr.penalty")).to_contain_text("11,53")
    expect(table.locator("tfoot")).to_contain_text(f"3{NNBSP}195,03")

    menu = page.get_by_role("navigation", name="Разделы лицевого счета")
    menu.get_by_role("link", name="Действующие тарифы").click()
    expect(page.get_by_role("heading", name="Действующие тарифы")).to_be_visible()
    expect(page.locator("table.tariffs")).to_contain_text('АО "Водоканал"')
    expect(page.locator("table.tariff-history")).to_contain_text("с 01.01.2014 по 30.06.2014")
    menu.get_by_role("link", name="Контакты").click()
    expect(page.locator("#main").get_by_role("link", name="+7 (843) 555-01-54")).to_be_visible()

    # A second account, of another organization, chosen list by list.
    page.get_by_role("link", name="Мои лицевые счета").click()
    page.get_by_role("link", name="Добавить лицевой счет").click()
    second = PersonalAccount.objects.get(
        organization__name='ООО «УК Солнечный город»', premises__number="2",
        premises__house__street="ул. Строителей",
    )  # fmt: skip
    choose(page, "Управляющая организация", "ООО «УК Солнечный город»")
    choose(page, "Дом", second.premises.house.address)
    premises = page.get_by_label("Квартира").locator("option")
    expect(premises).to_have_count(13)  # "— выберите —" and 12 flats, in natural order
    labels = premises.all_inner_texts()[1:]
    assert labels == [f"кв. {n}" for n in range(1, 13)]
    choose(page, "Квартира", "кв. 2")
    expect(page.get_by_label("Лицевой счет")).to_have_value(str(second.pk))
    fill_proof(page, *proof(second))
    expect(page.get_by_role("heading", name=f"Л/С № {second.number}")).to_be_visible()

    # Switch back to the first account.
    switcher = page.locator("details.account-switcher")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name="Л/С № 1234567").click()
    expect(page.get_by_role("heading", name="Л/С № 1234567")).to_be_visible()

    # Detach the second one, with confirmation.
    page.get_by_role("link", name="Мои лицевые счета").click()
    page.get_by_role("link", name=f"удалить Л/С № {second.number}").click()
    question = f"Удалить Л/С № {second.number} из кабинета?"
    expect(page.get_by_role("heading", name=question)).to_be_visible()
    page.get_by_role("button", name="Удалить").click()
    expect(
        page.get_by_text(f"Лицевой счет № {second.number} удален из вашего кабинета.")
    ).to_be_visible()
    expect(page.locator(".account-item")).to_have_count(1)
    expect(page.locator(".account-item")).to_contain_text("1234567")


def test_wrong_proofs_are_refused_and_then_locked_out(page: Page, live_server, demo, resident):
    log_in(page, live_server, resident, next_url="/cabinet/accounts/add/")
    choose(page, "Управляющая организация", "ОАО «Камал»")
    expect(page.get_by_label("Лицевой счет")).to_have_value(str(demo.pk))
    for attempt in range(1, 6):
        fill_proof(page, "30.09.2014", "1500,01")
        alert = page.get_by_role("alert")
        if attempt < 5:
            expect(alert).to_have_text(re.compile("Дата и сумма не совпадают"))
        else:
            expect(alert).to_have_text(re.compile("Слишком много неверных попыток"))
        expect(page.get_by_label("Сумма платежа")).to_have_value("1500,01")  # kept, to correct
    fill_proof(page, "30.09.2014", "1500,00")  # right, but too late
    expect(page.get_by_role("alert")).to_have_text(re.compile("Слишком много неверных попыток"))
    page.get_by_role("link", name="Мои лицевые счета").click()
    expect(page.get_by_text("В вашем кабинете пока нет лицевых счетов")).to_be_visible()


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    yield context.new_page()
    context.close()


def test_it_works_without_javascript(no_js_page: Page, live_server, demo, resident):
    page = no_js_page
    log_in(page, live_server, resident, next_url="/cabinet/accounts/add/")
    page.get_by_label("Управляющая организация").select_option(label="ОАО «Камал»")
    page.get_by_role("button", name="Показать дома").click()
    page.get_by_label("Дом").select_option(label="г. Казань, ул. Гражданская, д. 1")
    page.get_by_role("button", name="Показать квартиры").click()
    page.get_by_label("Квартира").select_option(label="кв. 154")
    page.get_by_role("button", name="Показать лицевые счета").click()
    page.get_by_label("Лицевой счет").select_option(label="№ 1234567")
    expect(page.get_by_role("button", name="Выбрать дату в календаре")).to_be_hidden()
    page.get_by_label("Дата платежа").fill("30.09.2014")
    page.get_by_label("Сумма платежа").fill("1500")
    old_src = page.locator("img.captcha-image").get_attribute("src")
    page.get_by_role("button", name="Загрузить новый код").click()  # a page load, entries kept
    expect(page.locator("img.captcha-image")).not_to_have_attribute("src", old_src)
    expect(page.get_by_label("Сумма платежа")).to_have_value("1500")
    page.get_by_label("Код с изображения").fill("PASSED")
    page.get_by_label("Код с изображения").press("Enter")  # Enter saves
    expect(page.get_by_role("heading", name="Л/С № 1234567")).to_be_visible()
    expect(page.locator("table.charges tfoot")).to_contain_text(f"3{NNBSP}195,03")


SCREENSHOTS = os.environ.get("KABINET_SCREENSHOTS")


@pytest.mark.parametrize("width", [1280, 390])
def test_every_account_page_fits_the_screen(browser, live_server, demo, resident, width, tmp_path):
    """No page scrolls sideways on a phone or a desktop (mobile-first layout).

    Set KABINET_SCREENSHOTS=<dir> to keep the screenshots for a look.
    """
    from kabinet.housing.models import AccountLink

    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()

    def check(name: str) -> None:
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} is {overflow}px wide on a {width}px screen"

    log_in(page, live_server, resident, next_url="/cabinet/accounts/add/")
    page.get_by_label("Управляющая организация").select_option(label="ООО «УК Солнечный город»")
    check("attach")
    fill_proof(page, "30.09.2014", "1")  # a refused proof with its message
    check("attach-error")
    AccountLink.objects.create(user=resident, account=demo)
    other = PersonalAccount.objects.exclude(pk=demo.pk).first()
    AccountLink.objects.create(user=resident, account=other)
    page.goto(f"{live_server.url}/cabinet/{demo.pk}/")
    check("card")
    meter = demo.premises.meters.order_by("pk").first()
    for name in (
        "tariffs",
        "contacts",
        "charges",
        "payments",
        "receipts",
        "meters",
        "meters/submit",
        f"meters/{meter.pk}",
    ):
        page.goto(f"{live_server.url}/cabinet/{demo.pk}/{name}/")
        check(name.replace("/", "-"))
    # A demo city account behind with its payments: the penalty's breakdown.
    from kabinet.billing.models import PenaltyLine

    penalised = PenaltyLine.objects.order_by("-period__month", "-days").first().penalty
    AccountLink.objects.get_or_create(user=resident, account=penalised.account)
    page.goto(
        f"{live_server.url}/cabinet/{penalised.account_id}/penalty/"
        f"?period={penalised.period.month:%Y-%m}"
    )
    expect(page.locator("table.penalty-lines tbody tr").first).to_be_visible()
    check("penalty")
    page.goto(f"{live_server.url}/cabinet/accounts/")
    check("accounts")
    context.close()

"""A member of staff works in the back office, in a real browser."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from kabinet.billing.models import Charge
from kabinet.demo.reference import reference_load
from kabinet.demo.registry import company_ensure, registry_generate
from kabinet.demo.staff import DEMO_LOGINS, staff_users_load

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    staff_users_load()
    return reference_load()


def test_staff_find_the_reference_account_and_see_its_debt(page: Page, live_server, demo):
    login, password, _role = next(entry for entry in DEMO_LOGINS if entry[0] == "operator")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Личный кабинет жильца")).to_be_visible()
    expect(page.get_by_label("Контакты")).to_contain_text("ОАО «Камал»")

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Имя пользователя").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Реестр, тарифы и расчеты")).to_be_visible()

    page.get_by_role("link", name="Лицевые счета").first.click()
    page.locator("#searchbar").fill("Гражданская")
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name="1234567", exact=True).click()
    expect(page.locator(".field-balance")).to_contain_text("5\u202f589,37")
    expect(page).to_have_title(re.compile("лицевой счет", re.IGNORECASE))


def test_staff_run_a_month_read_the_report_and_close_it(page: Page, live_server, settings):
    """The accountant's month in a browser: run it, read the report, close it."""
    # The run's chunks go to the task worker: here it runs them at once.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    staff_users_load()
    month = datetime.date(2026, 11, 1)
    company = company_ensure(name='ООО "УК Проба"', inn="1650000077", city="г. Проба",
                             last_month=month)  # fmt: skip
    registry_generate(company=company, count=12, months=[month], city="г. Проба",
                      streets=["ул. Первая"], apartments_per_house=12)  # fmt: skip

    login, password, _role = next(entry for entry in DEMO_LOGINS if entry[0] == "operator")
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Имя пользователя").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()

    page.goto(live_server.url + "/admin/billing/billingperiod/add/")
    page.get_by_label("Организация").select_option(label='ООО "УК Проба"')
    page.get_by_label("Месяц").fill("01.11.2026")
    page.get_by_role("button", name="Сохранить", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("добавлен")

    row = page.locator("#result_list tbody tr", has_text="ноябрь 2026")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Рассчитать начисления")
    page.get_by_role("button", name="Запустить").click()
    expect(page.locator(".messagelist")).to_contain_text("расчет передан обработчикам, 12")
    expect(row).to_contain_text("готово 12, осталось 0, с замечаниями 0")

    row.get_by_role("link", name=re.compile("завершен")).click()
    expect(page.locator(".field-report")).to_contain_text("Не начислено: 0")
    lines = Charge.objects.filter(period__organization=company.organization).count()
    expect(page.locator(".field-report")).to_contain_text(f"строк начислений: {lines}")

    page.go_back()
    row = page.locator("#result_list tbody tr", has_text="ноябрь 2026")
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Закрыть период")
    page.get_by_role("button", name="Запустить").click()
    expect(page.locator(".messagelist")).to_contain_text("Период ноябрь 2026 закрыт")


@pytest.mark.django_db(transaction=True, reset_sequences=True)  # the demo files' accounts
def test_staff_load_a_bank_register_check_it_and_post_it(page: Page, live_server, tmp_path):
    """Upload → every line's outcome, nothing posted → post. KABINET_SCREENSHOTS=<dir>
    keeps the screenshots of the pages at 1280 and 390 px."""
    import os
    from pathlib import Path

    from django.utils import timezone

    from kabinet.billing.models import Payment
    from kabinet.demo.city import city_load
    from kabinet.demo.registers import FILES, register_formats_load

    staff_users_load()
    reference_load()
    city_load(today=timezone.localdate())
    register_formats_load()
    paid_before = Payment.objects.count()
    folder = Path(os.environ.get("KABINET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def look(name: str) -> None:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=folder / f"register-{name}-{width}.png", full_page=True)
            if name != "upload":  # the register's page: the lines scroll in their own box
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"the register's page is {wide}px wide at {width}px"
        page.set_viewport_size({"width": 1280, "height": 900})

    login, password, _role = next(entry for entry in DEMO_LOGINS if entry[0] == "operator")
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Имя пользователя").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Реестры платежей").first.click()
    page.get_by_role("link", name="Добавить реестр платежей").click()

    page.get_by_label("Управляющая организация").select_option(label="ООО «УК Солнечный город»")
    page.get_by_label("Формат реестра").select_option(value="sber")
    page.get_by_label("Файл реестра").set_input_files(
        FILES / "sber-solnechny-gorod-2026-12-02.txt"
    )
    look("upload")
    page.get_by_role("button", name="Проверить реестр").click()

    expect(page.get_by_text("Проверен, не проведен.")).to_be_visible()
    lines = page.locator("table.register-lines tbody tr")
    expect(lines).to_have_count(7)
    expect(lines.nth(4)).to_contain_text("Лицевой счет «050000099» не найден в организации.")
    expect(lines.nth(5)).to_contain_text("Даты «31-11-2026» не существует.")
    expect(lines.nth(0)).to_contain_text("к зачислению")
    assert Payment.objects.count() == paid_before
    look("check")

    page.get_by_role("link", name="Ошибки (2)").click()
    expect(lines).to_have_count(2)
    page.get_by_role("button", name="Провести: 5 платежей на 30\u202f124,51 ₽").click()
    expect(page.get_by_text("Реестр проведен: зачислено 5 на 30\u202f124,51 ₽")).to_be_visible()
    assert Payment.objects.count() == paid_before + 5
    look("posted")

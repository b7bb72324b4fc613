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
    expect(page.get_by_label("Контакты")).to_contain_text('ОАО "Камал"')

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

"""A member of staff works in the back office, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from kabinet.demo.reference import reference_load
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

"""The whole resident journey in a real browser (Playwright on Debian Chromium)."""

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from kabinet.accounts.models import User

from .helpers import links_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("captcha_test_mode")]

PASSWORD = "Лампа-над-крыльцом-2026"
NEW_PASSWORD = "Новый пароль для кабинета"


def mailed_link(pattern: str) -> str:
    for link in links_in(mail.outbox[-1]):
        if re.search(pattern, link):
            return link
    raise AssertionError(mail.outbox[-1].body)


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


def test_a_resident_registers_activates_logs_in_out_and_recovers_the_password(page: Page, site):
    # Fig. 1: the login page offers registration
    page.goto(f"{site}/login/")
    page.get_by_role("link", name="зарегистрируйтесь").click()
    expect(page.get_by_role("heading", name="Введите регистрационные данные")).to_be_visible()

    # a first try with mistakes: errors next to the fields, values kept
    page.get_by_label("Имя пользователя").fill("1Сидоров")
    page.get_by_label("E-mail").fill("sidorov@example.com")
    page.locator("#id_password1").fill("123")
    page.get_by_label("Подтверждение пароля").fill("321")
    page.get_by_label("Мобильный телефон").fill("8 (912) 345-67-89")
    page.get_by_label("Код с изображения").fill("PASSED")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator("#id_username_error")).to_contain_text(
        "начинаться с русской или латинской буквы"
    )
    expect(page.locator("#id_password1_error")).to_be_visible()
    expect(page.locator("#id_accept_terms_error")).to_contain_text("Без принятия соглашения")
    expect(page.get_by_label("E-mail")).to_have_value("sidorov@example.com")
    expect(page.locator("#id_password1")).to_have_value("")

    # "Загрузить новый код" swaps the image in place, without reloading the page
    image = page.locator("img.captcha-image")
    old_src = image.get_attribute("src")
    page.evaluate("window.__same_page = true")
    page.get_by_role("button", name="Загрузить новый код").click()
    expect(image).not_to_have_attribute("src", old_src)
    assert page.evaluate("window.__same_page") is True
    assert page.locator('input[name="captcha_0"]').input_value() in image.get_attribute("src")

    # the corrected form
    page.get_by_label("Имя пользователя").fill("Сидоров")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(PASSWORD)
    page.get_by_label("Код с изображения").fill("PASSED")
    page.locator("#id_accept_terms").check()
    page.locator("#id_accept_personal_data").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(
        page.get_by_role("heading", name="Почти готово: активируйте учетную запись")
    ).to_be_visible()
    expect(page.get_by_text("sidorov@example.com")).to_be_visible()
    assert not User.objects.get(username="Сидоров").is_active

    # the activation link from the e-mail
    page.goto(mailed_link(r"/activate/(?!resend)"))
    page.get_by_role("button", name="Активировать учетную запись").click()
    expect(page.get_by_text("Учетная запись активирована")).to_be_visible()

    # Fig. 3: log in with "Запомнить?"
    page.get_by_label("Имя пользователя").fill("сидоров")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_label("Запомнить?").check()
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".user-name")).to_have_text("Сидоров")
    [session] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    days_left = (session["expires"] - time.time()) / 86400
    assert 29.9 < days_left <= 30

    # log out: the header button
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("link", name="Войти").first).to_be_visible()
    expect(page.locator(".user-name")).to_have_count(0)

    # "Забыли пароль?"
    page.goto(f"{site}/login/")
    page.get_by_role("link", name="Забыли пароль?").click()
    page.get_by_label("Имя пользователя или e-mail").fill("sidorov@example.com")
    page.get_by_role("button", name="Восстановить пароль").click()
    expect(page.get_by_role("heading", name="Проверьте почту")).to_be_visible()
    page.goto(mailed_link(r"/password/reset/(?!done)[^/]+/$"))
    expect(page).to_have_url(re.compile(r"/password/reset/new/$"))  # no token in the address
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Сохранить пароль").click()
    expect(page.get_by_text("Пароль изменен")).to_be_visible()

    # the old password no longer works, the new one does
    page.get_by_label("Имя пользователя").fill("sidorov@example.com")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_text("Неверное имя пользователя или пароль")).to_be_visible()
    page.get_by_label("Пароль").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".user-name")).to_have_text("Сидоров")
    [session] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert session["expires"] == -1  # "Запомнить?" unticked: ends with the browser


def test_the_registration_page_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    page = context.new_page()
    page.goto(f"{site}/register/")
    page.get_by_label("Имя пользователя").fill("Petrov")
    old_key = page.locator('input[name="captcha_0"]').input_value()
    page.get_by_role("button", name="Загрузить новый код").click()  # submits: the server redraws
    expect(page.get_by_label("Имя пользователя")).to_have_value("Petrov")
    assert page.locator('input[name="captcha_0"]').input_value() != old_key
    expect(page.locator(".field-error")).to_have_count(0)
    context.close()

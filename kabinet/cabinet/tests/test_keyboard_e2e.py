"""Registration, login and attaching an account with the keyboard only (Tab, typing,
Space, Enter), in Chromium: focus order, Enter submitting each form, the error summary
taking focus and leading to the fields (docs/accessibility.md)."""

import pytest
from playwright.sync_api import Page, expect

from kabinet.accounts.models import User
from kabinet.demo.reference import reference_load
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, captcha_test_mode):
    reference_load()
    return live_server.url


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent")


def expect_autofocus(page: Page, element_id: str) -> None:
    """The browser applies `autofocus` at a rendering step that may come after the load
    event, so wait for it rather than read the focus once."""
    expect(page.locator(f"#{element_id}")).to_be_focused()


def tab_to(page: Page, element_id: str, *, limit: int = 40, key: str = "Tab") -> int:
    """Press Tab (or Shift+Tab) until the element has focus; the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement.id") == element_id:
            return presses
    raise AssertionError(f"#{element_id} not reached with {limit} Tab presses")


def type_into(page: Page, element_id: str, text: str) -> None:
    tab_to(page, element_id)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def submit_with_enter(page: Page) -> None:
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")


def test_registration_by_keyboard(page: Page, site):
    page.goto(f"{site}/register/")
    type_into(page, "id_username", "Сидоров")
    type_into(page, "id_email", "sidorov@example.com")
    # Enter in a box sends the form (not "Загрузить новый код"): errors, summed up on top.
    submit_with_enter(page)
    assert page.title().startswith("Ошибка:")
    expect_autofocus(page, "error-summary")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Пароль: Придумайте пароль.")
    # The summary's links lead to their fields.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#id_password1"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # from the field the link led to, on to the next one
    assert focused(page) in ("id_password2", "id_password1")
    password = page.locator("#id_password1")
    expect(password).to_have_attribute("aria-invalid", "true")
    assert "id_password1_error" in password.get_attribute("aria-describedby")
    expect(page.get_by_label("E-mail")).to_have_value("sidorov@example.com")

    page.goto(f"{site}/register/")  # fresh, from the top of the page
    type_into(page, "id_username", "Сидоров")
    type_into(page, "id_email", "sidorov@example.com")
    type_into(page, "id_password1", PASSWORD)
    type_into(page, "id_password2", PASSWORD)
    type_into(page, "id_phone", "8 (912) 345-67-89")
    type_into(page, "id_captcha_1", "PASSED")
    # "Прослушать код" and "Загрузить новый код" come next, then the two consents.
    page.keyboard.press("Tab")
    assert focused(page) == "Прослушать код"
    tab_to(page, "id_accept_terms")
    page.keyboard.press("Space")
    tab_to(page, "id_accept_personal_data")
    page.keyboard.press("Space")
    # Back in the CAPTCHA's box, Enter registers ("Загрузить новый код" is not the default).
    assert tab_to(page, "id_captcha_1", key="Shift+Tab") == 5
    submit_with_enter(page)
    expect(
        page.get_by_role("heading", name="Почти готово: активируйте учетную запись")
    ).to_be_visible()
    assert User.objects.filter(username="Сидоров", is_active=False).exists()


def test_login_and_attach_by_keyboard(page: Page, site):
    resident = UserFactory(username="muravyev")
    page.goto(f"{site}/login/")
    expect_autofocus(page, "id_username")  # the login box has focus from the start
    page.keyboard.type(resident.username)
    type_into(page, "id_password", "не тот пароль")
    submit_with_enter(page)
    assert page.title().startswith("Ошибка:")
    expect_autofocus(page, "error-summary")
    expect(page.locator("#form_errors")).to_contain_text("Неверное имя пользователя или пароль")
    for box in ("#id_username", "#id_password"):
        expect(page.locator(box)).to_have_attribute("aria-invalid", "true")
        assert "form_errors" in page.locator(box).get_attribute("aria-describedby")
    type_into(page, "id_password", PASSWORD)
    submit_with_enter(page)
    expect(page.get_by_role("heading", name="Добавление лицевого счета")).to_be_visible()

    # The empty lists are disabled, so Tab passes them by.
    for name in ("house", "premises", "account"):
        expect(page.locator(f"#id_{name}")).to_be_disabled()
    # The shortcut: the number from the receipt, the last payment, the code, Enter.
    type_into(page, "id_number", "1234567")
    presses = tab_to(page, "id_paid_on")
    assert presses <= 3  # the organization's list and its step button at most
    page.keyboard.type("30.09.2014")
    type_into(page, "id_amount", "1500")
    type_into(page, "id_captcha_1", "PASSED")
    submit_with_enter(page)
    expect(page.get_by_role("heading", name="Л/С № 1234567")).to_be_visible()
    expect(page.get_by_text("Лицевой счет № 1234567 добавлен.")).to_be_visible()
    # The card leads with what to pay, then its actions.
    expect(page.locator(".to-pay-sum")).to_have_text("5\u202f589,37\u00a0₽")
    expect(page.locator(".to-pay-actions a")).to_contain_text(["Передать показания", "Квитанция"])

""" "Мой профиль" in a real browser (Playwright, Chromium), with and without JavaScript.

Set KABINET_SCREENSHOTS=<dir> to keep the screenshots of the profile's pages (desktop and
a 390 px wide phone) for a look by eye.
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from kabinet.accounts.models import User
from kabinet.billing.models import Charge, Payment, Penalty
from kabinet.demo.reference import reference_load
from kabinet.housing.models import AccountLink
from tests.factories import PASSWORD, PersonalAccountFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Другая-лампа-на-крыльце"


@pytest.fixture
def site(live_server, settings, captcha_test_mode):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def kamal(site):
    """The demo account of the manual: ОАО «Камал», № 1234567."""
    return reference_load()


@pytest.fixture
def resident(kamal):
    user = UserFactory(username="Муравьев", email="muravyev@example.com", phone="+79123456789")
    AccountLink.objects.create(user=user, account=kamal)
    AccountLink.objects.create(user=user, account=PersonalAccountFactory(number="7654321"))
    return user


def ledger(account) -> list:
    """Every row of the account's ledgers, as values: to see that nothing changed."""
    return [
        list(model.objects.filter(account=account).order_by("pk").values_list())
        for model in (Charge, Penalty, Payment)
    ]


def log_in(page: Page, site: str, login: str, password: str = PASSWORD):
    page.goto(f"{site}/login/")
    page.get_by_label("Имя пользователя").fill(login)
    page.get_by_label("Пароль").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Войти", exact=True).click()


def submit(page: Page, name: str):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def mailed_link(pattern: str) -> str:
    for word in mail.outbox[-1].body.split():
        if re.search(pattern, word):
            return word
    raise AssertionError(mail.outbox[-1].body)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_resident_manages_the_profile_and_deletes_the_user(
    browser: Browser, site, kamal, resident, javascript, tmp_path
):
    ledger_before = ledger(kamal)
    context = browser.new_context(
        java_script_enabled=javascript, locale="ru-RU", accept_downloads=True
    )
    other_context = browser.new_context(java_script_enabled=javascript, locale="ru-RU")
    page, elsewhere = context.new_page(), other_context.new_page()
    log_in(elsewhere, site, "муравьев")  # the same user on a second device
    log_in(page, site, "Муравьев")
    page.get_by_role("link", name="Мой профиль").click()
    expect(page.get_by_role("heading", name="Мой профиль")).to_be_visible()
    expect(page.locator("main")).to_contain_text("(вход выполнен на устройствах: 2)")

    # The phone: a landline is refused next to the field, a mobile is taken.
    page.get_by_role("link", name="Изменить телефон").click()
    page.get_by_label("Мобильный телефон").fill("8 (843) 555-01-54")
    submit(page, "Сохранить")
    expect(page.locator("#id_phone_error")).to_contain_text("Это не номер мобильного телефона")
    page.get_by_label("Мобильный телефон").fill("8 (916) 000-11-22")
    submit(page, "Сохранить")
    expect(page.locator('[data-profile="phone"]')).to_have_text("+7 916 000-11-22")

    # The e-mail: a link to the new address, which replaces the old one once followed.
    page.get_by_role("link", name="Изменить e-mail").click()
    page.get_by_label("Новый e-mail").fill("new.muravyev@example.com")
    page.get_by_label("Текущий пароль").fill(PASSWORD)
    submit(page, "Отправить ссылку")
    expect(page.get_by_text("Ожидает подтверждения: new.muravyev@example.com")).to_be_visible()
    expect(page.locator('[data-profile="email"]')).to_have_text("muravyev@example.com")
    assert mail.outbox[-1].to == ["new.muravyev@example.com"]
    page.goto(mailed_link(r"/email/confirm/[^/]+/$"))
    expect(page).to_have_url(re.compile(r"/email/confirm/$"))  # no token in the address
    submit(page, "Подтвердить адрес")
    expect(page.locator('[data-profile="email"]')).to_have_text("new.muravyev@example.com")
    assert mail.outbox[-1].to == ["muravyev@example.com"]  # the old address is told

    # The password: asks for the current one; the other device is logged out, this one stays.
    page.get_by_role("link", name="Сменить пароль").click()
    page.get_by_label("Текущий пароль").fill("не помню")
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(NEW_PASSWORD)
    submit(page, "Сменить пароль")
    expect(page.locator("#id_current_password_error")).to_contain_text("Неверный пароль")
    page.get_by_label("Текущий пароль").fill(PASSWORD)
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(NEW_PASSWORD)
    submit(page, "Сменить пароль")
    expect(page.get_by_text("Пароль изменен. Все другие сеансы завершены")).to_be_visible()
    assert mail.outbox[-1].subject == "Пароль в личном кабинете жильца изменен"
    elsewhere.goto(f"{site}/cabinet/profile/")
    expect(elsewhere).to_have_url(re.compile(r"/login/\?next="))
    expect(page.locator("main")).to_contain_text("(вход выполнен на 1 устройстве)")

    # Subscribe to the Kamal account's receipts by e-mail.
    group = page.locator('fieldset[data-account="1234567"]')
    group.get_by_label("Квитанции по e-mail").check()
    submit(page, "Сохранить подписки")
    expect(page.get_by_text("Подписки сохранены.")).to_be_visible()
    expect(group.get_by_label("Квитанции по e-mail")).to_be_checked()
    expect(group.get_by_label("Напоминания о показаниях счетчиков")).to_be_checked()

    # Detach the other account, with confirmation: the cabinet's own page.
    page.get_by_role("link", name="удалить Л/С № 7654321").click()
    expect(page.get_by_role("heading", name="Удалить Л/С № 7654321 из кабинета?")).to_be_visible()
    submit(page, "Удалить")
    expect(page.get_by_text("Лицевой счет № 7654321 удален из вашего кабинета.")).to_be_visible()

    # Download my data.
    page.get_by_role("link", name="Мой профиль").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать мои данные").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "new.muravyev@example.com"
    assert data["profile"]["phone"] == "+79160001122"
    assert [(a["account_number"], a["receipts_by_email"]) for a in data["accounts"]] == [
        ("1234567", True)
    ]

    # Delete the user: the page says what is kept; the password is asked.
    page.get_by_role("link", name="Удалить учетную запись").click()
    expect(page.get_by_role("heading", name="Удалить учетную запись?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("3 года после удаления")
    page.get_by_label("Текущий пароль").fill(NEW_PASSWORD)
    submit(page, "Удалить учетную запись")
    expect(page.get_by_text("Учетная запись удалена.")).to_be_visible()
    expect(page.get_by_role("link", name="Войти").first).to_be_visible()
    assert not User.objects.filter(username="Муравьев").exists()
    assert mail.outbox[-1].subject == "Учетная запись в личном кабинете жильца удалена"

    # The same login and the same address register again; the account's ledger is intact.
    page.goto(f"{site}/register/")
    page.get_by_label("Имя пользователя").fill("Муравьев")
    page.get_by_label("E-mail").fill("new.muravyev@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Подтверждение пароля").fill(PASSWORD)
    page.get_by_label("Мобильный телефон").fill("8 (916) 000-11-22")
    page.get_by_label("Код с изображения").fill("PASSED")
    page.locator("#id_accept_terms").check()
    page.locator("#id_accept_personal_data").check()
    submit(page, "Зарегистрироваться")
    expect(
        page.get_by_role("heading", name="Почти готово: активируйте учетную запись")
    ).to_be_visible()
    assert User.objects.filter(username="Муравьев", email="new.muravyev@example.com").exists()
    assert ledger(kamal) == ledger_before
    assert ledger_before[0] and ledger_before[2]  # charges and payments were there to compare
    context.close()
    other_context.close()


SCREENSHOTS = os.environ.get("KABINET_SCREENSHOTS")


@pytest.mark.parametrize("width", [1280, 390])
def test_every_profile_page_fits_the_screen(browser: Browser, site, resident, width, tmp_path):
    """No profile page scrolls sideways on a phone or a desktop."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()
    log_in(page, site, resident.username)
    for name in ("", "email/", "phone/", "password/", "sessions/", "delete/"):
        page.goto(f"{site}/cabinet/profile/{name}")
        label = f"profile-{name.strip('/') or 'main'}-{width}"
        page.screenshot(path=folder / f"{label}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{label} is {overflow}px wide on a {width}px screen"
    context.close()

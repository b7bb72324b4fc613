"""Without a browser: the error pattern of the forms, the disabled empty lists, attaching
by the number typed from a receipt, the home page leading to the accounts, the admin
login's heading (the browser checks are in test_accessibility_e2e.py and
test_keyboard_e2e.py)."""

import html
import re

import pytest
from django.urls import reverse

from kabinet.housing.models import AccountAttachAttempt, AccountLink
from tests.factories import PersonalAccountFactory, UserFactory

from .helpers import attach_data

pytestmark = pytest.mark.django_db
ATTACH = reverse("cabinet:attach")


def text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def by_number(**overrides) -> dict:
    data = {
        "number": "№ 1234567",
        "paid_on": "30.09.2014",
        "amount": "1 500,00",
        "captcha_0": "test-key",
        "captcha_1": "PASSED",
    }
    data.update(overrides)
    return data


def test_the_number_from_the_receipt_attaches_with_the_same_proof(
    client, user, kamal, captcha_test_mode
):
    client.force_login(user)
    response = client.post(ATTACH, by_number(), follow=True)
    assert response.redirect_chain == [(reverse("cabinet:card", args=[kamal.pk]), 302)]
    assert AccountLink.objects.filter(user=user, account=kamal).exists()


def test_a_wrong_proof_by_number_is_refused_and_counted(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    response = client.post(ATTACH, by_number(amount="1500,01"))
    assert "Дата и сумма не совпадают с последним платежом" in text(response)
    assert AccountAttachAttempt.objects.get().outcome == "wrong"
    assert not AccountLink.objects.exists()


def test_an_unknown_number_is_told_next_to_the_number(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    response = client.post(ATTACH, by_number(number="7777777"))
    body = response.content.decode()
    assert 'id="id_number_error"' in body
    assert re.search(r'<input[^>]*id="id_number"[^>]*aria-invalid="true"', body) or re.search(
        r'<input[^>]*aria-invalid="true"[^>]*id="id_number"', body
    )
    assert "Открытого лицевого счета с таким номером нет" in text(response)
    assert not AccountAttachAttempt.objects.exists()


def test_without_a_number_the_lists_are_needed(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    response = client.post(ATTACH, by_number(number=""))
    page = text(response)
    assert "Введите номер лицевого счета или выберите лицевой счет по адресу." in page
    assert "Выберите управляющую организацию." in page and "Выберите дом." not in page
    premises = kamal.premises
    response = client.post(
        ATTACH,
        by_number(number="", organization=kamal.organization_id, house=premises.house_id),
    )
    page = text(response)
    assert "Выберите квартиру." in page and "Выберите лицевой счет." not in page
    assert "Введите номер лицевого счета" not in page


def test_empty_lists_are_disabled_until_there_is_something_to_choose(client, user, kamal):
    client.force_login(user)
    body = client.get(ATTACH).content.decode()
    for name in ("house", "premises", "account"):
        assert re.search(rf'<select[^>]*name="{name}"[^>]*disabled', body), name
    assert not re.search(r'<select[^>]*name="organization"[^>]*disabled', body)
    body = client.post(
        ATTACH, {"organization": kamal.organization_id, "step": "organization"}
    ).content.decode()
    assert not re.search(r'<select[^>]*name="house"[^>]*disabled', body)
    assert re.search(r'<select[^>]*name="premises"[^>]*disabled', body)


def test_the_error_summary_links_every_field_error_to_its_field(
    client, user, kamal, captcha_test_mode
):
    client.force_login(user)
    response = client.post(ATTACH, attach_data(kamal, amount="много", paid_on=""))
    body = response.content.decode()
    assert "<title>Ошибка: Добавление лицевого счета" in body
    summary = re.search(r'<div class="error-summary".*?</ul>', body, flags=re.S).group(0)
    assert 'tabindex="-1" autofocus' in summary
    assert '<a href="#id_paid_on">Дата платежа: Укажите дату последнего платежа.</a>' in summary
    assert '<a href="#id_amount">Сумма платежа: Введите сумму цифрами' in summary
    for field in ("paid_on", "amount"):
        box = re.search(rf'<input[^>]*id="id_{field}"[^>]*>', body).group(0)
        assert 'aria-invalid="true"' in box and f"id_{field}_error" in box
        assert f'id="id_{field}_error"' in body


def test_a_wrong_captcha_is_marked_on_its_box(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    body = client.post(ATTACH, attach_data(kamal, captcha_1="nope")).content.decode()
    box = re.search(r'<input[^>]*id="id_captcha_1"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in box
    assert 'aria-describedby="id_captcha_helptext id_captcha_error"' in box
    assert 'id="id_captcha_error"' in body
    assert '<a href="#id_captcha_1">Код с изображения: Код введен неверно.' in body


def test_login_errors_mark_both_boxes(client):
    UserFactory(username="muravyev")
    response = client.post(reverse("login"), {"username": "muravyev", "password": "не тот"})
    body = response.content.decode()
    assert "<title>Ошибка: Вход" in body
    assert 'id="form_errors"' in body
    for field in ("username", "password"):
        box = re.search(rf'<input[^>]*id="id_{field}"[^>]*>', body).group(0)
        assert 'aria-invalid="true"' in box and "form_errors" in box, box
    # A clean page has neither.
    body = client.get(reverse("login")).content.decode()
    assert "aria-invalid" not in body and "Ошибка:" not in body


def test_registration_enter_registers_and_the_consent_is_gender_neutral(client):
    body = client.get(reverse("accounts:register")).content.decode()
    form = body[body.index("<form") :]
    first_submit = re.search(r"<button[^>]*type=\"submit\"[^>]*>([^<]*)<", form)
    assert first_submit.group(1) == "Зарегистрироваться"
    assert "name=" not in first_submit.group(0)  # the real submit, not captcha_refresh
    assert "Принимаю соглашение" in body and "ознакомился" not in body
    assert "старой системы" not in body


def test_the_home_page_leads_a_resident_to_the_accounts(client, user, kamal):
    AccountLink.objects.create(user=user, account=kamal)
    other = PersonalAccountFactory()
    client.force_login(user)
    body = client.get("/").content.decode()
    assert f'href="{reverse("cabinet:card", args=[kamal.pk])}"' in body
    assert reverse("cabinet:card", args=[other.pk]) not in body
    client.force_login(UserFactory(username="new"))
    assert f'href="{ATTACH}"' in client.get("/").content.decode()


def test_the_messages_are_a_status_region_around_the_list(client, user, kamal):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(user)
    response = client.post(reverse("cabinet:detach", args=[kamal.pk]), follow=True)
    body = response.content.decode()
    assert '<div role="status"><ul class="messages">' in body


def test_the_admin_login_has_a_heading(client):
    body = client.get(reverse("admin:login")).content.decode()
    assert "<h1>Вход в раздел управления</h1>" in body


def test_units_and_areas_in_the_demo(owner_client, kamal):
    page = text(owner_client.get(reverse("cabinet:tariffs", args=[kamal.pk])))
    assert "кВт·ч" in page and "м³" in page and "кВт*ч" not in page and "куб. м." not in page
    assert "ОАО «Камал»" in page
    card = text(owner_client.get(reverse("cabinet:card", args=[kamal.pk])))
    assert "Площадь помещения: 50,50 кв. м" in card

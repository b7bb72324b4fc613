""" "Мой профиль" as a browser without JavaScript sees it: every page, every refusal next to
its field, only the user's own data, the JSON of "Скачать мои данные"."""

import datetime
import html
import json
import logging
import re
from urllib.parse import quote

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.accounts.models import AccountToken, Consent, User, UserSession
from kabinet.housing.models import AccountAttachAttempt, AccountLink
from tests.factories import PASSWORD, PersonalAccountFactory, UserFactory

from .test_views import text

pytestmark = pytest.mark.django_db

PROFILE = reverse("cabinet:profile")
EMAIL = reverse("cabinet:profile_email")
PHONE = reverse("cabinet:profile_phone")
PASSWORD_PAGE = reverse("cabinet:profile_password")
SESSIONS = reverse("cabinet:profile_sessions")
SUBSCRIPTIONS = reverse("cabinet:profile_subscriptions")
DATA = reverse("cabinet:profile_data")
DELETE = reverse("cabinet:profile_delete")
CONFIRM = reverse("accounts:email_change_confirm")
NEW_PASSWORD = "Другая-лампа-на-крыльце"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def resident(db):
    return UserFactory(username="Муравьев", email="muravyev@example.com", phone="+79123456789")


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident)
    return client


def error_of(response, field: str) -> str:
    """The message shown next to a field: its error list, tied to the input by id."""
    body = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', body, re.S)
    assert match, f"no error next to {field}: {text(response)[:2000]}"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


# --- the page and the menu ---------------------------------------------------------------


def test_the_header_menu_leads_to_the_profile(resident_client):
    page = resident_client.get(reverse("cabinet:accounts")).content.decode()
    assert f'<a href="{PROFILE}">Мой профиль</a>' in page


def test_the_profile_shows_the_account_subscriptions_accounts_and_sessions(
    resident_client, resident, kamal
):
    AccountLink.objects.create(user=resident, account=kamal, receipts_by_email=True)
    response = resident_client.get(PROFILE)
    page = text(response)
    assert "Имя пользователя Муравьев (не меняется)" in page
    assert "E-mail muravyev@example.com Изменить" in page
    assert "Мобильный телефон +7 912 345-67-89 Изменить" in page
    assert "Подписки на рассылку" in page and "Письма приходят на muravyev@example.com" in page
    assert "Л/С № 1234567 г. Казань, ул. Гражданская, д. 1, кв. 154" in page
    form = response.context["subscriptions"]
    assert form[f"receipts_by_email_{kamal.pk}"].value() is True
    assert form[f"reading_reminders_{kamal.pk}"].value() is True
    body = response.content.decode()
    assert reverse("cabinet:detach", args=[kamal.pk]) in body  # detaching is the cabinet's
    assert reverse("accounts:password_reset") in body  # "Забыли пароль?"
    assert "(вход выполнен на 1 устройстве)" in page
    assert f'href="{DATA}"' in body and f'href="{DELETE}"' in body


def test_without_accounts_the_profile_offers_to_attach_one(resident_client):
    page = text(resident_client.get(PROFILE))
    assert "Добавьте лицевой счет" in page
    assert "Сохранить подписки" not in page


def test_no_profile_page_shows_another_users_data(resident_client, resident, kamal):
    neighbour = UserFactory(username="sosed", email="sosed@example.com", phone="+79160000000")
    AccountLink.objects.create(user=neighbour, account=kamal)
    for url in (PROFILE, EMAIL, PHONE, PASSWORD_PAGE, SESSIONS, DELETE, DATA):
        body = resident_client.get(url).content.decode()
        secrets = ("sosed", "+7 916", "79160000000", "кв. 154", f"/cabinet/{kamal.pk}/")
        for secret in secrets:
            assert secret not in body, (url, secret)


# --- subscriptions -----------------------------------------------------------------------


def test_subscriptions_are_saved_per_account(resident_client, resident, kamal):
    other = PersonalAccountFactory()
    AccountLink.objects.create(user=resident, account=kamal)
    AccountLink.objects.create(user=resident, account=other)
    response = resident_client.post(
        SUBSCRIPTIONS,
        {f"receipts_by_email_{kamal.pk}": "on", f"reading_reminders_{other.pk}": "on"},
    )
    assert response.status_code == 302 and response["Location"] == PROFILE
    links = {
        link.account_id: (link.receipts_by_email, link.reading_reminders)
        for link in AccountLink.objects.filter(user=resident)
    }
    assert links == {kamal.pk: (True, False), other.pk: (False, True)}
    assert "Подписки сохранены." in text(resident_client.get(PROFILE))


def test_a_posted_switch_for_someone_elses_account_changes_nothing(resident_client, kamal):
    neighbour = UserFactory()
    AccountLink.objects.create(user=neighbour, account=kamal)
    resident_client.post(SUBSCRIPTIONS, {f"receipts_by_email_{kamal.pk}": "on"})
    assert not AccountLink.objects.get(user=neighbour).receipts_by_email
    assert resident_client.get(SUBSCRIPTIONS)["Location"] == PROFILE


# --- e-mail ------------------------------------------------------------------------------


def test_an_email_change_sends_a_link_and_the_profile_shows_it_pending(resident_client):
    response = resident_client.post(EMAIL, {"email": "new@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == PROFILE
    page = text(resident_client.get(PROFILE))
    assert "Письмо со ссылкой отправлено на new@example.com" in page
    assert "Ожидает подтверждения: new@example.com" in page
    assert "E-mail muravyev@example.com" in page
    assert mail.outbox[-1].to == ["new@example.com"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "new@example.com", "password": "не тот"}, "password", "Неверный пароль"),
        ({"email": "TAKEN@example.com", "password": PASSWORD}, "email", "уже используется"),
        ({"email": "Muravyev@Example.com", "password": PASSWORD}, "email", "ваш текущий адрес"),
        ({"email": "not an address", "password": PASSWORD}, "email", "например ivanov@mail.ru"),
        ({"email": "", "password": PASSWORD}, "email", "Укажите новый адрес"),
        ({"email": "new@example.com", "password": ""}, "password", "Введите текущий пароль"),
    ],
)
def test_email_refusals_are_shown_next_to_their_field(resident_client, data, field, message):
    UserFactory(email="taken@example.com")
    response = resident_client.post(EMAIL, data)
    assert response.status_code == 200
    assert message in error_of(response, field)
    assert mail.outbox == []
    if field != "password":
        assert response.context["form"]["email"].value() == data["email"]  # kept to correct


@pytest.mark.parametrize(
    ("state", "status", "message"),
    [
        ("expired", 410, "Срок действия ссылки истек, адрес не изменен."),
        ("used", 410, "Эта ссылка больше не действует"),
        ("invalid", 404, "Ссылка недействительна."),
    ],
)
def test_a_stale_confirmation_link_is_refused_and_changes_nothing(
    resident_client, resident, state, status, message
):
    T0 = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(T0, tick=False) as clock:
        resident_client.post(EMAIL, {"email": "new@example.com", "password": PASSWORD})
        link = next(w for w in mail.outbox[-1].body.split() if "/email/confirm/" in w)
        path = link.removeprefix("http://testserver")
        if state == "expired":
            clock.shift(datetime.timedelta(days=1))
        elif state == "used":
            assert resident_client.get(path)["Location"] == CONFIRM
            resident_client.post(CONFIRM)
        else:
            path = path.replace("/confirm/", "/confirm/x")
        visitor = Client()  # the link works without logging in
        assert visitor.get(path)["Location"] == CONFIRM
        page = visitor.get(CONFIRM)
        assert page.status_code == status and message in text(page)
        refused = visitor.post(CONFIRM)
        assert refused.status_code == status and message in text(refused)
    expected = "new@example.com" if state == "used" else "muravyev@example.com"
    assert User.objects.get(pk=resident.pk).email == expected


def test_a_confirmation_link_names_the_new_address_and_asks_for_a_click(resident_client, resident):
    resident_client.post(EMAIL, {"email": "new@example.com", "password": PASSWORD})
    link = next(w for w in mail.outbox[-1].body.split() if "/email/confirm/" in w)
    token = link.rstrip("/").rsplit("/", 1)[1]
    response = resident_client.get(link.removeprefix("http://testserver"), follow=True)
    assert response.redirect_chain == [(CONFIRM, 302)]  # the token leaves the address
    assert "адрес new@example.com вместо прежнего" in text(response)
    assert (
        User.objects.get(pk=resident.pk).email == "muravyev@example.com"
    )  # a GET changes nothing
    response = resident_client.post(CONFIRM)
    assert response["Location"] == PROFILE
    assert User.objects.get(pk=resident.pk).email == "new@example.com"
    assert token not in text(resident_client.get(PROFILE))


def test_a_link_opened_where_someone_else_is_logged_in_leads_them_home(resident_client):
    resident_client.post(EMAIL, {"email": "new@example.com", "password": PASSWORD})
    link = next(w for w in mail.outbox[-1].body.split() if "/email/confirm/" in w)
    neighbour = Client()
    neighbour.force_login(UserFactory())
    neighbour.get(link.removeprefix("http://testserver"))
    assert neighbour.post(CONFIRM)["Location"] == reverse("home")


def test_an_address_taken_before_the_click_is_refused(resident_client, resident):
    resident_client.post(EMAIL, {"email": "new@example.com", "password": PASSWORD})
    link = next(w for w in mail.outbox[-1].body.split() if "/email/confirm/" in w)
    UserFactory(email="NEW@example.com")
    resident_client.get(link.removeprefix("http://testserver"))
    response = resident_client.post(CONFIRM)
    assert response.status_code == 409
    assert "стал e-mail другой учетной записи" in text(response)
    assert User.objects.get(pk=resident.pk).email == "muravyev@example.com"


# --- phone -------------------------------------------------------------------------------


def test_a_phone_is_changed_and_shown_formatted(resident_client, resident):
    assert resident_client.get(PHONE).context["form"]["phone"].value() == "+7 912 345-67-89"
    response = resident_client.post(PHONE, {"phone": "8 916 000 11 22"})
    assert response["Location"] == PROFILE
    assert User.objects.get(pk=resident.pk).phone == "+79160001122"
    assert "Мобильный телефон сохранен: +7 916 000-11-22." in text(resident_client.get(PROFILE))


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("8 (495) 123-45-67", "Это не номер мобильного телефона"),
        ("12345", "Введите номер мобильного телефона"),
        ("", "Укажите номер мобильного телефона"),
    ],
)
def test_a_phone_that_is_not_mobile_is_refused_next_to_the_field(
    resident_client, resident, phone, message
):
    response = resident_client.post(PHONE, {"phone": phone})
    assert response.status_code == 200
    assert message in error_of(response, "phone")
    assert User.objects.get(pk=resident.pk).phone == "+79123456789"


# --- password ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current_password": "не тот"}, "current_password", "Неверный пароль"),
        ({"password2": "другой"}, "password2", "Пароли не совпадают"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "только из цифр"),
        (
            {"password1": PASSWORD, "password2": PASSWORD},
            "password1",
            "должен отличаться от текущего",
        ),
    ],
)
def test_password_refusals_are_shown_next_to_their_field(
    resident_client, resident, data, field, message
):
    form = {"current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = resident_client.post(PASSWORD_PAGE, {**form, **data})
    assert response.status_code == 200
    assert message in error_of(response, field)
    assert User.objects.get(pk=resident.pk).check_password(PASSWORD)
    assert mail.outbox == []


def test_the_password_page_offers_recovery(resident_client):
    body = resident_client.get(PASSWORD_PAGE).content.decode()
    assert f'<a href="{reverse("accounts:password_reset")}">Забыли пароль?</a>' in body


def test_five_wrong_passwords_in_a_row_end_the_session(resident_client, resident, caplog):
    wrong = {"email": "new@example.com", "password": "угадываю"}
    for _ in range(4):
        assert resident_client.post(EMAIL, wrong).status_code == 200
    resident_client.post(EMAIL, {"email": "new@example.com", "password": PASSWORD})  # resets
    for _ in range(4):
        assert resident_client.post(DELETE, {"password": "угадываю"}).status_code == 200
    with caplog.at_level(logging.WARNING, logger="kabinet.security"):
        response = resident_client.post(
            PASSWORD_PAGE,
            {"current_password": "угадываю", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert response["Location"] == reverse("login")
    assert "Слишком много неверных паролей подряд" in text(resident_client.get(reverse("login")))
    assert resident_client.get(PROFILE).status_code == 302
    assert User.objects.filter(pk=resident.pk).exists()
    assert f"event=profile.session_ended user_id={resident.pk}" in caplog.text


# --- sessions ----------------------------------------------------------------------------


def test_the_sessions_page_lists_where_the_user_is_logged_in(resident, resident_client):
    phone = Client(
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 "
        "Mobile Safari/537.36",
        REMOTE_ADDR="198.51.100.23",
    )
    phone.post(reverse("login"), {"username": resident.username, "password": PASSWORD})
    page = text(resident_client.get(SESSIONS))
    assert "Неизвестное устройство это устройство" in page  # the test client sends no agent
    assert "Chrome, Android IP-адрес: 198.51.100.23 Последняя активность:" in page
    assert "Завершить все другие сеансы" in page


# --- my data -----------------------------------------------------------------------------


def test_my_data_is_a_json_file_of_everything_held_and_no_secrets(
    resident_client, resident, kamal
):
    AccountLink.objects.create(user=resident, account=kamal, receipts_by_email=True)
    AccountAttachAttempt.objects.create(
        user=resident, account=kamal, outcome="wrong", ip_address="198.51.100.4"
    )
    Consent.objects.create(user=resident, document="personal_data", version="2026-11-25")
    resident_client.post(EMAIL, {"email": "new@example.com", "password": PASSWORD})
    response = resident_client.get(DATA)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="kabinet-personal-data-'
    )
    data = json.loads(response.content)
    assert data["profile"]["username"] == "Муравьев"
    assert data["profile"]["email"] == "muravyev@example.com"
    assert data["profile"]["phone"] == "+79123456789"
    assert [c["title"] for c in data["consents"]] == ["согласие на обработку персональных данных"]
    assert data["accounts"] == [
        {
            "account_number": "1234567",
            "organization": "ОАО «Камал»",
            "address": "г. Казань, ул. Гражданская, д. 1, кв. 154",
            "attached_at": AccountLink.objects.get().created_at.isoformat(),
            "receipts_by_email": True,
            "reading_reminders": True,
        }
    ]
    assert [(a["outcome"], a["ip_address"]) for a in data["attach_attempts"]] == [
        ("wrong", "198.51.100.4")
    ]
    assert [(t["purpose"], t["new_email"]) for t in data["one_time_links"]] == [
        ("email_change", "new@example.com")
    ]
    assert len(data["sessions"]) == 1
    # Secrets stay out: the password hash, the digests of tokens and sessions.
    raw = response.content.decode()
    resident.refresh_from_db()
    assert resident.password not in raw
    for digest in [*AccountToken.objects.values_list("digest", flat=True),
                   *UserSession.objects.values_list("key_digest", flat=True)]:  # fmt: skip
        assert digest not in raw
    assert "password" not in data["profile"]


# --- deleting the user -------------------------------------------------------------------


def test_the_delete_page_says_what_goes_what_stays_and_for_how_long(resident_client):
    page = text(resident_client.get(DELETE))
    assert "Что удаляется" in page and "Что сохраняется и как долго" in page
    assert "3 года после удаления (срок исковой давности)" in page
    assert "журнала безопасности" in page and "до 1 года" in page
    assert "начисления и платежи по ним принадлежат управляющей организации" in page


def test_a_wrong_password_deletes_nothing(resident_client, resident):
    response = resident_client.post(DELETE, {"password": "не мой"})
    assert "Неверный пароль" in error_of(response, "password")
    assert User.objects.filter(pk=resident.pk).exists()


def test_staff_are_not_deleted_from_the_profile(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert "ее удаляет администратор" in text(client.get(DELETE))
    response = client.post(DELETE, {"password": PASSWORD})
    assert response.status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_deleting_the_user_logs_out_and_says_so(
    resident_client, resident, kamal, django_capture_on_commit_callbacks
):
    AccountLink.objects.create(user=resident, account=kamal)
    with django_capture_on_commit_callbacks(execute=True):
        response = resident_client.post(DELETE, {"password": PASSWORD})
    assert response["Location"] == reverse("home")
    page = text(resident_client.get(reverse("home")))
    assert "Учетная запись удалена. Подтверждение отправлено на muravyev@example.com" in page
    assert not User.objects.filter(pk=resident.pk).exists()
    assert resident_client.get(PROFILE).status_code == 302
    assert mail.outbox[-1].to == ["muravyev@example.com"]


# --- no input is a server error ------------------------------------------------------------

text_input = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=3000),
    st.sampled_from(["\x00", PASSWORD, "8 (912) 345-67-89", "a@b.ru", " ", "on", "ﬀ"]),
)
FUZZ = settings(
    max_examples=40,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORMS = {
    EMAIL: ["email", "password"],
    PHONE: ["phone"],
    PASSWORD_PAGE: ["current_password", "password1", "password2"],
    DELETE: ["password"],
    SUBSCRIPTIONS: ["receipts_by_email_1", "reading_reminders_x"],
}


@FUZZ
@given(url=st.sampled_from(sorted(FORMS)), data=st.data())
def test_no_profile_form_fails_on_any_input(resident, url, data):
    fields = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(FORMS[url], text_input)))
    if url == DELETE and fields.get("password") == PASSWORD:
        fields["password"] = "-"  # keep the user for the next example
    client = Client()
    client.force_login(resident)
    assert client.post(url, fields).status_code < 500


@FUZZ
@given(token=text_input)
def test_no_confirmation_link_fails(token):
    client = Client()
    path = quote(token.replace("/", ""), safe="") or "x"
    assert client.get(f"/email/confirm/{path}/").status_code < 500
    assert client.get(CONFIRM).status_code < 500
    assert client.post(CONFIRM).status_code < 500

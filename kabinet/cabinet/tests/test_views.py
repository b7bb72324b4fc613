"""The account pages as a browser without JavaScript sees them: attach (Fig. 4), card (Fig. 5),
tariffs, contacts, history, the list of accounts, detach."""

import datetime
import html
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

from kabinet import urls as project_urls
from kabinet.billing.models import MeterUsage, Tariff
from kabinet.billing.selectors import account_period_charges
from kabinet.billing.services import charge_add, payment_record, penalty_add, period_open
from kabinet.core.money import format_money
from kabinet.demo.city import city_load
from kabinet.housing.models import AccountAttachAttempt, AccountLink, PersonalAccount
from tests.factories import (
    PASSWORD,
    HouseFactory,
    OrganizationFactory,
    PersonalAccountFactory,
    PremisesFactory,
    ServiceFactory,
    TariffFactory,
    UserFactory,
)

from .helpers import attach_data

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"
ATTACH = reverse("cabinet:attach")


def text(response) -> str:
    """The page's visible text: tags dropped, entities decoded, runs of spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[ \t\r\n]+", " ", body)


def link(user, account):
    return AccountLink.objects.create(user=user, account=account)


# --- attach: the form ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(ATTACH)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_attach_form_has_the_fields_of_fig_4(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    response = client.get(ATTACH)
    page = text(response)
    for label in (
        "Управляющая организация", "Дом", "Квартира", "Лицевой счет", "Дата платежа",
        "Сумма платежа", "Код с изображения", "Прослушать код", "Загрузить новый код", "Сохранить", "Сбросить",
    ):  # fmt: skip
        assert label in page
    assert "обратитесь в управляющую организацию: сотрудник добавит счет в ваш кабинет" in page
    body = response.content.decode()
    assert 'type="date"' in body and 'id="id_captcha_1"' in body
    assert 'src="/static/js/account-attach.js"' in body
    assert "style=" not in body  # CSP: style-src 'self' only
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)  # no inline scripts


def test_lists_are_sorted_naturally(client, user):
    organization = OrganizationFactory(name='ООО "УК Дом"')
    for number in ("10", "2", "1"):
        house = HouseFactory(organization=organization, street="ул. Ленина", number=number)
        PersonalAccountFactory(premises=PremisesFactory(house=house, number="99"))
    HouseFactory(organization=organization, street="ул. Ленина", number="3")  # no accounts
    for number in ("10", "2", "10а", "1"):
        PersonalAccountFactory(premises=PremisesFactory(house=house, number=number))
    client.force_login(user)
    data = {"organization": organization.pk, "house": house.pk, "step": "house"}
    page = client.post(ATTACH, data).content.decode()
    houses = re.findall(r"ул\. Ленина, д\. (\w+)<", page)
    premises = re.findall(r">кв\. (\w+)<", page)
    assert houses == ["1", "2", "10"]
    assert premises == ["1", "2", "10", "10а", "99"]


def test_without_javascript_show_buttons_fill_the_next_list_and_keep_the_entries(
    client, user, kamal, captcha_test_mode
):
    client.force_login(user)
    data = {"organization": kamal.organization_id, "paid_on": "30.09.2014", "amount": "1500"}
    response = client.post(ATTACH, {**data, "step": "organization"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "г. Казань, ул. Гражданская, д. 1" in page
    assert "errorlist" not in page  # not validated yet
    assert 'value="1500"' in page and 'value="30.09.2014"' in page

    data["house"] = kamal.premises.house_id
    page = client.post(ATTACH, {**data, "step": "house"}).content.decode()
    assert ">кв. 154<" in page
    data["premises"] = kamal.premises_id
    page = client.post(ATTACH, {**data, "step": "premises"}).content.decode()
    assert f'<option value="{kamal.pk}">№ 1234567</option>' in page


def test_without_javascript_a_new_captcha_code_keeps_the_entries(client, user, kamal):
    client.force_login(user)
    first = client.get(ATTACH).content.decode()
    key = re.search(r'name="captcha_0" value="(\w+)"', first).group(1)
    data = attach_data(kamal, captcha_0=key, captcha_1="WRONG", captcha_refresh="1")
    page = client.post(ATTACH, data).content.decode()
    new_key = re.search(r'name="captcha_0" value="(\w+)"', page).group(1)
    assert new_key != key
    assert f'<option value="{kamal.pk}" selected>№ 1234567</option>' in page
    assert 'value="1 500,00"' in page and "errorlist" not in page
    assert not AccountAttachAttempt.objects.exists()


def test_the_captcha_refreshes_over_fetch(client, user):
    client.force_login(user)
    response = client.get("/captcha/refresh/", headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 200
    assert set(response.json()) >= {"key", "image_url"}


def test_the_right_proof_attaches_and_opens_the_card(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    response = client.post(ATTACH, attach_data(kamal), follow=True)
    assert response.redirect_chain == [(reverse("cabinet:card", args=[kamal.pk]), 302)]
    assert "Лицевой счет № 1234567 добавлен." in text(response)
    assert AccountLink.objects.filter(user=user, account=kamal).exists()
    attempt = AccountAttachAttempt.objects.get()
    assert (attempt.outcome, attempt.ip_address) == ("attached", "127.0.0.1")


def test_attaching_twice_says_so(client, user, kamal, captcha_test_mode):
    link(user, kamal)
    client.force_login(user)
    response = client.post(ATTACH, attach_data(kamal), follow=True)
    assert "Лицевой счет № 1234567 уже есть в вашем кабинете." in text(response)
    assert AccountLink.objects.count() == 1


@pytest.mark.parametrize("amount", ["1500", "1500.00", "1 500,00", "1\u00a0500,00 ₽", "1500,0"])
def test_amounts_are_read_as_people_type_them(client, user, kamal, captcha_test_mode, amount):
    client.force_login(user)
    response = client.post(ATTACH, attach_data(kamal, amount=amount))
    assert response.status_code == 302, text(response)


@pytest.mark.parametrize("paid_on", ["30.09.2014", "2014-09-30", "30.09.14"])
def test_dates_are_read_in_russian_and_iso_form(client, user, kamal, captcha_test_mode, paid_on):
    client.force_login(user)
    assert client.post(ATTACH, attach_data(kamal, paid_on=paid_on)).status_code == 302


def test_a_wrong_proof_is_refused_next_to_the_proof_fields(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    response = client.post(ATTACH, attach_data(kamal, amount="1500,01"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<fieldset aria-describedby="proof_error">' in body
    assert 'id="proof_error"' in body and 'id="error-summary"' in body
    assert "Дата и сумма не совпадают с последним платежом" in text(response)
    assert 'value="1500,01"' in body  # kept for correction
    assert not AccountLink.objects.exists()
    assert AccountAttachAttempt.objects.get().outcome == "wrong"


def test_repeated_wrong_proofs_lock_out(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    for _ in range(4):
        response = client.post(ATTACH, attach_data(kamal, amount="1"))
        assert "Дата и сумма не совпадают" in text(response)
    response = client.post(ATTACH, attach_data(kamal, amount="1"))
    assert "Слишком много неверных попыток" in text(response)
    response = client.post(ATTACH, attach_data(kamal))  # right, but locked
    assert "Слишком много неверных попыток" in text(response)
    assert not AccountLink.objects.exists()
    assert AccountAttachAttempt.objects.filter(outcome="locked").count() == 1


def test_every_error_is_in_russian_next_to_its_field(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    response = client.post(ATTACH, {"captcha_0": "x", "captcha_1": ""})
    body = response.content.decode()
    expected = {
        "number": "Введите номер лицевого счета или выберите лицевой счет по адресу.",
        "organization": "Выберите управляющую организацию.",
        "paid_on": "Укажите дату последнего платежа.",
        "amount": "Укажите сумму последнего платежа.",
        "captcha": "Введите код с изображения.",
    }
    for name, message in expected.items():
        assert re.search(
            rf'<ul class="errorlist" id="id_{name}_error"><li>{re.escape(message)}<', body
        )
    assert 'aria-describedby="id_paid_on_helptext id_paid_on_error"' in body
    assert 'aria-invalid="true"' in body
    # The lists after the first one still to choose are empty and disabled: no error there.
    for name in ("house", "premises", "account"):
        assert f'id="id_{name}_error"' not in body
    assert not AccountAttachAttempt.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "полторы тысячи"}, "amount", "Введите сумму цифрами"),
        ({"amount": "1500,005"}, "amount", "не больше двух знаков после запятой"),
        ({"amount": "-1500"}, "amount", "Введите сумму цифрами"),
        ({"amount": "1" * 12}, "amount", "Слишком большая сумма"),
        ({"paid_on": "31.02.2014"}, "paid_on", "Введите дату в виде ДД.ММ.ГГГГ"),
        ({"paid_on": "01.01.2999"}, "paid_on", "не может быть позже сегодняшней"),
        ({"captcha_1": "nope"}, "captcha", "Код введен неверно"),
    ],
)
def test_bad_entries_get_a_message_saying_what_to_fix(
    client, user, kamal, settings, changes, field, message
):
    client.force_login(user)
    response = client.post(ATTACH, attach_data(kamal, **changes))
    assert response.status_code == 200
    assert re.search(
        rf'id="id_{field}_error"><li>[^<]*{re.escape(message)}', response.content.decode()
    )
    assert not AccountAttachAttempt.objects.exists()


def test_an_account_of_other_premises_cannot_be_slipped_in(client, user, kamal, captcha_test_mode):
    other = PersonalAccountFactory()
    client.force_login(user)
    response = client.post(ATTACH, attach_data(kamal, account=other.pk))
    assert re.search(
        r'id="id_account_error"><li>Выберите лицевой счет\.', response.content.decode()
    )
    assert not AccountAttachAttempt.objects.exists()


def test_garbage_choices_are_form_errors_not_crashes(client, user, kamal, captcha_test_mode):
    client.force_login(user)
    data = attach_data(kamal, organization="x'; drop", house="-1", premises="9" * 30)
    response = client.post(ATTACH, data)
    assert response.status_code == 200
    assert "Выберите управляющую организацию." in text(response)


def test_closed_accounts_are_not_offered(client, user):
    account = PersonalAccountFactory(closed_on=datetime.date(2020, 1, 1))
    client.force_login(user)
    assert account.organization.name not in text(client.get(ATTACH))


# --- attach: the options endpoint for the script ---------------------------------------


def test_options_feed_the_cascade(client, user, kamal):
    client.force_login(user)
    url = reverse("cabinet:attach_options")
    house = kamal.premises.house
    assert client.get(url, {"level": "house", "parent": kamal.organization_id}).json() == {
        "options": [{"value": house.pk, "label": "г. Казань, ул. Гражданская, д. 1"}]
    }
    assert client.get(url, {"level": "premises", "parent": house.pk}).json()["options"] == [
        {"value": kamal.premises_id, "label": "кв. 154"}
    ]
    assert client.get(url, {"level": "account", "parent": kamal.premises_id}).json()[
        "options"
    ] == [{"value": kamal.pk, "label": "№ 1234567"}]
    assert client.get(url, {"level": "house", "parent": 999999}).json() == {"options": []}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"level": "house"},
        {"level": "x", "parent": "1"},
        {"level": "house", "parent": "a"},
        # Out of a row id's range: was an OverflowError in the database driver (a 500).
        {"level": "house", "parent": "9223372036854775808"},
        {"level": "premises", "parent": "9223372036854775808"},
        {"level": "account", "parent": "9223372036854775808"},
        {"level": "house", "parent": "-9223372036854775809"},
        {"level": "premises", "parent": "-9223372036854775809"},
        {"level": "account", "parent": "9" * 400},
        {"level": "account", "parent": "0"},
        {"level": "account", "parent": "١"},
    ],
)
def test_options_answer_bad_requests_with_400(client, user, query):
    client.force_login(user)
    response = client.get(reverse("cabinet:attach_options"), query)
    assert response.status_code == 400
    assert response.json() == {"error": "Неверный запрос."}


# --- the card (Fig. 5) -------------------------------------------------------------------


FIG_5 = [  # service, unit, tariff, volume, charged, recalculation, total
    ("Ремонт жилья", "кв. м", "2,80", "50,50", "141,40", "—", "141,40"),
    ("Содержание жилья", "кв. м", "12,41", "50,50", "626,71", "—", "626,71"),
    ("Найм жилья", "кв. м", "6,56", "50,50", "331,28", "—", "331,28"),
    ("Холодное водоснабжение", "м³", "9,044", "11,94", "107,99", "—", "107,99"),
    ("Горячее водоснабжение", "м³", "88,26", "6,0301", "532,22", "—", "532,22"),
    ("Водоотведение", "м³", "13,58", "14,726", "199,98", "—", "199,98"),
    ("Электроснабжение", "кВт·ч", "2,61", "201,61", "526,20", "—", "526,20"),
    ("Отопление", "Гкал", f"1{NNBSP}434,59", "0,5003", "717,72", "—", "717,72"),
    ("Пени", "—", "—", "—", "11,53", "—", "11,53"),
    ("Итого", f"3{NNBSP}195,03", "—", f"3{NNBSP}195,03"),
]


def table_rows(response) -> list[tuple[str, ...]]:
    body = response.content.decode()
    table = re.search(r'<table class="charges[ "].*?</table>', body, flags=re.S).group(0)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]:  # skip the header
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        rows.append(tuple(cell for cell in cells if cell))
    return rows


def test_the_card_shows_fig_5(owner_client, kamal):
    response = owner_client.get(reverse("cabinet:card", args=[kamal.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "Л/С № 1234567" in page
    assert "Муравьев Сергей *****вич" in page and "Петрович" not in page
    assert "ОАО «Камал»" in page
    assert "г. Казань, ул. Гражданская, д. 1, кв. 154" in page
    assert "Площадь помещения: 50,50 кв. м" in page
    assert "Тип: Муниципальная" in page
    # The card leads with what to pay and by when: October's bill is due on 10 November.
    assert f"К оплате 5{NNBSP}589,37\u00a0₽ Срок оплаты: 10.11.2014" in page
    assert "Начисление за октябрь 2014 года" in page
    assert table_rows(response) == FIG_5
    # The side menu of Fig. 5.
    for label in ("Действующие тарифы", "Контакты", "Начисления", "Платежи"):
        assert label in page


MENU = (
    ("cabinet:card", "Главная"),
    ("cabinet:tariffs", "Действующие тарифы"),
    ("cabinet:contacts", "Контакты"),
    ("cabinet:charges", "Начисления"),
    ("cabinet:payments", "Платежи"),
    ("cabinet:meters", "Показания счетчиков"),
    ("cabinet:receipts", "Квитанции"),
)


@pytest.mark.parametrize("shown", [name for name, _label in MENU])
def test_the_side_menu_links_every_section_and_marks_the_open_one(owner_client, kamal, shown):
    body = owner_client.get(reverse(shown, args=[kamal.pk])).content.decode()
    menu = re.search(r'<nav class="account-menu".*?</nav>', body, flags=re.S).group(0)
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', menu)
    assert links == [
        (reverse(name, args=[kamal.pk]), ' aria-current="page"' if name == shown else "", label)
        for name, label in MENU
    ]


def test_account_addresses_are_reversed_once_and_follow_the_script_prefix():
    from django.urls import set_script_prefix

    from kabinet.cabinet.views.base import account_url

    assert account_url("cabinet:charges", 42) == reverse("cabinet:charges", args=[42])
    assert account_url("cabinet:charges", 7) == "/cabinet/7/charges/"
    assert account_url("cabinet:no_such_page", 42) is None
    set_script_prefix("/kabinet/")  # the site under a prefix (SCRIPT_NAME)
    try:
        assert account_url("cabinet:charges", 7) == "/kabinet/cabinet/7/charges/"
    finally:
        set_script_prefix("/")
    assert account_url("cabinet:charges", 7) == "/cabinet/7/charges/"


def test_links_to_pages_not_built_yet_are_not_shown(owner_client, kamal):
    body = owner_client.get(reverse("cabinet:card", args=[kamal.pk])).content.decode()
    submit = reverse("cabinet:meters_submit", args=[kamal.pk])
    assert f'href="{submit}">Передать показания</a>' in body
    receipt = reverse("cabinet:receipt", args=[kamal.pk])
    assert f'href="{receipt}">Квитанция</a>' in body


def _fake_page(request, account_id):
    return HttpResponse("ok")


later_patterns = ([path("<int:account_id>/later/", _fake_page, name="page")], "later")
urlpatterns = [path("later/", include(later_patterns)), *project_urls.urlpatterns]


def test_a_card_action_appears_only_once_its_page_exists(
    owner_client, kamal, monkeypatch, settings
):
    from kabinet.cabinet.views import base

    monkeypatch.setattr(
        base, "CARD_ACTIONS", (*base.CARD_ACTIONS, ("later:page", "Сделать позже"))
    )
    card = f"/cabinet/{kamal.pk}/"
    assert "Сделать позже" not in owner_client.get(card).content.decode()  # no such page yet
    settings.ROOT_URLCONF = "kabinet.cabinet.tests.test_views"
    page = owner_client.get(card).content.decode()
    assert f'href="/later/{kamal.pk}/later/">Сделать позже</a>' in page


def test_an_overpayment_is_shown_as_such(owner_client, kamal):
    payment_record(
        account=kamal, paid_on=datetime.date(2014, 10, 25), amount=D("6000"), source="cash"
    )
    page = text(owner_client.get(reverse("cabinet:card", args=[kamal.pk])))
    assert "К оплате 0,00\u00a0₽ Переплата: 410,63\u00a0₽" in page and "Срок оплаты" not in page


def test_an_account_without_charges_has_a_plain_card(client, user):
    account = PersonalAccountFactory()
    link(user, account)
    client.force_login(user)
    page = text(client.get(reverse("cabinet:card", args=[account.pk])))
    assert "Начислений по лицевому счету еще не было." in page
    assert "К оплате 0,00\u00a0₽ Задолженности нет" in page


def account_with_services(count: int, *, months: int = 2):
    """An account charged for `count` services over `months` months, with a penalty and a payment."""
    organization = OrganizationFactory()
    account = PersonalAccountFactory(
        premises=PremisesFactory(house=HouseFactory(organization=organization))
    )
    services = [ServiceFactory(organization=organization, sort_order=n) for n in range(count)]
    tariffs = [TariffFactory(service=service) for service in services]
    for month in range(1, months + 1):
        period = period_open(organization_id=organization.pk, month=datetime.date(2024, month, 1))
        for service, tariff in zip(services, tariffs, strict=True):
            charge_add(
                account=account, period=period, service=service, tariff=tariff, volume=D("10.5")
            )
        penalty_add(account=account, period=period, amount=D("1.23"))
    payment_record(
        account=account, paid_on=datetime.date(2024, 2, 5), amount=D("100"), source="cash"
    )
    return account


@pytest.mark.parametrize(
    "name", ["card", "tariffs", "charges", "payments", "contacts", "receipts"]
)
def test_account_pages_run_a_fixed_number_of_queries(client, user, name):
    small, large = account_with_services(1, months=1), account_with_services(12, months=3)
    link(user, small)
    link(user, large)
    client.force_login(user)
    counts = []
    for account in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(f"cabinet:{name}", args=[account.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_card_runs_exactly_these_queries(client, user, django_assert_num_queries):
    account = account_with_services(12, months=3)
    link(user, account)
    client.force_login(user)
    url = reverse("cabinet:card", args=[account.pk])
    client.get(url)  # the session remembers the account: later views write nothing
    # session, user, the user's accounts with balances, the latest charges, the
    # organization's contract due days (for "К оплате до"), the footer
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(table_rows(response)) == 12 + 2


# --- tariffs, contacts, history ----------------------------------------------------------


def test_tariffs_show_current_prices_suppliers_and_history(owner_client, kamal):
    response = owner_client.get(reverse("cabinet:tariffs", args=[kamal.pk]))
    page = text(response)
    assert "Действующие тарифы" in page and "История изменения тарифов" in page
    assert 'Холодное водоснабжение АО "Водоканал" м³ 9,044 ₽/м³ 01.07.2014' in page
    assert f'Отопление АО "Казэнерго" Гкал 1{NNBSP}434,59 ₽/Гкал 01.07.2014' in page
    assert "Ремонт жилья ОАО «Камал» кв. м 2,80 ₽/кв. м" in page
    assert "с 01.01.2014 по 30.06.2014 2,65" in page
    assert "с 01.07.2014 действует 2,80" in page


def test_a_house_tariff_wins_over_the_organizations(owner_client, kamal):
    service = kamal.charges.get(
        period__month=datetime.date(2014, 10, 1), service__name="Ремонт жилья"
    ).service
    Tariff.objects.create(
        service=service,
        house=kamal.premises.house,
        price=D("3.10"),
        valid_from=datetime.date(2015, 1, 1),
    )
    page = text(owner_client.get(reverse("cabinet:tariffs", args=[kamal.pk])))
    assert "Ремонт жилья ОАО «Камал» кв. м 3,10 ₽/кв. м 01.01.2015" in page
    assert "с 01.01.2015 (для вашего дома) действует 3,10" in page


def test_contacts_show_the_organization(owner_client, kamal):
    response = owner_client.get(reverse("cabinet:contacts", args=[kamal.pk]))
    page = text(response)
    for fact in (
        "420066, г. Казань, ул. Гражданская, д. 3", "+7 (843) 555-01-54", "info@kamal.example",
        "пн-чт 8:00-17:00, пт 8:00-16:00, обед 12:00-13:00", "https://kamal.example",
    ):  # fmt: skip
        assert fact in page
    assert 'href="tel:+78435550154"' in response.content.decode()


# The charges and payments pages: test_ledger_pages.py.


# --- the user's accounts: list, switcher, detach, home -----------------------------------


def test_the_cabinet_home_goes_to_attach_then_to_the_last_account_viewed(client, user, kamal):
    client.force_login(user)
    assert client.get(reverse("cabinet:index")).url == ATTACH
    other = PersonalAccountFactory()
    link(user, kamal)
    link(user, other)
    assert client.get(reverse("cabinet:index")).url == reverse("cabinet:card", args=[kamal.pk])
    client.get(reverse("cabinet:tariffs", args=[other.pk]))
    assert client.get(reverse("cabinet:index")).url == reverse("cabinet:card", args=[other.pk])


def test_the_switcher_appears_with_a_second_account(owner_client, user, kamal):
    url = reverse("cabinet:card", args=[kamal.pk])
    assert "сменить лицевой счет" not in text(owner_client.get(url))
    other = PersonalAccountFactory(number="7654321")
    link(user, other)
    body = owner_client.get(url).content.decode()
    assert "сменить лицевой счет" in body
    assert f'href="/cabinet/{other.pk}/">' in body
    assert f'href="/cabinet/{kamal.pk}/" aria-current="true"' in body


def test_the_list_shows_the_accounts_with_remove_links(owner_client, user, kamal):
    page = owner_client.get(reverse("cabinet:accounts"))
    body = page.content.decode()
    assert "Л/С № 1234567" in text(page) and "г. Казань, ул. Гражданская, д. 1, кв. 154" in text(
        page
    )
    assert f'href="/cabinet/{kamal.pk}/detach/"' in body
    assert "Добавить лицевой счет" in text(page)


def test_the_list_invites_to_attach_when_empty(client, user):
    client.force_login(user)
    assert "В вашем кабинете пока нет лицевых счетов" in text(
        client.get(reverse("cabinet:accounts"))
    )


def test_detach_asks_then_removes_only_the_link(owner_client, user, kamal):
    url = reverse("cabinet:detach", args=[kamal.pk])
    page = text(owner_client.get(url))
    assert "Удалить Л/С № 1234567 из кабинета?" in page
    assert AccountLink.objects.filter(user=user).exists()  # GET changes nothing
    response = owner_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cabinet:accounts")
    assert "Лицевой счет № 1234567 удален из вашего кабинета." in text(response)
    assert not AccountLink.objects.filter(user=user).exists()
    assert owner_client.get(reverse("cabinet:card", args=[kamal.pk])).status_code == 404
    assert owner_client.get(reverse("cabinet:index")).url == ATTACH


def test_the_header_links_to_my_accounts(owner_client):
    assert (
        'href="/cabinet/accounts/">Мои лицевые счета</a>' in owner_client.get("/").content.decode()
    )


def test_a_user_with_a_password_logs_in_and_sees_the_card(client, kamal):
    user = UserFactory()
    link(user, kamal)
    assert client.login(username=user.username, password=PASSWORD)
    assert client.get(reverse("cabinet:card", args=[kamal.pk])).status_code == 200


def test_recalculations_and_names_are_shown_safely(client, user):
    organization = OrganizationFactory()
    account = PersonalAccountFactory(
        premises=PremisesFactory(house=HouseFactory(organization=organization))
    )
    service = ServiceFactory(organization=organization, name="Вывоз <b>снега</b>", unit="м³")
    period = period_open(organization_id=organization.pk, month=datetime.date(2024, 1, 1))
    charge_add(
        account=account, period=period, service=service, tariff=TariffFactory(service=service),
        volume=D("2"), recalculation=D("-4.82"),
    )  # fmt: skip
    link(user, account)
    client.force_login(user)
    response = client.get(reverse("cabinet:card", args=[account.pk]))
    body = response.content.decode()
    assert "Вывоз &lt;b&gt;снега&lt;/b&gt;" in body and "<b>снега" not in body
    assert table_rows(response)[0] == (
        "Вывоз <b>снега</b>",
        "м³",
        "12,41",
        "2,00",
        "24,82",
        "-4,82",
        "20,00",
    )
    assert '<td class="num m-detail" data-label="Перерасчет">-4,82</td>' in body
    assert table_rows(response)[-1] == ("Итого", "24,82", "-4,82", "20,00")


def test_the_card_of_a_demo_city_account_shows_what_the_billing_run_computed(client, user):
    city_load(today=datetime.date(2026, 11, 25))
    account = (
        PersonalAccount.objects.filter(premises__meters__tariff_zones=2)
        .filter(charges__common_volume__gt=0)
        .distinct()
        .first()
    )
    link(user, account)
    client.force_login(user)
    page = text(client.get(reverse("cabinet:card", args=[account.pk])))
    table = account_period_charges(account_id=account.pk)
    assert table.month == datetime.date(2026, 10, 1)
    assert "Электроснабжение (день)" in page and "Электроснабжение (ночь)" in page
    assert "на СОИ" in page
    day = next(line for line in table.rows if line.service == "Электроснабжение (день)")
    usage = MeterUsage.objects.filter(account=account, period__month=table.month, zone=1)
    assert day.volume == sum(u.volume for u in usage if u.resource == "electricity")
    assert f"Итого {format_money(table.total)}" in page

"""The meters pages as a browser without JavaScript sees them: the list with verification
warnings, a meter's history with its chart, and "Ввести показания" with every rule.
The clock is set with time-machine (Moscow time); the account is the Fig. 5 reference one."""

import datetime
import html
import re
from decimal import Decimal as D

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.meters.models import Meter, Reading, ReadingSubmission
from kabinet.meters.tests.helpers import counting, meter_with_history, msk, run_queued_tasks
from tests.factories import MeterFactory

pytestmark = pytest.mark.django_db
NOV = datetime.date(2014, 11, 1)


def text(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[ \t\r\n]+", " ", body)


@pytest.fixture
def november():
    with time_machine.travel(msk(2014, 11, 20, 10, 0), tick=False) as traveller:
        yield traveller


def meters(account) -> dict[str, Meter]:
    return {m.resource: m for m in account.premises.meters.all()}


def urls(account):
    return {
        "list": reverse("cabinet:meters", args=[account.pk]),
        "submit": reverse("cabinet:meters_submit", args=[account.pk]),
    }


def form_data(client, account, **values) -> dict:
    """The submit form's own data (its key), with values by resource: cold_water="340,1"."""
    page = client.get(urls(account)["submit"]).content.decode()
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    data = {"key": key}
    by_resource = meters(account)
    for resource, value in values.items():
        name, _, flag = resource.partition("__")
        field = f"m{by_resource[name].pk}_z1"
        data[f"{field}_{flag}" if flag else field] = value
    return data


def field_error(response, account, resource) -> str:
    """The error printed next to one meter's field."""
    name = f"m{meters(account)[resource].pk}_z1"
    body = response.content.decode()
    block = re.search(
        rf'<div class="field field-invalid">\s*<label for="id_{name}">.*?</div>\s*</div>',
        body,
        flags=re.S,
    )
    assert block, f"no error next to {name}"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", block.group(0))))


# --- the list --------------------------------------------------------------------------------


def test_the_meters_page_shows_each_meter_with_its_last_reading(owner_client, kamal, november):
    page = text(owner_client.get(urls(kamal)["list"]))
    assert "Идет прием показаний за ноябрь 2014: до 25.11.2014 включительно." in page
    assert "Холодная вода № ХВ-0154-11" in page
    assert "Электроэнергия № Э-77415401" in page
    assert "Тарифные зоны одна" in page
    assert "Установлен 14.05.2012" in page
    assert "Следующая поверка 14.05.2018" in page
    assert "334,910 м³ за октябрь 2014, передано жильцом 20.10.2014" in page
    assert "11 092 кВт·ч за октябрь 2014" in page.replace("\u202f", " ")
    assert "Срок поверки" not in page  # 2018 is far from 2014


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        (61, None),
        (60, "Срок поверки — 19.01.2015: осталось дней: 60."),
        (0, "Срок поверки — 20.11.2014: осталось дней: 0."),
        (-1, "Срок поверки истек 19.11.2014."),
    ],
)
def test_verification_due_within_60_days_or_overdue_is_highlighted(
    owner_client, kamal, november, days, shown
):
    Meter.objects.filter(pk=meters(kamal)["cold_water"].pk).update(
        next_verification_on=datetime.date(2014, 11, 20) + datetime.timedelta(days=days)
    )
    page = text(owner_client.get(urls(kamal)["list"]))
    if shown is None:
        assert "Срок поверки" not in page
        return
    assert shown in page
    assert "Что сделать: закажите поверку" in page
    assert "ФГИС «Аршин»" in page


@pytest.mark.parametrize(
    ("instant", "notice"),
    [
        (msk(2014, 11, 14, 23, 59), "Прием показаний за ноябрь 2014 — с 15.11.2014 по 25.11.2014. Показания, переданные сейчас, будут учтены за ноябрь 2014."),
        (msk(2014, 11, 26, 0, 0), "Прием показаний за ноябрь 2014 закончился 25.11.2014. Показания, переданные сейчас, будут учтены за декабрь 2014; прием за этот месяц — с 15.12.2014 по 25.12.2014."),
    ],
)  # fmt: skip
def test_outside_the_window_the_page_says_when_it_opens_and_closes(
    owner_client, kamal, instant, notice
):
    with time_machine.travel(instant, tick=False):
        assert notice in text(owner_client.get(urls(kamal)["list"]))
        assert notice in text(owner_client.get(urls(kamal)["submit"]))


def test_a_closed_month_is_said_to_be_closed(owner_client, kamal, november):
    from kabinet.billing.models import BillingPeriod

    BillingPeriod.objects.create(organization=kamal.organization, month=NOV, is_closed=True)
    page = text(owner_client.get(urls(kamal)["submit"]))
    assert "Расчет за ноябрь 2014 уже закрыт." in page
    assert "будут учтены за декабрь 2014" in page


def test_removed_meters_are_listed_apart(owner_client, kamal, november):
    old = MeterFactory(
        premises=kamal.premises, serial_number="СТАРЫЙ-1", removed_on=datetime.date(2013, 2, 1),
        installed_on=datetime.date(2005, 1, 1),
    )  # fmt: skip
    page = text(owner_client.get(urls(kamal)["list"]))
    assert "Снятые счетчики" in page and "№ СТАРЫЙ-1 с 01.01.2005 по 01.02.2013" in page
    assert "СТАРЫЙ-1" not in text(owner_client.get(urls(kamal)["submit"]))
    history = reverse("cabinet:meter_history", args=[kamal.pk, old.pk])
    assert owner_client.get(history).status_code == 200


# --- the history ------------------------------------------------------------------------------


def test_the_history_lists_readings_with_their_use_and_a_chart(owner_client, kamal, november):
    water = meters(kamal)["cold_water"]
    response = owner_client.get(reverse("cabinet:meter_history", args=[kamal.pk, water.pk]))
    page = text(response)
    assert "октябрь 2014 334,910 11,940 передано жильцом" in page
    assert "сентябрь 2014 322,970 11,200" in page
    assert "июль 2014 301,250 — передано жильцом" in page  # nothing to subtract from
    body = response.content.decode()
    svg = re.search(r"<svg.*?</svg>", body, flags=re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert len(re.findall(r'<rect class="chart-bar', svg)) == 3  # August-October
    assert "<title>октябрь 2014: 11,940 м³</title>" in svg
    summary = "Расход по месяцам (август 2014 — октябрь 2014): от 10,520 до 11,940 м³, в среднем 11,220 м³ в месяц."
    assert summary in page  # the text equivalent, also the SVG's <desc>
    assert 'href="#history-table"' in body


def test_the_chart_scales_the_bars_to_the_use(owner_client, kamal, november):
    water = meters(kamal)["cold_water"]
    svg = owner_client.get(reverse("cabinet:meter_history", args=[kamal.pk, water.pk]))
    heights = [
        float(h)
        for h in re.findall(
            r'<rect class="chart-bar[^"]*"[^>]*height="([\d.]+)"', svg.content.decode()
        )
    ]
    # August 10,52, September 11,20, October 11,94: the bars keep those ratios.
    assert heights[1] / heights[0] == pytest.approx(11.20 / 10.52, rel=1e-3)
    assert heights[2] / heights[0] == pytest.approx(11.94 / 10.52, rel=1e-3)


def test_a_meter_of_someone_elses_premises_is_404(owner_client, kamal):
    other = MeterFactory()
    url = reverse("cabinet:meter_history", args=[kamal.pk, other.pk])
    assert owner_client.get(url).status_code == 404
    assert (
        owner_client.get(reverse("cabinet:meter_history", args=[kamal.pk, 10**9])).status_code
        == 404
    )


# --- entering readings ----------------------------------------------------------------------


def test_the_form_has_one_field_per_zone_with_the_previous_reading_beside(
    owner_client, kamal, november
):
    power = MeterFactory(
        premises=kamal.premises, resource=Meter.Resource.ELECTRICITY, serial_number="Э-2Т",
        tariff_zones=2, capacity_digits=6, installed_on=datetime.date(2014, 3, 1),
    )  # fmt: skip
    meter_with_history(kamal.premises, [1000, 1150], meter=power, start=datetime.date(2014, 9, 1))
    meter_with_history(
        kamal.premises, [500, 560], meter=power, zone=2, start=datetime.date(2014, 9, 1)
    )
    response = owner_client.get(urls(kamal)["submit"])
    body = response.content.decode()
    assert f'name="m{power.pk}_z1"' in body and f'name="m{power.pk}_z2"' in body
    page = text(response)
    assert "Т1 (день), предыдущее: 1 150 кВт·ч за октябрь 2014" in page.replace("\u202f", " ")
    assert "Т2 (ночь), предыдущее: 560 кВт·ч за октябрь 2014" in page
    assert "предыдущее: 334,910 м³ за октябрь 2014, передано жильцом" in page
    assert "До 5 цифр до запятой и 3 после." in page
    assert "Только целая часть, до 6 цифр." in page
    assert f'name="m{meters(kamal)["cold_water"].pk}_z1_rollover"' not in body  # not yet
    assert "style=" not in body and not re.search(r"<script(?![^>]*\bsrc=)", body)


def test_readings_are_accepted_and_confirmed_on_the_page(owner_client, kamal, november):
    data = form_data(owner_client, kamal, cold_water="340,1", electricity="11 290")
    response = owner_client.post(urls(kamal)["submit"], data)
    assert response.status_code == 302
    assert response.url == f"{urls(kamal)['submit']}?done={data['key']}"
    page = text(owner_client.get(response.url))
    assert "Показания приняты и будут учтены за ноябрь 2014" in page
    assert "Холодная вода № ХВ-0154-11: 340,100 м³, расход 5,190 м³ (20.11.2014 10:00)" in page
    assert "Электроэнергия № Э-77415401: 11 290 кВт·ч, расход 198 кВт·ч" in page.replace(
        "\u202f", " "
    )
    assert counting(meters(kamal)["cold_water"], NOV).value == D("340.100")
    submission = ReadingSubmission.objects.get(meter=meters(kamal)["cold_water"])
    assert submission.ip_address == "127.0.0.1" and submission.channel == "cabinet"


@pytest.mark.parametrize("done", ["\x00", "x" * 500, "'; drop table", "0" * 31])
def test_a_strange_receipt_key_shows_just_the_form(owner_client, kamal, november, done):
    response = owner_client.get(urls(kamal)["submit"], {"done": done})
    assert response.status_code == 200
    assert "Показания приняты" not in text(response)


def test_the_same_form_sent_twice_records_one_submission(owner_client, kamal, november):
    data = form_data(owner_client, kamal, cold_water="340,1")
    first = owner_client.post(urls(kamal)["submit"], data)
    second = owner_client.post(urls(kamal)["submit"], data)  # double click, back and resend
    assert first.url == second.url
    assert ReadingSubmission.objects.count() == 1


def test_a_lower_value_is_refused_next_to_its_field(owner_client, kamal, november):
    data = form_data(owner_client, kamal, cold_water="330", electricity="11290")
    response = owner_client.post(urls(kamal)["submit"], data)
    assert response.status_code == 200
    assert "Показание не может быть меньше предыдущего: 334,910 за октябрь 2014." in field_error(
        response, kamal, "cold_water"
    )
    body = response.content.decode()
    assert 'value="330"' in body and 'value="11290"' in body  # entries kept to correct
    assert "Исправьте ошибки" in text(response) and "<title>Ошибка: " in body
    assert not Reading.objects.filter(period=NOV).exists()  # nothing half-written


def test_a_rollover_is_confirmed_with_a_tick_that_appears_when_needed(
    owner_client, kamal, november
):
    gas = meter_with_history(
        kamal.premises, [9950, 9975, 9990], start=datetime.date(2014, 8, 1),
        resource=Meter.Resource.GAS, serial_number="Г-0154-13", capacity_digits=4,
    )  # fmt: skip
    data = form_data(owner_client, kamal, gas="12")
    response = owner_client.post(urls(kamal)["submit"], data)
    assert "Если счетчик дошел до 9999 и начал счет с нуля" in field_error(response, kamal, "gas")
    assert "Счетчик перешел через ноль (после 9999 начал счет заново)" in text(response)
    data[f"m{gas.pk}_z1_rollover"] = "on"
    response = owner_client.post(urls(kamal)["submit"], data)
    assert response.status_code == 302
    assert "Газ № Г-0154-13: 12 м³ (с переходом через ноль), расход 22 м³" in text(
        owner_client.get(response.url)
    )


def test_a_large_use_asks_for_confirmation(owner_client, kamal, november):
    data = form_data(owner_client, kamal, cold_water="400")
    response = owner_client.post(urls(kamal)["submit"], data)
    error = field_error(response, kamal, "cold_water")
    assert "Расход 65,090 м³ в месяц — больше трех средних (в среднем 11,220 м³ в месяц)" in error
    assert "Показание верное, большой расход подтверждаю" in text(response)
    data[f"m{meters(kamal)['cold_water'].pk}_z1_jump"] = "on"
    assert owner_client.post(urls(kamal)["submit"], data).status_code == 302
    assert counting(meters(kamal)["cold_water"], NOV).value == D("400")


@pytest.mark.parametrize(
    ("resource", "value", "message"),
    [
        ("cold_water", "34o", "Введите показание цифрами, например 123,456."),
        ("cold_water", "340,1234", "Слишком много знаков после запятой: у этого счетчика их 3."),
        ("electricity", "11290,5", "У этого счетчика нет знаков после запятой: введите только целую часть, например 11 290."),
        ("electricity", "123456", "Слишком много цифр: у этого счетчика их 5 до запятой, показание не больше 99999."),
        ("cold_water", "-1", "Показание не может быть отрицательным."),
    ],
)  # fmt: skip
def test_bad_values_are_explained_next_to_their_field(
    owner_client, kamal, november, resource, value, message
):
    response = owner_client.post(
        urls(kamal)["submit"], form_data(owner_client, kamal, **{resource: value})
    )
    assert message in field_error(response, kamal, resource).replace("\u202f", " ")


def test_an_empty_form_asks_for_a_value(owner_client, kamal, november):
    response = owner_client.post(urls(kamal)["submit"], form_data(owner_client, kamal))
    assert "Введите показания хотя бы одного счетчика." in text(response)


def test_a_correction_before_the_cutoff_replaces_the_value(owner_client, kamal, november):
    owner_client.post(urls(kamal)["submit"], form_data(owner_client, kamal, cold_water="340,1"))
    page = owner_client.get(urls(kamal)["submit"])
    assert 'value="340,100"' in page.content.decode()  # the value given, to correct
    assert "Переданное за ноябрь 2014: 340,100; его можно исправить." in text(page)
    data = form_data(owner_client, kamal, cold_water="339,5")
    response = owner_client.post(urls(kamal)["submit"], data)
    assert response.status_code == 302
    assert counting(meters(kamal)["cold_water"], NOV).value == D("339.500")
    history = reverse("cabinet:meter_history", args=[kamal.pk, meters(kamal)["cold_water"].pk])
    page = text(owner_client.get(history))
    assert "ноябрь 2014 339,500 4,590" in page  # the new use in the history
    assert "20.11.2014 10:00 ноябрь 2014 340,100 вы, кабинет жильца" in page  # the first stays


def test_a_page_kept_from_an_earlier_send_and_changed_is_shown_again(
    owner_client, kamal, november
):
    data = form_data(owner_client, kamal, cold_water="340,1")
    owner_client.post(urls(kamal)["submit"], data)
    data[f"m{meters(kamal)['cold_water'].pk}_z1"] = "341"
    response = owner_client.post(urls(kamal)["submit"], data)
    assert response.status_code == 200
    assert "Эта страница уже была отправлена" in text(response)
    new_key = re.search(r'name="key" value="([0-9a-f]+)"', response.content.decode()).group(1)
    assert new_key != data["key"]
    data["key"] = new_key
    assert owner_client.post(urls(kamal)["submit"], data).status_code == 302
    assert counting(meters(kamal)["cold_water"], NOV).value == D("341")


def test_a_value_entered_by_staff_cannot_be_changed_by_the_resident(owner_client, kamal, november):
    Reading.objects.create(
        meter=meters(kamal)["cold_water"], period=NOV, value=D("340"), source="staff"
    )
    response = owner_client.get(urls(kamal)["submit"])
    assert "За ноябрь 2014 показание внесла управляющая организация: 340,000 м³." in text(response)
    name = f"m{meters(kamal)['cold_water'].pk}_z1"
    assert f'name="{name}"' not in response.content.decode()


def test_a_confirmation_by_email_when_asked(owner_client, kamal, user, november):
    data = form_data(owner_client, kamal, cold_water="340,1")
    data["confirm_by_email"] = "on"
    response = owner_client.post(urls(kamal)["submit"], data)
    assert response.url.endswith("&mail=1")
    assert f"Подтверждение придет на {user.email}." in text(owner_client.get(response.url))
    assert run_queued_tasks() == 1
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Показания счетчиков за ноябрь 2014 приняты (Л/С № 1234567)"
    assert "- Холодная вода № ХВ-0154-11: 340,100 м³" in message.body
    assert "20.11.2014 10:00" in message.body
    assert "340,100 м³" in message.alternatives[0].content


def test_no_mail_unless_asked(owner_client, kamal, november):
    owner_client.post(urls(kamal)["submit"], form_data(owner_client, kamal, cold_water="340,1"))
    assert run_queued_tasks() == 0 and not mail.outbox


def test_the_card_links_to_the_form_and_the_menu_to_the_meters(owner_client, kamal, november):
    body = owner_client.get(reverse("cabinet:card", args=[kamal.pk])).content.decode()
    assert f'href="{urls(kamal)["submit"]}">Передать показания</a>' in body
    assert f'<a href="{urls(kamal)["list"]}">Показания счетчиков</a>' in body


# --- a fixed number of queries ------------------------------------------------------------------


# session, user, the user's accounts, then: closed months, meters, readings, removed
# meters (list) | closed months, meters, readings (form) | meter, readings, submissions
# (history); the footer's organization last.
QUERIES = {"meters": 8, "meters_submit": 7, "meter_history": 7}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_meter_pages_run_a_fixed_number_of_queries(owner_client, kamal, november, name):
    water = meters(kamal)["cold_water"]
    args = [kamal.pk, water.pk] if name == "meter_history" else [kamal.pk]
    url = reverse(f"cabinet:{name}", args=args)
    owner_client.get(url)
    counts = []
    for extra in (0, 1):
        if extra:  # two more meters and two years more history
            for n in range(2):
                meter_with_history(
                    kamal.premises, range(100, 124), start=datetime.date(2012, 7, 1),
                    serial_number=f"ДОП-{n}", resource=Meter.Resource.HOT_WATER,
                )  # fmt: skip
            meter_with_history(
                kamal.premises, range(100, 124), start=datetime.date(2012, 7, 1), meter=water
            )
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts == [QUERIES[name]] * 2, counts


def test_an_account_without_meters_says_so(client, user, november):
    from kabinet.housing.models import AccountLink
    from tests.factories import PersonalAccountFactory

    account = PersonalAccountFactory()
    AccountLink.objects.create(user=user, account=account)
    client.force_login(user)
    assert "В помещении нет приборов учета" in text(client.get(urls(account)["list"]))
    page = client.get(urls(account)["submit"])
    assert "В помещении нет приборов учета" in text(page)
    assert '<form method="post" class="form readings-form"' not in page.content.decode()

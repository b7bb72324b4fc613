"""The "Начисления" and "Платежи" pages without JavaScript: the reference account (Fig. 5),
the demo city's accounts reconciled with the ledgers over every period, bad query strings,
optional links, fixed query counts."""

import datetime
import html
import re
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.urls import NoReverseMatch, include, path, reverse

from kabinet import urls as project_urls
from kabinet.billing.models import Charge, Payment, Penalty, Recalculation
from kabinet.billing.selectors import (
    account_balance,
    account_charge_history,
    account_charges_overview,
    account_ledger,
    account_monthly_totals,
    account_period_charges,
)
from kabinet.billing.services import charge_add, payment_record, penalty_add, period_open
from kabinet.cabinet import urls as cabinet_urls
from kabinet.cabinet.selectors import account_card
from kabinet.core.money import format_money
from kabinet.core.periods import add_months, month_end, month_label
from kabinet.demo import city
from kabinet.demo.city import city_load
from kabinet.housing.models import AccountLink, PersonalAccount
from tests.factories import (
    HouseFactory,
    OrganizationFactory,
    PersonalAccountFactory,
    PremisesFactory,
    ServiceFactory,
    TariffFactory,
)

pytestmark = pytest.mark.django_db
NNBSP = "\u202f"
TODAY = datetime.date(2026, 11, 25)  # the demo city's months: November 2025 - October 2026


def text(response) -> str:
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body)).replace("\xa0", " ")
    return re.sub(r"[ \t\r\n]+", " ", body)


def money(value: D) -> str:
    return format_money(value)


def number(cell: str) -> D:
    """ "долг 1 234,56" → 1234.56, "переплата 500,00" → −500.00, "−4,82" → −4.82."""
    cell = html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
    sign = -1 if cell.startswith("переплата") else 1
    digits = re.sub(r"[^\d,\-−]", "", cell).replace(",", ".").replace("−", "-")
    return sign * D(digits)


def cells(row_html: str) -> list[str]:
    return re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_html, flags=re.S)


def flow_rows(response) -> list[list[str]]:
    """The money flow's month rows and its total row, cells as HTML."""
    body = response.content.decode()
    table = re.search(
        r'<table class="money-flow stack cards">.*?</table>', body, flags=re.S
    ).group(0)
    rows = re.findall(r'<tr class="flow-month">(.*?)</tr>', table, flags=re.S)
    total = re.search(r"<tfoot>\s*<tr>(.*?)</tr>", table, flags=re.S).group(1)
    return [cells(row) for row in rows] + [cells(total)]


@pytest.fixture(params=[True, False], ids=["prepared", "orm"])
def both_paths(request, settings):
    """The page's prepared queries compiled once (the default), or built by the ORM."""
    settings.PREPARED_QUERIES = request.param


@pytest.fixture
def owner(client, user):
    def holding(account):
        AccountLink.objects.get_or_create(user=user, account=account)
        client.force_login(user)
        return client

    return holding


# --- Начисления: the reference account ----------------------------------------------


def test_the_charges_page_shows_the_latest_period_with_a_picker(owner_client, kamal, both_paths):
    response = owner_client.get(reverse("cabinet:charges", args=[kamal.pk]))
    body = response.content.decode()
    page = text(response)
    options = re.findall(r'<option value="([\d-]+)"( selected)?>([^<]+)</option>', body)
    assert options == [
        ("2014-10", " selected", "октябрь 2014"),
        ("2014-09", "", "сентябрь 2014"),
        ("2014-08", "", "август 2014"),
    ]
    assert f"Итого начислено за октябрь 2014: 3{NNBSP}195,03 ₽" in page
    assert "Начисление за октябрь 2014 года" in page
    # Per service: unit, tariff, volume, base sum, the common share (none here), total.
    assert "Горячее водоснабжение 88,26 6,0301 м³ 532,22 — — 532,22" in page
    assert "Пени" in page and "11,53" in page
    assert f"Итого 3{NNBSP}183,50 0,00 0,00 3{NNBSP}195,03" in page
    assert f'href="/cabinet/{kamal.pk}/receipts/pdf/?month=2014-10">Распечатать квитанцию' in body


def test_another_period_and_its_comparison_with_earlier_months(owner_client, kamal):
    url = reverse("cabinet:charges", args=[kamal.pk])
    history = {row.month: row.total for row in account_charge_history(account_id=kamal.pk)}
    october, september = datetime.date(2014, 10, 1), datetime.date(2014, 9, 1)
    page = text(owner_client.get(url, {"period": "2014-09"}))
    assert "Начисление за сентябрь 2014 года" in page
    total = account_period_charges(account_id=kamal.pk, month=september).total
    assert f"Итого начислено за сентябрь 2014: {money(total)} ₽" in page
    assert "К тому же месяцу прошлого года (сентябрь 2013): начислений не было" in page
    page = text(owner_client.get(url))
    change = history[october] - history[september]
    percent = (abs(change) * 100 / history[september]).quantize(D("0.1"))
    sign = "+" if change > 0 else "−"
    assert (
        f"К предыдущему месяцу (сентябрь 2014): {sign}{money(abs(change))} ₽ "
        f"({sign}{str(percent).replace('.', ',')} %) — тогда {money(history[september])} ₽"
    ) in page


def test_the_chart_has_twelve_months_and_a_text_equivalent(owner_client, kamal):
    body = owner_client.get(reverse("cabinet:charges", args=[kamal.pk])).content.decode()
    svg = re.search(r"<svg.*?</svg>", body, flags=re.S).group(0)
    assert 'role="img"' in svg and "<desc" in svg
    bars = re.findall(r'<rect class="chart-bar chart-zone-(\d)".*?<title>([^<]+)</title>', svg)
    totals = {row.month: row.total for row in account_charge_history(account_id=kamal.pk)}
    assert bars == [
        ("1", f"август 2014: {money(totals[datetime.date(2014, 8, 1)])} ₽"),
        ("1", f"сентябрь 2014: {money(totals[datetime.date(2014, 9, 1)])} ₽"),
        ("2", f"октябрь 2014: 3{NNBSP}195,03 ₽"),  # the period shown
    ]
    labels = re.findall(r'<text class="chart-label"[^>]*>([^<]+)</text>', svg)
    assert labels == "ноя дек янв фев мар апр май июн июл авг сен окт".split()
    # The table beside it: twelve months, the empty ones marked.
    table = re.search(r'<details class="trend-table".*?</details>', body, flags=re.S).group(0)
    rows = re.findall(r"<tr[^>]*><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>", table)
    assert len(rows) == 12
    assert rows[0][1] == "—" and "ноябрь 2013" in rows[0][0]
    assert rows[-1][1] == f"3{NNBSP}195,03"


@pytest.mark.parametrize(
    "value, message",
    [
        ("junk", "Период «junk» указан неверно: показан последний период."),
        ("2014-13", "Период «2014-13» указан неверно"),
        ("0000-01", "Период «0000-01» указан неверно"),
        ("9" * 400, "Период «99999999999999999999» указан неверно"),
        ("2000-01", "За январь 2000 начислений нет: показан последний период."),
        ("", "Период «» указан неверно"),
    ],
)
def test_a_bad_period_shows_the_latest_with_a_message(owner_client, kamal, value, message):
    response = owner_client.get(reverse("cabinet:charges", args=[kamal.pk]), {"period": value})
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Начисление за октябрь 2014 года" in page


def test_the_old_address_of_a_month_opens_the_same_period(owner_client, kamal):
    url = reverse("cabinet:charges", args=[kamal.pk])
    response = owner_client.get(url, {"month": "2014-09"})
    assert response.status_code == 302 and response.url == f"{url}?period=2014-09"
    assert "Начисление за сентябрь 2014 года" in text(owner_client.get(response.url))


def _fake_penalty(request, account_id):  # pragma: no cover - only reversed
    raise AssertionError


# The project's URLs with a penalty page among the cabinet's (the first "cabinet" wins).
urlpatterns = [
    path(
        "cabinet/",
        include(
            (
                [
                    *cabinet_urls.urlpatterns,
                    path("<int:account_id>/penalty/", _fake_penalty, name="penalty"),
                ],
                "cabinet",
            )
        ),
    ),
    *project_urls.urlpatterns,
]


def test_the_penalty_links_its_breakdown_once_that_page_exists(owner_client, kamal, settings):
    url = reverse("cabinet:charges", args=[kamal.pk])
    try:
        reverse("cabinet:penalty", args=[kamal.pk])
        exists = True
    except NoReverseMatch:  # the penalty page is another issue's
        exists = False
    body = owner_client.get(url).content.decode()
    link = f'href="/cabinet/{kamal.pk}/penalty/?period=2014-10"'
    assert (link in body) == exists
    if not exists:
        settings.ROOT_URLCONF = "kabinet.cabinet.tests.test_ledger_pages"
        body = owner_client.get(url).content.decode()
        assert f'<a class="penalty-link" {link}>расчет</a>' in body
        # A month without a penalty has nothing to open.
        body = owner_client.get(url, {"period": "2014-09"}).content.decode()
        assert "penalty-link" not in body


def test_an_account_without_charges(client, user):
    account = PersonalAccountFactory()
    AccountLink.objects.create(user=user, account=account)
    client.force_login(user)
    assert "Начислений по лицевому счету еще не было." in text(
        client.get(reverse("cabinet:charges", args=[account.pk]), {"period": "2014-01"})
    )
    page = text(client.get(reverse("cabinet:payments", args=[account.pk]), {"from": "x"}))
    assert "Начислений и платежей по лицевому счету еще не было." in page


# --- Платежи: the reference account -------------------------------------------------


def test_the_money_flow_of_the_reference_account(owner_client, kamal, both_paths):
    response = owner_client.get(reverse("cabinet:payments", args=[kamal.pk]))
    page = text(response)
    assert "Период отображения" in page and "Движение финансов" in page
    rows = flow_rows(response)
    # August to October 2014: the account's months (fewer than twelve).
    assert [re.sub(r"<[^>]+>", "", r[0]) for r in rows] == [
        "август 2014", "сентябрь 2014", "октябрь 2014", "За весь период",
    ]  # fmt: skip
    august, _september, october, total = rows
    assert number(august[1]) == 0
    assert number(october[4]) == D("11.53")  # the penalty
    assert number(october[6]) == D("5589.37") == number(total[6])  # the card's debt
    assert "долг 5" in october[6]
    assert f"15.08.2014 — 2{NNBSP}414,85 ₽ — Банк (реестр)" in page
    assert f"30.09.2014 — 1{NNBSP}500,00 ₽ — Банк (реестр)" in page


@pytest.mark.parametrize(
    "params, message, shown",
    [
        ({"from": "2014-09", "to": "2014-09"}, None, ["сентябрь 2014"]),
        ({"from": "2014-10", "to": "2014-08"}, "Начало периода позже его конца", None),
        ({"from": "2014-02-30"}, "Месяц начала периода «2014-02-30» указан неверно", None),
        ({"to": "2014-13"}, "Месяц конца периода «2014-13» указан неверно", None),
        ({"from": "9" * 5000}, "указан неверно", None),
        ({"from": "-1", "to": "1e9"}, "указан неверно", None),
        ({"from": "1900-01", "to": "2014-09"}, "Данные по лицевому счету есть с август 2014",
         ["август 2014", "сентябрь 2014"]),
        ({"from": "9999-12", "to": "9999-12"}, "Данные по лицевому счету есть", None),
    ],
)  # fmt: skip
def test_bad_ranges_give_a_message_and_a_sensible_range(
    owner_client, kamal, params, message, shown
):
    response = owner_client.get(reverse("cabinet:payments", args=[kamal.pk]), params)
    assert response.status_code == 200
    page = text(response)
    if message:
        assert message in page
    else:
        assert 'class="notice"' not in response.content.decode()
    months = [re.sub(r"<[^>]+>", "", r[0]) for r in flow_rows(response)[:-1]]
    assert months == (shown or ["август 2014", "сентябрь 2014", "октябрь 2014"]) or (
        months and months[-1].endswith("2026")
    )


# --- reconciling both pages with the ledgers, every period of the demo ----------------


def _reconcile_charges(client, account):
    url = reverse("cabinet:charges", args=[account.pk])
    history = account_charge_history(account_id=account.pk)
    assert history, account
    # As first opened: the months and the latest period read in one query, the same as
    # read apart (the period's penalty taken from its month's row).
    overview = account_charges_overview(account_id=account.pk)
    assert overview == (
        account_monthly_totals(account_id=account.pk),
        account_period_charges(account_id=account.pk),
    )
    latest = history[0]
    page = text(client.get(url))
    assert f"Итого начислено за {month_label(latest.month)}: {money(latest.total)} ₽" in page
    for row in history:
        month = row.month
        charges = Charge.objects.filter(account=account, period__month=month)
        penalty = Penalty.objects.filter(account=account, period__month=month).aggregate(
            s=Sum("amount")
        )["s"] or D(0)
        expected = (charges.aggregate(s=Sum("total"))["s"] or D(0)) + penalty
        assert row.total == expected
        response = client.get(url, {"period": f"{month:%Y-%m}"})
        page = text(response)
        assert f"Итого начислено за {month_label(month)}: {money(expected)} ₽" in page
        table = account_period_charges(account_id=account.pk, month=month)
        assert table.total == expected  # the card's function gives the same figure
        common = charges.aggregate(s=Sum("common_amount"))["s"] or D(0)
        recalculation = charges.aggregate(s=Sum("recalculation"))["s"] or D(0)
        amount = charges.aggregate(s=Sum("amount"))["s"] or D(0)
        assert (
            f"Итого {money(amount)} {money(common)} {money(recalculation)} {money(expected)}"
            in page
        )
        grounds = Recalculation.objects.filter(account=account, period__month=month)
        for recalc in grounds:
            assert f"{month_label(recalc.concerns_month)} " in page and recalc.reason in page
    return overview[1].penalty


def _reconcile_payments(client, account):
    history = account_charge_history(account_id=account.pk)
    ledger = account_ledger(account_id=account.pk)
    assert ledger.charges == {row.month: row for row in history}
    made = Payment.objects.filter(account=account).order_by("paid_on", "id")
    assert [line.amount for lines in ledger.payments.values() for line in lines] == [
        payment.amount for payment in made
    ]
    assert ledger.balance == account_balance(account_id=account.pk)
    first, last = history[-1].month, history[0].month
    paid_last = Payment.objects.filter(account=account).order_by("-paid_on").first()
    if paid_last:
        last = max(last, paid_last.paid_on.replace(day=1))
    response = client.get(
        reverse("cabinet:payments", args=[account.pk]),
        {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"},
    )
    rows = flow_rows(response)
    month = first
    opening = D(0)
    for row in rows[:-1]:
        start, charged, recalculated, penalties, paid, end = (number(c) for c in row[1:])
        assert start == opening
        assert start + charged + recalculated + penalties - paid == end  # to the kopeck
        assert end == account_balance(account_id=account.pk, as_of=month_end(month))
        charges = Charge.objects.filter(account=account, period__month=month)
        assert charged == (charges.aggregate(s=Sum("amount"))["s"] or 0) + (
            charges.aggregate(s=Sum("common_amount"))["s"] or 0
        )
        assert recalculated == (charges.aggregate(s=Sum("recalculation"))["s"] or 0)
        assert penalties == (
            Penalty.objects.filter(account=account, period__month=month).aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        payments = Payment.objects.filter(
            account=account, paid_on__gte=month, paid_on__lte=month_end(month)
        )
        assert paid == (payments.aggregate(s=Sum("amount"))["s"] or 0)
        opening = end
        month = add_months(month, 1)
    assert month == add_months(last, 1)
    start, charged, recalculated, penalties, paid, end = (number(c) for c in rows[-1][1:])
    assert start + charged + recalculated + penalties - paid == end == opening
    assert end == account_card(account=account).balance  # the card's figure
    page = text(response)
    for payment in Payment.objects.filter(account=account):
        assert f"{payment.paid_on:%d.%m.%Y} — {money(payment.amount)} ₽" in page
    return response


def test_both_pages_reconcile_with_the_ledgers_for_every_demo_account(
    client, user, kamal, both_paths
):
    city_load(today=TODAY)
    accounts = [kamal, *PersonalAccount.objects.filter(organization__inn=city.CITY_INN)]
    assert len(accounts) == 31
    for account in accounts:
        AccountLink.objects.create(user=user, account=account)
    client.force_login(user)
    latest_penalties = []
    for account in accounts:
        latest_penalties.append(_reconcile_charges(client, account))
        _reconcile_payments(client, account)
    assert any(latest_penalties), "no demo account has a penalty in its latest period"


def test_the_demo_story_a_recalculation_a_reversal_and_an_overpaid_month(owner, user):
    city_load(today=TODAY)
    account = PersonalAccount.objects.filter(organization__inn=city.CITY_INN).order_by("number")[
        city.LEDGER_STORY_ACCOUNT - 1
    ]
    client = owner(account)
    months = city.history_months(TODAY)
    booked, concerns = months[city.RECALCULATION["booked"]], months[city.RECALCULATION["concerns"]]
    recalc = Recalculation.objects.get(account=account, kind=Recalculation.Kind.MANUAL)
    assert (recalc.period.month, recalc.concerns_month) == (booked, concerns)
    # Начисления of the month it was booked in: the line's column and the grounds.
    response = client.get(
        reverse("cabinet:charges", args=[account.pk]), {"period": f"{booked:%Y-%m}"}
    )
    page = text(response)
    assert "Перерасчеты Услуга За период Основание Сумма, ₽ За прошлые периоды" in page
    assert (
        f"За прошлые периоды Горячее водоснабжение {month_label(concerns)} Перерасчет: "
        f"{city.RECALCULATION['reason']} (объем -1,50) {money(recalc.amount)}"
    ) in page
    line = Charge.objects.get(
        account=account, period__month=booked, service__name="Горячее водоснабжение"
    )
    assert line.recalculation <= recalc.amount < 0
    # Платежи: the reversal, and the month paid ahead ends in an overpayment.
    response = _reconcile_payments(client, account)
    page = text(response)
    reversal = months[city.REVERSAL_MONTH].replace(day=3)
    assert f"{reversal:%d.%m.%Y} — -1{NNBSP}800,00 ₽ — Банк (реестр) (сторно)" in page
    rows = {re.sub(r"<[^>]+>", "", r[0]): r for r in flow_rows(response)}
    ahead = rows[month_label(months[city.AHEAD_MONTH])]
    assert number(ahead[6]) < 0 and "переплата" in ahead[6]
    assert number(rows[month_label(months[city.REVERSAL_MONTH])][5]) < number(
        rows[month_label(months[city.MISTAKE_MONTH])][5]
    )


def test_the_default_range_is_the_last_twelve_months_with_data(owner, user):
    city_load(today=TODAY)
    account = PersonalAccount.objects.filter(organization__inn=city.CITY_INN).first()
    client = owner(account)
    response = client.get(reverse("cabinet:payments", args=[account.pk]))
    months = [re.sub(r"<[^>]+>", "", r[0]) for r in flow_rows(response)[:-1]]
    assert months == [month_label(m) for m in city.history_months(TODAY)]
    options = re.findall(
        r'<select name="to" id="range-to">(.*?)</select>', response.content.decode(), flags=re.S
    )[0]
    assert 'value="2026-10" selected' in options


def test_text_people_typed_is_escaped_in_the_tables(owner):
    account = account_with_history(2, services=2)
    Recalculation.objects.filter(account=account).update(
        reason="Акт <b onclick=\"x\">№ 5</b> & 'Ко'"
    )
    service = Charge.objects.filter(account=account).first().service
    service.name, service.unit = 'Вывоз <script>alert(1)</script> "ТКО"', "м<sup>3</sup>"
    service.save(update_fields=["name", "unit"])
    body = owner(account).get(reverse("cabinet:charges", args=[account.pk])).content.decode()
    assert "<script>alert(1)" not in body and "<sup>3" not in body and "<b onclick" not in body
    assert "Вывоз &lt;script&gt;alert(1)&lt;/script&gt; &quot;ТКО&quot;" in body
    assert "м&lt;sup&gt;3&lt;/sup&gt;" in body
    assert "Акт &lt;b onclick=&quot;x&quot;&gt;№ 5&lt;/b&gt; &amp; &#x27;Ко&#x27;" in body


# --- queries ----------------------------------------------------------------------------


def account_with_history(months: int, *, services: int = 12):
    organization = OrganizationFactory()
    account = PersonalAccountFactory(
        premises=PremisesFactory(house=HouseFactory(organization=organization))
    )
    all_services = [
        ServiceFactory(organization=organization, sort_order=n) for n in range(services)
    ]
    tariffs = [TariffFactory(service=service) for service in all_services]
    start = datetime.date(2023, 1, 1)
    for n in range(months):
        month = add_months(start, n)
        period = period_open(organization_id=organization.pk, month=month)
        for service, tariff in zip(all_services, tariffs, strict=True):
            charge_add(
                account=account, period=period, service=service, tariff=tariff, volume=D("10.5")
            )
        penalty_add(account=account, period=period, amount=D("1.23"))
        payment_record(
            account=account, paid_on=month.replace(day=10), amount=D("99"), source="cash"
        )
        Recalculation.objects.create(
            account=account, service=all_services[0], period=period,
            concerns_month=add_months(month, -1), amount=D("-1.00"), reason="Проверка",
        )  # fmt: skip
    return account


def test_a_latest_month_with_only_a_penalty_is_shown_as_such(owner, django_assert_num_queries):
    account = account_with_history(2, services=2)
    latest = period_open(organization_id=account.organization_id, month=datetime.date(2023, 3, 1))
    penalty_add(account=account, period=latest, amount=D("4.56"))
    client = owner(account)
    url = reverse("cabinet:charges", args=[account.pk])
    client.get(url)
    # …the months with the latest charged period's lines (February), then March's own
    with django_assert_num_queries(6):
        page = text(client.get(url))
    assert "Итого начислено за март 2023: 4,56 ₽" in page
    assert "За март 2023 начислены только пени." in page
    page = text(client.get(url, {"period": "2023-02"}))
    assert "Начисление за февраль 2023 года" in page


def test_the_ledger_is_read_in_one_query_in_the_order_payments_were_made(
    django_assert_num_queries,
):
    account = account_with_history(3, services=1)
    for amount in ("5.00", "-5.00", "7.00"):  # the same day: in the order booked
        payment_record(
            account=account, paid_on=datetime.date(2023, 2, 10), amount=D(amount), source="bank"
        )
    with django_assert_num_queries(1):
        ledger = account_ledger(account_id=account.pk)
    february = [line.amount for line in ledger.payments[datetime.date(2023, 2, 1)]]
    assert february == [D("99.00"), D("5.00"), D("-5.00"), D("7.00")]
    assert ledger.paid[datetime.date(2023, 2, 1)] == D("106.00")
    assert list(ledger.charges) and all(row.common_amount == 0 for row in ledger.charges.values())
    assert ledger.balance == account_balance(account_id=account.pk)


@pytest.mark.parametrize(
    "name, queries, params, queries_with_params",
    [
        # session, user, the user's accounts with balances, the footer's organization;
        # then as first opened the months with the latest period's lines (one query),
        # its recalculations (every month has one here); for another period, the months,
        # the period's lines, its recalculations
        ("charges", 6, {"period": "2023-06"}, 7),
        # …; the history (the period totals) with the payments, in one
        ("payments", 5, {"from": "2023-01"}, 5),
    ],
)
def test_the_pages_run_a_fixed_number_of_queries(
    client, user, django_assert_num_queries, name, queries, params, queries_with_params
):
    short, long = account_with_history(1, services=1), account_with_history(36)
    for account in (short, long):
        AccountLink.objects.create(user=user, account=account)
    client.force_login(user)
    for account in (short, long):
        url = reverse(f"cabinet:{name}", args=[account.pk])
        client.get(url)  # the session remembers the account
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
        with django_assert_num_queries(queries_with_params):
            assert client.get(url, params).status_code == 200


def test_a_period_without_recalculations_spares_their_query(owner, django_assert_num_queries):
    account = account_with_history(3)
    client = owner(account)
    latest = period_open(organization_id=account.organization_id, month=datetime.date(2023, 3, 1))
    Recalculation.objects.filter(account=account, period=latest).delete()
    url = reverse("cabinet:charges", args=[account.pk])
    client.get(url)
    with django_assert_num_queries(5):
        page = text(client.get(url))
    assert "Перерасчеты" not in page
    with django_assert_num_queries(6):
        page = text(client.get(url, {"period": "2023-03"}))
    assert "Перерасчеты" not in page
    with django_assert_num_queries(7):
        page = text(client.get(url, {"period": "2023-02"}))
    assert "Проверка" in page


@pytest.mark.parametrize(
    "name, params",
    [
        ("charges", {"month": "2014-09"}),  # the old address redirects only for the owner
        ("charges", {"period": "2014-10"}),
        ("payments", {"from": "2014-08", "to": "2014-10"}),
    ],
)
def test_a_stranger_gets_404_whatever_the_query(client, kamal, user, stranger, name, params):
    AccountLink.objects.create(user=user, account=kamal)
    client.force_login(stranger)
    response = client.get(reverse(f"cabinet:{name}", args=[kamal.pk]), params)
    assert response.status_code == 404
    assert "1234567" not in response.content.decode()

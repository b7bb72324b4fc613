import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from kabinet.accounts.models import User
from kabinet.billing.models import (
    BillingPeriod,
    BillingRun,
    Charge,
    MeterUsage,
    Payment,
    Penalty,
    Recalculation,
    RunIssue,
    Service,
    Tariff,
)
from kabinet.billing.selectors import account_balance, tariff_for
from kabinet.core.periods import add_months, month_end
from kabinet.demo import city
from kabinet.demo.city import city_load
from kabinet.demo.reference import reference_load
from kabinet.demo.registry import accounts_generate, company_ensure
from kabinet.housing.models import House, PersonalAccount, Premises
from kabinet.meters.models import Meter, Reading

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2014, 10, 1)
FIG_5 = [  # service, unit, tariff (price per unit), volume, charged (docs/domain.md: columns un-swapped)
    ("Ремонт жилья", "кв. м", D("2.80"), D("50.50"), D("141.40")),
    ("Содержание жилья", "кв. м", D("12.41"), D("50.50"), D("626.71")),
    ("Найм жилья", "кв. м", D("6.56"), D("50.50"), D("331.28")),
    ("Холодное водоснабжение", "м³", D("9.044"), D("11.94"), D("107.99")),
    ("Горячее водоснабжение", "м³", D("88.26"), D("6.0301"), D("532.22")),
    ("Водоотведение", "м³", D("13.58"), D("14.726"), D("199.98")),
    ("Электроснабжение", "кВт·ч", D("2.61"), D("201.61"), D("526.20")),
    ("Отопление", "Гкал", D("1434.59"), D("0.500295"), D("717.72")),
]


def test_the_reference_account_has_the_figures_of_fig_5():
    account = reference_load()
    assert account.number == "1234567"
    assert account.holder_name == "Муравьев Сергей Петрович"
    assert account.organization.name == "ОАО «Камал»"
    assert account.premises.area == D("50.50")
    assert account.premises.get_property_type_display() == "Муниципальная"
    assert "ул. Гражданская" in account.premises.address and account.premises.number == "154"

    october = Charge.objects.filter(account=account, period__month=OCTOBER).select_related(
        "service"
    )
    rows = [
        (c.service.name, c.service.unit, c.price, c.volume, c.amount)
        for c in october.order_by("service__sort_order")
    ]
    assert rows == FIG_5
    penalty = Penalty.objects.get(account=account, period__month=OCTOBER).amount
    assert penalty == D("11.53")
    assert october.aggregate(s=Sum("total"))["s"] + penalty == D("3195.03")


def test_the_reference_account_owes_5_589_37():
    account = reference_load()
    assert account_balance(account_id=account.pk) == D("5589.37")
    last = Payment.objects.filter(account=account).order_by("-paid_on").first()
    assert (last.paid_on, last.amount) == (datetime.date(2014, 9, 30), D("1500.00"))


def test_reference_tariffs_keep_their_history():
    account = reference_load()
    service = Service.objects.get(organization=account.organization, name="Содержание жилья")
    assert tariff_for(
        service_id=service.pk, house_id=None, on=datetime.date(2014, 6, 30)
    ).price == D("11.90")
    assert tariff_for(service_id=service.pk, house_id=None, on=OCTOBER).price == D("12.41")


def test_the_city_company_has_three_houses_and_a_year_of_history():
    today = datetime.date(2026, 11, 25)
    added = city_load(today=today)
    assert added == 30
    accounts = PersonalAccount.objects.filter(organization__inn="1650987654")
    assert accounts.count() == 30
    houses = House.objects.filter(organization__inn="1650987654").annotate(n=Count("premises"))
    assert sorted(h.n for h in houses) == [6, 12, 12]
    periods = BillingPeriod.objects.filter(organization__inn="1650987654")
    expected = [add_months(datetime.date(2025, 11, 1), n) for n in range(12)]
    assert [p.month for p in periods.order_by("month")] == expected
    assert periods.count() == 12 and not periods.filter(is_closed=False).exists()
    assert periods.order_by("month").last().month == datetime.date(2026, 10, 1)
    services = Service.objects.filter(organization__inn="1650987654")
    assert services.count() == 12
    # Every account: one line per service (per zone of a day/night meter) every month.
    meters = Meter.objects.filter(premises__house__organization__inn="1650987654")
    assert meters.count() == 90
    two_zone = meters.filter(tariff_zones=2).count()
    assert 0 < two_zone < 30
    lines = Charge.objects.filter(account__in=accounts)
    assert lines.count() == (30 * 12 + two_zone) * 12
    # Computed by the billing run, month after month; each month paid and closed.
    runs = BillingRun.objects.filter(period__in=periods, status=BillingRun.Status.DONE)
    assert runs.count() == 12
    assert not RunIssue.objects.filter(run__in=runs).exists()
    # A few months without readings were billed by the average or the norm, and the
    # substituted readings are stored as computed, never as submitted.
    methods = set(MeterUsage.objects.filter(account__in=accounts).values_list("method", flat=True))
    assert {MeterUsage.Method.READINGS, MeterUsage.Method.NORM} <= methods
    computed = Reading.objects.filter(meter__in=meters, source=Reading.Source.COMPUTED)
    assert computed.exists()
    # Each house's areas: its flats and the common property on top.
    for house in House.objects.filter(organization__inn="1650987654"):
        flats = house.premises.aggregate(s=Sum("area"))["s"]
        assert house.total_area == flats + house.common_area and house.common_area > 0
    # The common-property share: by the house meter in two houses, by the norm in one.
    assert lines.filter(common_volume__gt=0).exists()


def test_city_charges_follow_the_tariff_in_force_and_the_readings():
    city_load(today=datetime.date(2026, 11, 25))
    charge = (
        Charge.objects.filter(service__name="Холодное водоснабжение")
        .select_related("account", "period")
        .first()
    )
    tariff = tariff_for(service_id=charge.service_id, house_id=None, on=charge.period.month)
    assert charge.price == tariff.price
    meter = Meter.objects.get(premises=charge.account.premises, resource=Meter.Resource.COLD_WATER)
    current = Reading.objects.get(meter=meter, period=charge.period.month).value
    previous = (
        meter.readings.filter(period__lt=charge.period.month).order_by("-period").first().value
    )
    assert charge.volume == current - previous
    # Indexation on 1 July: June and July 2026 use different prices.
    cold = Charge.objects.filter(
        service__name="Содержание жилого помещения", account=charge.account
    )
    june = cold.get(period__month=datetime.date(2026, 6, 1)).price
    july = cold.get(period__month=datetime.date(2026, 7, 1)).price
    assert july > june


def test_load_demo_twice_adds_nothing_and_prints_the_logins():
    out = StringIO()
    call_command("load_demo", stdout=out)
    counts = [
        m.objects.count()
        for m in (User, House, Premises, PersonalAccount, Charge, Payment, Tariff, Reading)
    ]
    call_command("load_demo", stdout=StringIO())
    assert [
        m.objects.count()
        for m in (User, House, Premises, PersonalAccount, Charge, Payment, Tariff, Reading)
    ] == counts
    assert User.objects.get(username="admin").is_superuser
    operator = User.objects.get(username="operator")
    assert operator.is_staff and not operator.is_superuser
    assert operator.has_perm("billing.add_payment") and not operator.has_perm(
        "billing.change_payment"
    )

    logins = StringIO()
    call_command("demo_logins", stdout=logins)
    assert "admin / kabinet-admin-2014" in logins.getvalue()


def _rows_the_planner_expects(table: str) -> int | None:
    """The table's row count in the planner's statistics, None if it has none."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            rows = cursor.fetchone()[0]
            return None if rows < 0 else int(rows)  # -1 until the first ANALYZE
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


def test_the_generator_leaves_statistics_for_the_query_planner():
    # Without them PostgreSQL planned the card's query for a guessed 7 579 charges per
    # account until autovacuum came by (bench/bench_account_card.py).
    months = [datetime.date(2026, 10, 1)]
    company = company_ensure(name="Тест", inn="7700000098", city="г. Тест", last_month=months[0])
    accounts_generate(company=company, count=20, months=months, city="г. Тест", streets=["ул. А"])
    for model in (PersonalAccount, Charge):
        assert _rows_the_planner_expects(model._meta.db_table) == model.objects.count()


def test_the_generator_adds_accounts_up_to_the_count_without_duplicate_houses():
    months = [datetime.date(2026, 10, 1)]
    company = company_ensure(name="Тест", inn="7700000099", city="г. Тест", last_month=months[0])
    kwargs = dict(
        company=company,
        months=months,
        city="г. Тест",
        streets=["ул. А", "ул. Б"],
        apartments_per_house=40,
    )
    assert accounts_generate(count=50, **kwargs) == 50
    assert accounts_generate(count=50, **kwargs) == 0  # idempotent
    assert accounts_generate(count=90, **kwargs) == 40  # continues house 2, then starts house 3
    organization = company.organization
    houses = (
        House.objects.filter(organization=organization)
        .annotate(n=Count("premises"))
        .order_by("id")
    )
    assert [h.n for h in houses] == [40, 40, 10]
    accounts = PersonalAccount.objects.filter(organization=organization)
    assert accounts.count() == 90
    two_zone = Meter.objects.filter(
        premises__house__organization=organization, tariff_zones=2
    ).count()
    lines = Charge.objects.filter(account__organization=organization)
    assert lines.count() == 90 * 12 + two_zone  # the new accounts were charged too
    numbers = list(accounts.values_list("number", flat=True))
    assert len(set(numbers)) == 90
    # New rows after generation get fresh ids (sequences moved past explicit ids).
    last_generated = houses.last().pk
    house = House.objects.create(
        organization=organization, city="г. Тест", street="ул. В", number="1"
    )
    assert house.pk > last_generated


def test_the_reference_meters_keep_their_2014_readings_given_on_the_20th():
    account = reference_load()
    water = Meter.objects.get(premises=account.premises, resource=Meter.Resource.COLD_WATER)
    readings = list(water.readings.order_by("period"))
    assert [r.value for r in readings] == [D("301.250"), D("311.770"), D("322.970"), D("334.910")]
    assert [r.period.month for r in readings] == [7, 8, 9, 10]
    assert {r.source for r in readings} == {Reading.Source.RESIDENT}
    assert timezone.localtime(readings[-1].submitted_at).strftime("%d.%m.%Y %H:%M") == (
        "20.10.2014 10:00"
    )


def test_two_city_accounts_have_meters_due_for_verification():
    today = datetime.date(2026, 11, 25)
    city_load(today=today)
    first, second = PersonalAccount.objects.filter(organization__inn="1650987654").order_by(
        "number"
    )[:2]
    due = dict(
        Meter.objects.filter(premises=first.premises).values_list(
            "resource", "next_verification_on"
        )
    )
    assert due[Meter.Resource.COLD_WATER] == datetime.date(2026, 12, 20)  # in 25 days
    assert due[Meter.Resource.HOT_WATER] == datetime.date(2027, 1, 14)  # in 50 days
    power = Meter.objects.get(premises=second.premises, resource=Meter.Resource.ELECTRICITY)
    assert power.next_verification_on == datetime.date(2026, 11, 13)  # 12 days overdue
    others = Meter.objects.filter(premises__accounts__organization__inn="1650987654").exclude(
        premises__in=[first.premises, second.premises]
    )
    assert set(others.values_list("next_verification_on", flat=True)) == {
        datetime.date(2031, 3, 1)
    }


def test_city_accounts_behind_with_payments_get_penalties_with_their_breakdown():
    """The run computes the city's penalties: those who pay in part or skip months owe
    them, those who pay in full within the month never do; each penalty is its lines'
    exact sum rounded once, as the pure calculation gives it from the ledgers."""
    from kabinet.billing.models import PenaltyLine
    from kabinet.billing.penalties import Debt, DueDates, account_penalty, rates_current
    from kabinet.core.periods import month_end

    city_load(today=datetime.date(2026, 11, 25))
    penalties = Penalty.objects.filter(period__organization__inn="1650987654")
    assert penalties.count() >= 5
    assert PenaltyLine.objects.filter(penalty__in=penalties).count() >= penalties.count()
    latest = penalties.order_by("-period__month", "-amount").first()
    account, month = latest.account, latest.period.month
    due = DueDates(account.organization_id)
    debts = [
        Debt(row["s"], due(row["period__month"]), row["period__month"])
        for row in Charge.objects.filter(account=account, period__month__lt=month)
        .values("period__month")
        .annotate(s=Sum("total"))
    ]
    payments = list(Payment.objects.filter(account=account).values_list("paid_on", "amount"))
    result = account_penalty(
        debts=debts, payments=payments, until=month_end(month), rates=rates_current(),
        window=(month, month_end(month)),
    )  # fmt: skip
    assert result.total == latest.amount > 0
    assert len(result.rows) == latest.lines.count()
    # Most pay in full within the month and owe none.
    city = PersonalAccount.objects.filter(organization__inn="1650987654").count()
    assert penalties.values("account").distinct().count() < city / 2


def test_one_city_account_has_a_recalculation_a_reversal_and_a_month_paid_ahead():
    today = datetime.date(2026, 11, 25)
    city_load(today=today)
    months = city.history_months(today)
    account = PersonalAccount.objects.filter(organization__inn=city.CITY_INN).order_by("number")[
        city.LEDGER_STORY_ACCOUNT - 1
    ]
    recalculation = Recalculation.objects.get(account=account)
    assert recalculation.period.month == months[city.RECALCULATION["booked"]]
    assert recalculation.concerns_month == months[city.RECALCULATION["concerns"]]
    assert recalculation.amount < 0 and recalculation.period.is_closed
    line = Charge.objects.get(
        account=account, period=recalculation.period, service=recalculation.service
    )
    assert line.recalculation == recalculation.amount  # the run put it in the line
    reversal = Payment.objects.get(account=account, amount__lt=0)
    assert reversal.amount == -city.MISTAKEN_PAYMENT
    assert reversal.paid_on.replace(day=1) == months[city.REVERSAL_MONTH]
    ahead = months[city.AHEAD_MONTH]
    assert account_balance(account_id=account.pk, as_of=month_end(ahead)) < 0  # overpaid
    # Loading again adds none of it twice.
    city_load(today=today)
    assert Recalculation.objects.filter(account=account).count() == 1
    assert (
        Payment.objects.filter(account=account, external_id__startswith="demo-story").count() == 3
    )

"""The billing run, with hand-computed expectations for every method (docs/billing.md)."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from kabinet.billing.models import (
    BillingPeriod,
    BillingRun,
    Charge,
    HouseResourceVolume,
    MeterUsage,
    Recalculation,
    RunIssue,
    Service,
    TemporaryAbsence,
)
from kabinet.billing.run import RunRefused, billing_run, period_close
from kabinet.billing.services import recalculation_add, tariff_add, tariff_close
from kabinet.meters.models import Meter, Reading
from tests.factories import (
    HouseFactory,
    MeterFactory,
    OrganizationFactory,
    PersonalAccountFactory,
    PremisesFactory,
    UserFactory,
)

from .helpers import NOV, OCT, busy_organization, lines, reading, service, snapshot

pytestmark = pytest.mark.django_db

SEP = datetime.date(2026, 9, 1)


def months_back(n: int, month=NOV) -> datetime.date:
    from kabinet.core.periods import add_months

    return add_months(month, -n)


@pytest.fixture
def org():
    return OrganizationFactory()


@pytest.fixture
def house(org):
    return HouseFactory(organization=org, common_area=D("400.00"))


@pytest.fixture
def flat(house):
    return PremisesFactory(house=house, area=D("50.50"), residents_registered=2)


@pytest.fixture
def account(flat):
    return PersonalAccountFactory(premises=flat, opened_on=datetime.date(2020, 1, 1))


def run(org, month=NOV, **kwargs) -> BillingRun:
    return billing_run(organization_id=org.pk, month=month, **kwargs)


# --- methods ----------------------------------------------------------------------------


def test_each_method_gives_volume_times_the_tariff_rounded_once(org, account):
    service(org, "Содержание", Service.Method.BY_AREA, "22.73")
    service(org, "ТКО", Service.Method.BY_NORM, "125.60", norm=D("1.2"))
    service(org, "Домофон", Service.Method.FIXED, "50.00")
    result = run(org)
    assert result.status == BillingRun.Status.DONE
    got = lines(account)
    # 50,50 m² × 22,73 = 1 147,865 → 1 147,87 (half-up)
    assert (got["Содержание"].volume, got["Содержание"].amount) == (D("50.5"), D("1147.87"))
    # 1,2 per resident × 2 residents = 2,4 × 125,60 = 301,44
    assert (got["ТКО"].volume, got["ТКО"].amount) == (D("2.4"), D("301.44"))
    assert (got["Домофон"].volume, got["Домофон"].amount) == (D("1"), D("50.00"))
    assert got["Содержание"].total == D("1147.87")
    assert result.summary["lines"] == 3 and result.summary["total"] == "1499.31"


def test_half_a_kopeck_rounds_up_on_both_databases(org, account, flat):
    # 0,125 exactly: 2,5 m² × 0,05 → 0,13, where binary floating point would give 0,12.
    flat.area = D("2.50")
    flat.save()
    service(org, "Вывоз снега", Service.Method.BY_AREA, "0.05")
    service(org, "Ремонт", Service.Method.BY_AREA, "1.07")  # 2,675 → 2,68
    run(org)
    got = lines(account)
    assert got["Вывоз снега"].amount == D("0.13")
    assert got["Ремонт"].amount == D("2.68")


def test_a_house_tariff_wins_and_the_one_in_force_on_the_first_is_used(org, account, house):
    upkeep = service(org, "Содержание", Service.Method.BY_AREA, None)
    tariff_add(service=upkeep, price=D("20.00"), valid_from=datetime.date(2026, 1, 1),
               valid_to=datetime.date(2026, 10, 31))  # fmt: skip
    tariff_add(service=upkeep, price=D("21.00"), valid_from=NOV)
    other = PersonalAccountFactory(premises=PremisesFactory(house=HouseFactory(organization=org)))
    tariff_add(service=upkeep, house=house, price=D("19.50"), valid_from=datetime.date(2026, 6, 1))
    run(org)
    assert lines(account)["Содержание"].price == D("19.5")  # the house's own
    assert lines(other)["Содержание"].price == D("21")  # the organization's from 01.11
    run(org, OCT)
    assert lines(other, OCT)["Содержание"].price == D("20")


# --- meters -------------------------------------------------------------------------------


@pytest.fixture
def cold(org):
    return service(org, "Холодная вода", Service.Method.BY_METER, "33.10",
                   resource=Meter.Resource.COLD_WATER, norm=D("4.85"))  # fmt: skip


def test_by_meter_the_difference_of_the_readings(org, account, flat, cold):
    meter = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER)
    reading(meter, OCT, "301.250")
    reading(meter, NOV, "306.370")
    run(org)
    line = lines(account)["Холодная вода"]
    assert (line.volume, line.amount) == (D("5.12"), D("169.47"))  # 5,12 × 33,10 = 169,472
    usage = MeterUsage.objects.get()
    assert (usage.start_value, usage.end_value, usage.method) == (
        D("301.25"), D("306.37"), MeterUsage.Method.READINGS,
    )  # fmt: skip


def test_two_meters_of_one_resource_add_up_and_wastewater_takes_cold_and_hot(
    org, account, flat, cold
):
    service(org, "Горячая вода", Service.Method.BY_METER, "209.02",
                  resource=Meter.Resource.HOT_WATER)  # fmt: skip
    service(org, "Водоотведение", Service.Method.BY_METER, "28.16", resource="wastewater")
    kitchen = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER)
    bathroom = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER)
    hot_meter = MeterFactory(premises=flat, resource=Meter.Resource.HOT_WATER)
    for meter, before, after in (
        (kitchen, "10", "13"),
        (bathroom, "20", "21.5"),
        (hot_meter, "5", "7.2"),
    ):
        reading(meter, OCT, before)
        reading(meter, NOV, after)
    run(org)
    got = lines(account)
    assert got["Холодная вода"].volume == D("4.5")
    assert got["Горячая вода"].volume == D("2.2") and got["Горячая вода"].amount == D("459.84")
    assert got["Водоотведение"].volume == D("6.7")  # 4,5 + 2,2
    assert got["Водоотведение"].amount == D("188.67")  # 6,7 × 28,16 = 188,672


def test_two_and_three_zone_meters_price_each_zone(org, account, flat):
    power = service(org, "Электроснабжение", Service.Method.BY_METER, None,
                    resource=Meter.Resource.ELECTRICITY, norm=D("100"))  # fmt: skip
    for zone, price in ((1, "6.02"), (2, "2.71")):
        tariff_add(service=power, price=D(price), valid_from=SEP, **{"zones": 2, "zone": zone})
    meter = MeterFactory(premises=flat, resource=Meter.Resource.ELECTRICITY, tariff_zones=2)
    reading(meter, OCT, "1000", zone=1)
    reading(meter, OCT, "500", zone=2)
    reading(meter, NOV, "1150", zone=1)
    reading(meter, NOV, "560", zone=2)
    run(org)
    got = lines(account)
    assert (got["Электроснабжение"].volume, got["Электроснабжение"].amount) == (
        D("150"),
        D("903.00"),
    )
    assert (got["Электроснабжение/2"].volume, got["Электроснабжение/2"].amount) == (
        D("60"),
        D("162.60"),
    )


def test_a_confirmed_rollover_counts_past_the_capacity(org, account, flat, cold):
    meter = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER, capacity_digits=5)
    reading(meter, OCT, "99998.5")
    reading(meter, NOV, "3.0", rollover=True)
    run(org)
    assert lines(account)["Холодная вода"].volume == D("4.5")  # 100 000 − 99 998,5 + 3


def test_a_reading_below_the_previous_is_left_out_and_reported(org, account, flat, cold):
    service(org, "Содержание", Service.Method.BY_AREA, "22.73")
    meter = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER)
    reading(meter, OCT, "120")
    reading(meter, NOV, "119")
    result = run(org)
    assert set(lines(account)) == {"Содержание"}  # everything else charged
    issue = RunIssue.objects.get(run=result)
    assert (issue.account, issue.service, issue.reason) == (
        account, cold, RunIssue.Reason.READING_BELOW,
    )  # fmt: skip
    assert meter.serial_number in issue.detail
    assert result.summary["accounts_with_issues"] == 1


def _history(meter, months: int, *, start="100", monthly="4"):
    value = D(start)
    for back in range(months, 0, -1):
        reading(meter, months_back(back), value)
        value += D(monthly)
    return value


def test_without_a_reading_the_average_of_six_months_then_the_norm_after_three(
    org, account, flat, cold
):
    meter = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER)
    value = D("100")
    for back, used in zip(range(7, 0, -1), ["0", "3", "4", "5", "6", "2", "4"], strict=True):
        value += D(used)
        reading(meter, months_back(back), value)  # six months of use: 3+4+5+6+2+4 = 24
    run(org)
    usage = MeterUsage.objects.get(period__month=NOV)
    assert (usage.volume, usage.method) == (D("4"), MeterUsage.Method.AVERAGE)
    computed = Reading.objects.get(meter=meter, period=NOV)
    assert (computed.value, computed.source) == (value + 4, Reading.Source.COMPUTED)
    assert lines(account)["Холодная вода"].amount == D("132.40")
    for month in (months_back(-1), months_back(-2)):  # December, January: still the average
        run(org, month)
        assert MeterUsage.objects.get(period__month=month).method == MeterUsage.Method.AVERAGE
    run(org, months_back(-3))  # the fourth period without readings: the norm
    usage = MeterUsage.objects.get(period__month=months_back(-3))
    assert (usage.volume, usage.method) == (D("9.7"), MeterUsage.Method.NORM)  # 4,85 × 2


def test_without_six_months_of_history_the_norm(org, account, flat, cold):
    meter = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER)
    _history(meter, 5)
    run(org)
    usage = MeterUsage.objects.get()
    assert (usage.volume, usage.method) == (D("9.7"), MeterUsage.Method.NORM)


def test_a_premises_without_a_meter_pays_the_norm_per_resident(org, account, cold):
    run(org)
    line = lines(account)["Холодная вода"]
    assert (line.volume, line.amount) == (D("9.7"), D("321.07"))  # 9,7 × 33,10 = 321,07


def test_a_late_reading_after_computed_months_catches_up_with_a_recalculation(
    org, account, flat, cold
):
    meter = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER)
    reading(meter, OCT, "200", source=Reading.Source.COMPUTED)  # billed by the average
    reading(meter, NOV, "197")  # the real reading: 3 less than billed
    run(org)
    line = lines(account)["Холодная вода"]
    assert line.volume == 0 and line.amount == 0
    assert line.recalculation == D("-99.30")  # −3 × 33,10
    recalculation = Recalculation.objects.get()
    assert recalculation.kind == Recalculation.Kind.READINGS


def test_a_replaced_meter_adds_its_last_part_to_the_new_ones(org, account, flat, cold):
    old = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER,
                       removed_on=datetime.date(2026, 11, 12))  # fmt: skip
    new = MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER,
                       installed_on=datetime.date(2026, 11, 12))  # fmt: skip
    reading(old, OCT, "500.000")
    reading(old, NOV, "502.300", kind=Reading.Kind.FINAL, source=Reading.Source.STAFF)
    reading(new, NOV, "0.000", kind=Reading.Kind.INITIAL, source=Reading.Source.STAFF)
    reading(new, NOV, "1.900")
    run(org)
    assert lines(account)["Холодная вода"].volume == D("4.2")  # 2,3 + 1,9
    methods = dict(MeterUsage.objects.values_list("meter_id", "method"))
    assert methods == {old.pk: MeterUsage.Method.REPLACEMENT, new.pk: MeterUsage.Method.READINGS}


# --- common-property share (ОДН) -------------------------------------------------------------


@pytest.fixture
def common_cold(org):
    return service(org, "Холодная вода", Service.Method.BY_METER, "30.00",
                   resource=Meter.Resource.COLD_WATER, norm=D("5"), common=True,
                   common_norm=D("0.0300"))  # fmt: skip


def _house_of_two(house, org):
    """Two flats with meters: 60 m² using 10 m³, 40 m² using 5 m³ (S_total = 100 m²)."""
    accounts = []
    for area, used in ((D("60.00"), "10"), (D("40.00"), "5")):
        premises = PremisesFactory(house=house, area=area, residents_registered=1)
        accounts.append(PersonalAccountFactory(premises=premises))
        meter = MeterFactory(premises=premises, resource=Meter.Resource.COLD_WATER)
        reading(meter, OCT, "100")
        reading(meter, NOV, D("100") + D(used))
    return accounts


def test_the_house_meter_less_individual_use_is_split_by_area_up_to_the_norm(org, common_cold):
    house = HouseFactory(organization=org, common_area=D("400.00"))
    big, small = _house_of_two(house, org)
    # House meter 20 m³ − (10 + 5) = 5 m³ over the common area; cap 0,03 × 400 = 12 m³.
    HouseResourceVolume.objects.create(
        house=house, month=NOV, resource="cold_water", volume=D("20")
    )
    run(org)
    assert (lines(big)["Холодная вода"].common_volume, lines(big)["Холодная вода"].common_amount) == (
        D("3"), D("90.00"),
    )  # 5 × 60/100  # fmt: skip
    assert lines(small)["Холодная вода"].common_volume == D("2")
    assert lines(small)["Холодная вода"].total == D("150.00") + D("60.00")


def test_the_common_share_is_capped_at_the_norm_unless_the_house_decided_otherwise(
    org, common_cold
):
    house = HouseFactory(organization=org, common_area=D("100.00"))
    big, _small = _house_of_two(house, org)
    # 40 − 15 = 25 m³ available, the cap is 0,03 × 100 = 3 m³.
    HouseResourceVolume.objects.create(
        house=house, month=NOV, resource="cold_water", volume=D("40")
    )
    run(org)
    assert lines(big)["Холодная вода"].common_volume == D("1.8")  # 3 × 0,6
    house.common_cap_lifted = True
    house.save()
    run(org)
    assert lines(big)["Холодная вода"].common_volume == D("15")  # 25 × 0,6


def test_a_house_meter_showing_less_than_the_flats_gives_no_common_share(org, common_cold):
    house = HouseFactory(organization=org, common_area=D("100.00"))
    big, _small = _house_of_two(house, org)
    HouseResourceVolume.objects.create(
        house=house, month=NOV, resource="cold_water", volume=D("12")
    )
    run(org)
    assert lines(big)["Холодная вода"].common_volume == 0


def test_without_a_house_meter_the_norm_for_the_common_area(org, common_cold):
    house = HouseFactory(organization=org, common_area=D("100.00"))
    big, small = _house_of_two(house, org)
    run(org)
    # 0,03 × 100 × 60/100 = 1,8 and × 40/100 = 1,2
    assert lines(big)["Холодная вода"].common_volume == D("1.8")
    assert lines(small)["Холодная вода"].common_volume == D("1.2")
    assert lines(small)["Холодная вода"].common_amount == D("36.00")


def test_shares_that_do_not_divide_evenly_round_to_six_places(org, common_cold):
    house = HouseFactory(organization=org, common_area=D("100.00"))
    premises = [
        PremisesFactory(house=house, area=D("33.33"), residents_registered=1) for _ in range(3)
    ]
    accounts = [PersonalAccountFactory(premises=p) for p in premises]
    run(org)
    # 3 × 33,33 / 99,99 = 1 m³ each, exactly
    assert [lines(a)["Холодная вода"].common_volume for a in accounts] == [D("1")] * 3
    PremisesFactory(house=house, area=D("0.01"))  # a storeroom without an account
    run(org)
    # 3 × 33,33 / 100,00 = 0,9999 each
    assert lines(accounts[0])["Холодная вода"].common_volume == D("0.9999")


def test_no_common_area_and_no_house_meter_is_reported(org, common_cold):
    house = HouseFactory(organization=org, common_area=None)
    big, _small = _house_of_two(house, org)
    result = run(org)
    assert lines(big)["Холодная вода"].common_volume == 0  # the individual part is charged
    assert lines(big)["Холодная вода"].amount == D("300.00")
    assert RunIssue.objects.filter(run=result, reason=RunIssue.Reason.NO_HOUSE_AREA).count() == 2


# --- recalculations -------------------------------------------------------------------------


def test_temporary_absence_reduces_what_is_billed_without_a_meter(org, account, cold):
    service(org, "ТКО", Service.Method.BY_NORM, "125.60", norm=D("1"))
    service(org, "Отопление", Service.Method.BY_AREA, "38.52", resource="heating")
    # Away 05.11-16.11: 10 full days (6th to 15th), one of the two residents.
    TemporaryAbsence.objects.create(
        account=account, departed_on=datetime.date(2026, 11, 5),
        returned_on=datetime.date(2026, 11, 16), persons=1, document="билеты",
    )  # fmt: skip
    run(org)
    got = lines(account)
    # ТКО 2 × 125,60 = 251,20 × 10/30 × 1/2 = 41,866… → −41,87
    assert got["ТКО"].recalculation == D("-41.87")
    assert got["ТКО"].total == D("209.33")
    # Cold water by the norm (no meter): 9,7 × 33,10 = 321,07 × 10/60 = 53,51
    assert got["Холодная вода"].recalculation == D("-53.51")
    assert got["Отопление"].recalculation == 0  # heating is never recalculated
    grounds = Recalculation.objects.get(service__name="ТКО").reason
    assert "05.11.2026–16.11.2026" in grounds and "10 дн." in grounds and "билеты" in grounds


def test_five_full_days_away_change_nothing(org, account):
    service(org, "ТКО", Service.Method.BY_NORM, "125.60", norm=D("1"))
    TemporaryAbsence.objects.create(
        account=account, departed_on=datetime.date(2026, 11, 5),
        returned_on=datetime.date(2026, 11, 11), persons=2, document="справка",
    )  # fmt: skip
    run(org)
    assert lines(account)["ТКО"].recalculation == 0


def test_a_recalculation_of_a_closed_period_lands_in_the_next_open_one(org, account):
    upkeep = service(org, "Содержание", Service.Method.BY_AREA, "22.73")
    run(org, OCT)
    period_close(period=BillingPeriod.objects.get(month=OCT))
    staff = UserFactory(is_staff=True)
    correction = recalculation_add(
        account=account, service=upkeep, concerns_month=OCT, volume=D("-10.5"),
        reason="Площадь уточнена по техпаспорту", user=staff,
    )  # fmt: skip
    assert correction.period.month == NOV and correction.amount == D("-238.67")
    october = lines(account, OCT)["Содержание"]
    assert october.recalculation == 0  # the closed period is untouched
    run(org)
    november = lines(account)["Содержание"]
    assert november.recalculation == D("-238.67")
    assert november.total == D("1147.87") - D("238.67")


def test_a_recalculation_needs_grounds_and_one_of_sum_or_volume(org, account):
    upkeep = service(org, "Содержание", Service.Method.BY_AREA, "22.73")
    with pytest.raises(ValidationError, match="основание"):
        recalculation_add(
            account=account, service=upkeep, concerns_month=NOV, amount=D("1"), reason=" "
        )
    with pytest.raises(ValidationError, match="либо сумму, либо объем"):
        recalculation_add(account=account, service=upkeep, concerns_month=NOV, reason="x")
    with pytest.raises(ValidationError, match="нулевой"):
        recalculation_add(
            account=account, service=upkeep, concerns_month=NOV, amount=D("0.001"), reason="x"
        )


def test_a_recalculation_without_a_charge_gets_its_own_line(org, account):
    intercom = service(org, "Домофон", Service.Method.FIXED, None)  # no tariff: no charge
    recalculation_add(account=account, service=intercom, concerns_month=NOV, amount=D("-50"),
                      reason="Домофон не работал в октябре")  # fmt: skip
    result = run(org)
    line = lines(account)["Домофон"]
    assert (line.amount, line.recalculation, line.total, line.tariff) == (
        0,
        D("-50"),
        D("-50"),
        None,
    )
    assert RunIssue.objects.filter(run=result, reason=RunIssue.Reason.NO_TARIFF).count() == 1


# --- runs, re-runs, closing ---------------------------------------------------------------------


@pytest.fixture
def busy_org(org, settings):
    """Three houses of four flats, chunks of at most 5 accounts: three chunks."""
    settings.BILLING_RUN_CHUNK_ACCOUNTS = 5
    return busy_organization(org)


def test_running_an_open_period_again_gives_the_same_lines(busy_org):
    first = run(busy_org)
    assert first.chunks.count() == 3 and first.accounts == 12
    lines_first = snapshot(busy_org)
    assert len(lines_first) == 36
    second = run(busy_org)
    assert snapshot(busy_org) == lines_first
    assert second.summary["total"] == first.summary["total"]
    assert Reading.objects.filter(source=Reading.Source.COMPUTED).count() == 0


def test_a_rerun_takes_a_late_reading_and_a_new_tariff(busy_org):
    run(busy_org)
    before = dict(((a, s), t) for a, s, *_rest, t in snapshot(busy_org))
    upkeep = Service.objects.get(name="Содержание")
    tariff_close(tariff=upkeep.tariffs.get(), valid_to=datetime.date(2026, 10, 31))
    tariff_add(service=upkeep, price=D("23.00"), valid_from=NOV)
    run(busy_org)
    after = dict(((a, s), t) for a, s, *_rest, t in snapshot(busy_org))
    assert len(after) == len(before)
    assert all(after[key] > before[key] for key in after if key[1] == upkeep.pk)


def test_a_dry_run_reports_the_changes_and_writes_nothing(busy_org):
    run(busy_org)
    lines_before = snapshot(busy_org)
    upkeep = Service.objects.get(name="Содержание")
    tariff_close(tariff=upkeep.tariffs.get(), valid_to=datetime.date(2026, 10, 31))
    tariff_add(service=upkeep, price=D("23.00"), valid_from=NOV)
    dry = run(busy_org, dry_run=True)
    assert snapshot(busy_org) == lines_before
    changes = dry.summary["changes"]
    assert (changes["added"], changes["removed"], changes["changed"]) == (0, 0, 12)
    assert (
        D(changes["total_after"]) - D(changes["total_before"])
        == sum((D("0.27") * (40 + flat) for flat in range(4)), D(0)).quantize(D("0.01")) * 3
    )


def test_a_closed_period_refuses_a_run_and_any_change(busy_org):
    run(busy_org)
    period = BillingPeriod.objects.get(month=NOV)
    period_close(period=period, user=UserFactory())
    lines_frozen = snapshot(busy_org)
    with pytest.raises(RunRefused, match="закрыт"):
        run(busy_org)
    line = Charge.objects.filter(period=period).first()
    for statement in (
        f"UPDATE billing_charge SET amount = 0 WHERE id = {line.pk}",
        f"DELETE FROM billing_charge WHERE id = {line.pk}",
    ):
        with pytest.raises((IntegrityError, DatabaseError), match="период закрыт"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    assert snapshot(busy_org) == lines_frozen


def test_closing_goes_month_by_month_and_needs_a_computed_period(busy_org):
    run(busy_org, OCT)
    run(busy_org)
    with pytest.raises(RunRefused, match="Сначала закройте период октябрь 2026"):
        period_close(period=BillingPeriod.objects.get(month=NOV))
    period_close(period=BillingPeriod.objects.get(month=OCT))
    empty = BillingPeriod.objects.create(organization=busy_org, month=SEP)
    with pytest.raises(RunRefused, match="еще не рассчитан"):
        period_close(period=empty)


def test_closing_is_refused_while_a_run_is_in_progress(busy_org):
    run(busy_org)
    started = run(busy_org, background=True)  # the chunks wait for a worker
    assert started.chunks.filter(status="pending").count() == 3
    with pytest.raises(RunRefused, match="рассчитывается"):
        period_close(period=BillingPeriod.objects.get(month=NOV))


def test_in_the_background_the_chunks_go_to_the_task_workers(busy_org, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    result = run(busy_org, background=True)
    result.refresh_from_db()
    assert result.status == BillingRun.Status.DONE
    assert len(snapshot(busy_org)) == 36


def test_the_run_bills_what_residents_submit_and_without_it_the_computed_use(
    org, account, flat, cold
):
    """Issue 15's half: readings given through the resident's form are billed; a meter
    without one is billed by substitution, its reading stored as computed."""
    from kabinet.meters.services import Entry, readings_submit

    given, silent = (
        MeterFactory(premises=flat, resource=Meter.Resource.COLD_WATER, decimal_places=3)
        for _ in range(2)
    )
    value = D("100")
    for back in range(7, 0, -1):  # six months of real use, 4 m³ a month, for both
        reading(given, months_back(back), value)
        reading(silent, months_back(back), value)
        value += 4
    resident = UserFactory()
    submitted = readings_submit(
        account=account, entries=[Entry(meter=given, zone=1, value=value + D("2.5"))],
        user=resident, key="form-1",
        at=datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC),
    )  # fmt: skip
    assert submitted.period == NOV
    run(org)
    usage = {u.meter_id: u for u in MeterUsage.objects.filter(period__month=NOV)}
    assert (usage[given.pk].volume, usage[given.pk].method) == (D("6.5"), "readings")
    assert (usage[silent.pk].volume, usage[silent.pk].method) == (D("4"), "average")
    assert lines(account)["Холодная вода"].volume == D("10.5")
    assert Reading.objects.get(meter=silent, period=NOV).source == Reading.Source.COMPUTED
    assert Reading.objects.get(meter=given, period=NOV).source == Reading.Source.RESIDENT


def test_on_postgresql_the_run_refreshes_the_statistics_as_the_month_fills(busy_org):
    """After chunks 1 and 2 of three (1, 2, 4, 8…), not after the 3rd; SQLite needs none
    (its statements keep their order of joins: run/sql.py)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run(busy_org)
    analyses = [i for i, sql in enumerate(statements) if sql.startswith("ANALYZE")]
    if connection.vendor != "postgresql":
        assert analyses == []
        return
    assert len(analyses) == 2
    assert all("billing_charge" in statements[i] for i in analyses)
    chunk_done = [i for i, sql in enumerate(statements) if "billing_runchunk" in sql
                  and sql.startswith("UPDATE") and '"lines"' in sql]  # fmt: skip
    assert len(chunk_done) == 3
    assert chunk_done[0] < analyses[0] < chunk_done[1] < analyses[1] < chunk_done[2]

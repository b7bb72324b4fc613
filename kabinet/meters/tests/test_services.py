"""The reading rules as services apply them, on the reference account of Fig. 5 (ОАО
«Камал», account 1234567): cold water ХВ-0154-11 (3 decimals) read 301,250 / 311,770 /
322,970 / 334,910 at the end of July-October 2014, hot water ГВ-0154-12, electricity
Э-77415401 (no decimals) 10 512 / 10 697 / 10 890 / 11 092. November 2014 is open; the
window is days 15-25."""

import datetime
import uuid
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from kabinet.billing.models import BillingPeriod
from kabinet.demo.reference import reference_load
from kabinet.meters import services
from kabinet.meters.models import Meter, Reading, ReadingSubmission
from kabinet.meters.services import Entry, NewMeter, ReadingsRefused
from tests.factories import MeterFactory, UserFactory

from .helpers import counting, meter_with_history, msk

pytestmark = pytest.mark.django_db

NOV, DEC, OCT = datetime.date(2014, 11, 1), datetime.date(2014, 12, 1), datetime.date(2014, 10, 1)


@pytest.fixture
def kamal():
    return reference_load()


@pytest.fixture
def resident(kamal):
    return UserFactory(username="muravyev")


@pytest.fixture
def staff():
    return UserFactory(username="operator", is_staff=True)


def meters(account) -> dict[str, Meter]:
    return {m.resource: m for m in account.premises.meters.all()}


def submit(account, user, *entries, at=None, key=None, **kwargs):
    return services.readings_submit(
        account=account,
        entries=list(entries),
        user=user,
        key=key or uuid.uuid4().hex,
        ip="192.0.2.7",
        at=at or msk(2014, 11, 20),
        **kwargs,
    )


def cold(account, value, **flags):
    return Entry(meters(account)["cold_water"], 1, D(value), **flags)


def power(account, value, **flags):
    return Entry(meters(account)["electricity"], 1, D(value), **flags)


# --- accepted, corrected, history -------------------------------------------------------


def test_a_reading_counts_for_the_month_and_is_kept_in_the_history(kamal, resident):
    result = submit(kamal, resident, cold(kamal, "340.100"), power(kamal, "11290"))
    assert result.period == NOV and not result.duplicate
    by_meter = {a.meter.resource: a for a in result.accepted}
    assert by_meter["cold_water"].use == D("5.190")  # 340,100 − 334,910
    assert by_meter["electricity"].use == D("198")
    reading = counting(meters(kamal)["cold_water"], NOV)
    assert (reading.value, reading.source, reading.rollover) == (D("340.100"), "resident", False)
    row = ReadingSubmission.objects.get(meter=meters(kamal)["cold_water"])
    assert (row.value, row.period, row.user, row.ip_address, row.channel, row.source) == (
        D("340.100"), NOV, resident, "192.0.2.7", "cabinet", "resident",
    )  # fmt: skip


def test_a_correction_before_the_cutoff_replaces_the_value_and_keeps_the_first(kamal, resident):
    submit(kamal, resident, cold(kamal, "340.100"), at=msk(2014, 11, 20))
    result = submit(kamal, resident, cold(kamal, "339.000"), at=msk(2014, 11, 25, 23, 59, 59))
    assert result.period == NOV
    assert result.accepted[0].replaced_value == D("340.100")
    assert counting(meters(kamal)["cold_water"], NOV).value == D("339.000")
    history = ReadingSubmission.objects.filter(meter=meters(kamal)["cold_water"]).order_by("id")
    assert [s.value for s in history] == [D("340.100"), D("339.000")]
    assert "заменило 340,100 (передано жильцом)" in history[1].note


def test_after_the_cutoff_a_reading_counts_for_the_next_month(kamal, resident):
    submit(kamal, resident, cold(kamal, "340.100"), at=msk(2014, 11, 20))
    result = submit(kamal, resident, cold(kamal, "341.000"), at=msk(2014, 11, 26, 0, 0, 0))
    assert result.period == DEC
    assert counting(meters(kamal)["cold_water"], NOV).value == D("340.100")  # November stays
    assert counting(meters(kamal)["cold_water"], DEC).value == D("341.000")
    assert result.accepted[0].use == D("0.900")  # against November's reading


def test_an_equal_reading_is_zero_use(kamal, resident):
    result = submit(kamal, resident, cold(kamal, "334.910"))
    assert result.accepted[0].use == D("0")


def test_a_value_already_counting_is_not_recorded_again(kamal, resident):
    submit(kamal, resident, cold(kamal, "340.100"), power(kamal, "11290"))
    result = submit(kamal, resident, cold(kamal, "340.100"), power(kamal, "11300"))
    assert [a.meter.resource for a in result.accepted] == ["electricity"]
    with pytest.raises(ReadingsRefused, match="Показания не изменились"):
        submit(kamal, resident, cold(kamal, "340.100"))
    assert ReadingSubmission.objects.count() == 3


# --- refused: below the previous one, rollover, jumps -------------------------------------


def test_a_lower_value_is_refused_and_nothing_is_written(kamal, resident):
    with pytest.raises(ReadingsRefused) as refused:
        submit(kamal, resident, power(kamal, "11290"), cold(kamal, "330.000"))
    (place, problems), = refused.value.problems.items()  # fmt: skip
    assert place == (meters(kamal)["cold_water"].pk, 1)
    assert problems[0].code == "below_previous" and not problems[0].rollover_possible
    assert problems[0].message == (
        "Показание не может быть меньше предыдущего: 334,910 за октябрь 2014. "
        "Проверьте цифры на счетчике."
    )
    assert not Reading.objects.filter(period=NOV).exists()  # the valid one neither
    assert not ReadingSubmission.objects.exists()


@pytest.fixture
def gas(kamal):
    """A 4-digit gas meter near the end of its dial: 9 950, 9 975, 9 990 (Aug-Oct)."""
    return meter_with_history(
        kamal.premises, [9950, 9975, 9990], start=datetime.date(2014, 8, 1),
        resource=Meter.Resource.GAS, serial_number="Г-0154-13", capacity_digits=4,
    )  # fmt: skip


def test_a_rollover_is_offered_then_accepted_when_confirmed(kamal, resident, gas):
    with pytest.raises(ReadingsRefused) as refused:
        submit(kamal, resident, Entry(gas, 1, D("12")))
    problem = refused.value.problems[(gas.pk, 1)][0]
    assert problem.code == "rollover" and problem.rollover_possible
    assert "Если счетчик дошел до 9999 и начал счет с нуля" in problem.message
    result = submit(kamal, resident, Entry(gas, 1, D("12"), rollover=True))
    assert result.accepted[0].use == D("22")  # 10 000 − 9 990 + 12
    assert counting(gas, NOV).rollover is True
    assert ReadingSubmission.objects.get(meter=gas).rollover is True


def test_a_rollover_is_not_offered_when_it_is_not_plausible(kamal, resident):
    # 11 092 → 100 through zero would be 89 008 kWh: more than half the dial.
    with pytest.raises(ReadingsRefused) as refused:
        submit(kamal, resident, power(kamal, "100", rollover=True))
    assert refused.value.problems[(meters(kamal)["electricity"].pk, 1)][0].code == "below_previous"


def test_a_rollover_tick_on_a_higher_value_changes_nothing(kamal, resident):
    submit(kamal, resident, cold(kamal, "340.100", rollover=True))
    assert counting(meters(kamal)["cold_water"], NOV).rollover is False


def test_a_use_above_three_averages_asks_for_confirmation(kamal, resident):
    # Cold water used 10,520 + 11,200 + 11,940 in Aug-Oct: 11,220 a month on average.
    # 334,910 + 33,660 = 3 × average exactly: accepted; one more litre asks.
    submit(kamal, resident, cold(kamal, "368.570"), key="a")
    with pytest.raises(ReadingsRefused) as refused:
        submit(kamal, resident, cold(kamal, "368.571"), key="b")
    problem = refused.value.problems[(meters(kamal)["cold_water"].pk, 1)][0]
    assert problem.code == "jump" and problem.jump
    assert "Расход 33,661 м³ в месяц — больше трех средних (в среднем 11,220 м³ в месяц)" in (
        problem.message
    )
    result = submit(kamal, resident, cold(kamal, "368.571", jump_confirmed=True), key="c")
    assert result.accepted[0].value == D("368.571")
    assert ReadingSubmission.objects.get(key="c").jump_confirmed is True


def test_a_gap_divides_the_use_by_the_months_it_covers(kamal, resident):
    # January 2015: three months since October. 3 × 3 × 11,22 = 100,98 is still plausible.
    at = msk(2015, 1, 20)
    submit(kamal, resident, cold(kamal, "435.890"), at=at)
    assert counting(meters(kamal)["cold_water"], datetime.date(2015, 1, 1)).value == D("435.890")


def test_without_history_there_is_no_average_to_compare(kamal, resident):
    fresh = MeterFactory(premises=kamal.premises, serial_number="ХВ-НОВЫЙ", decimal_places=3)
    submit(kamal, resident, Entry(fresh, 1, D("99999.999")))  # anything within the dial


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("340.1001", "Слишком много знаков после запятой: у этого счетчика их 3."),
        ("100000", "Слишком много цифр: у этого счетчика их 5 до запятой"),
    ],
)
def test_digits_and_decimals_are_checked_by_the_service_too(kamal, resident, value, message):
    with pytest.raises(ReadingsRefused, match=message):
        submit(kamal, resident, cold(kamal, value))


# --- sources: staff, computed, closed months -----------------------------------------------


def test_a_resident_cannot_replace_a_value_entered_by_staff(kamal, resident, staff):
    services.reading_enter(
        meter=meters(kamal)["cold_water"], period=NOV, value=D("340.000"), user=staff, key="s1"
    )
    with pytest.raises(ReadingsRefused, match="уже внесла управляющая организация: 340,000"):
        submit(kamal, resident, cold(kamal, "341.000"))
    assert counting(meters(kamal)["cold_water"], NOV).source == "staff"


def test_staff_replace_a_residents_value(kamal, resident, staff):
    submit(kamal, resident, cold(kamal, "340.100"))
    accepted = services.reading_enter(
        meter=meters(kamal)["cold_water"], period=NOV, value=D("340.000"), user=staff, key="s1"
    )
    assert accepted.status == "replaced" and accepted.replaced_source == "resident"
    reading = counting(meters(kamal)["cold_water"], NOV)
    assert (reading.value, reading.source) == (D("340.000"), "staff")


def test_a_resident_replaces_a_computed_value_of_an_open_month(kamal, resident):
    Reading.objects.create(
        meter=meters(kamal)["cold_water"], period=NOV, value=D("346.130"), source="computed"
    )
    result = submit(kamal, resident, cold(kamal, "340.100"))
    assert result.period == NOV
    assert result.accepted[0].replaced_source == "computed"
    assert counting(meters(kamal)["cold_water"], NOV).source == "resident"
    assert "заменило 346,130 (расчетное" in ReadingSubmission.objects.get().note


def test_a_closed_month_keeps_its_computed_value_and_the_reading_counts_for_the_next(
    kamal, resident
):
    computed = Reading.objects.create(
        meter=meters(kamal)["cold_water"], period=NOV, value=D("346.130"), source="computed"
    )
    BillingPeriod.objects.create(organization=kamal.organization, month=NOV, is_closed=True)
    result = submit(kamal, resident, cold(kamal, "347.000"), at=msk(2014, 11, 20))
    assert result.period == DEC
    computed.refresh_from_db()
    assert (computed.value, computed.source) == (D("346.130"), "computed")
    assert counting(meters(kamal)["cold_water"], DEC).value == D("347.000")
    assert result.accepted[0].use == D("0.870")  # against the computed November value


def test_staff_cannot_change_a_closed_month(kamal, staff):
    # August-October 2014 are closed in the demo.
    with pytest.raises(ValidationError, match="Месяц октябрь 2014 закрыт"):
        services.reading_enter(
            meter=meters(kamal)["cold_water"], period=OCT, value=D("335"), user=staff, key="s"
        )


# --- the same form twice ----------------------------------------------------------------


def test_the_same_form_sent_twice_records_one_submission(kamal, resident):
    first = submit(kamal, resident, cold(kamal, "340.100"), power(kamal, "11290"), key="k1")
    second = submit(kamal, resident, cold(kamal, "340.100"), power(kamal, "11290"), key="k1")
    assert not first.duplicate and second.duplicate
    assert {a.value for a in second.accepted} == {D("340.100"), D("11290")}
    assert ReadingSubmission.objects.count() == 2
    assert Reading.objects.filter(period=NOV).count() == 2


def test_a_kept_page_sent_again_with_other_values_is_refused_as_stale(kamal, resident):
    submit(kamal, resident, cold(kamal, "340.100"), key="k1")
    with pytest.raises(ReadingsRefused) as refused:
        submit(kamal, resident, cold(kamal, "345.000"), key="k1")
    assert refused.value.stale_form
    assert counting(meters(kamal)["cold_water"], NOV).value == D("340.100")


def test_a_meter_of_other_premises_is_refused(kamal, resident):
    other = MeterFactory()
    with pytest.raises(ReadingsRefused, match="не найден"):
        submit(kamal, resident, Entry(other, 1, D("5")))
    assert not Reading.objects.filter(meter=other).exists()


def test_a_removed_meter_takes_no_readings_from_residents(kamal, resident):
    water = meters(kamal)["cold_water"]
    Meter.objects.filter(pk=water.pk).update(removed_on=datetime.date(2014, 11, 10))
    with pytest.raises(ReadingsRefused, match="не найден"):
        submit(kamal, resident, cold(kamal, "340.100"))


# --- staff entries --------------------------------------------------------------------------


def test_staff_entries_are_idempotent_by_key(kamal, staff):
    water = meters(kamal)["cold_water"]
    first = services.reading_enter(meter=water, period=NOV, value=D("340"), user=staff, key="x")
    again = services.reading_enter(meter=water, period=NOV, value=D("340"), user=staff, key="x")
    assert (first.status, again.status) == ("new", "duplicate")
    same = services.reading_enter(meter=water, period=NOV, value=D("340"), user=staff, key="y")
    assert same.status == "unchanged"
    assert ReadingSubmission.objects.count() == 1


def test_staff_entries_follow_the_same_rules(kamal, staff):
    water = meters(kamal)["cold_water"]
    with pytest.raises(ReadingsRefused, match="не может быть меньше предыдущего"):
        services.reading_enter(meter=water, period=NOV, value=D("330"), user=staff, key="x")
    # A correction of an old month cannot go above the month after it.
    BillingPeriod.objects.filter(organization=kamal.organization).update(is_closed=False)
    with pytest.raises(ReadingsRefused, match="больше следующего: 334,910 за октябрь 2014"):
        services.reading_enter(
            meter=water, period=datetime.date(2014, 9, 1), value=D("335"), user=staff, key="y"
        )


def test_initial_and_final_readings_belong_to_the_installation_and_removal_months(kamal, staff):
    water = meters(kamal)["cold_water"]
    with pytest.raises(ValidationError, match="за месяц установки: май 2012"):
        services.reading_enter(
            meter=water, period=NOV, value=D("1"), user=staff, key="x", kind="initial"
        )
    with pytest.raises(ValidationError, match="Заменить счетчик"):
        services.reading_enter(
            meter=water, period=NOV, value=D("1"), user=staff, key="x", kind="final"
        )
    with pytest.raises(ValidationError, match="не работал"):
        services.reading_enter(
            meter=water, period=datetime.date(2012, 1, 1), value=D("1"), user=staff, key="x"
        )
    with pytest.raises(ValidationError, match="зон"):
        services.reading_enter(meter=water, period=NOV, value=D("1"), user=staff, key="x", zone=2)


# --- installing and replacing meters -------------------------------------------------------


def test_replacing_a_meter_records_final_and_initial_readings_at_once(kamal, staff):
    water = meters(kamal)["cold_water"]
    new = meters_new = services.meter_replace(
        meter=water,
        removed_on=datetime.date(2014, 11, 12),
        final_values={1: D("337.400")},
        new=NewMeter(
            serial_number="ХВ-0154-21", installed_on=datetime.date(2014, 11, 12),
            capacity_digits=5, decimal_places=3, next_verification_on=datetime.date(2020, 11, 12),
        ),
        initial_values={1: D("0.012")},
        user=staff,
        key="r1",
    )  # fmt: skip
    water.refresh_from_db()
    assert water.removed_on == datetime.date(2014, 11, 12)
    final = counting(water, NOV, kind="final")
    assert (final.value, final.source) == (D("337.400"), "staff")
    assert (new.premises, new.resource) == (kamal.premises, "cold_water")
    initial = counting(meters_new, NOV, kind="initial")
    assert initial.value == D("0.012")
    channels = set(ReadingSubmission.objects.values_list("channel", flat=True))
    assert channels == {"replace"}
    assert ReadingSubmission.objects.count() == 2


def test_a_refused_replacement_leaves_everything_as_it_was(kamal, staff):
    water = meters(kamal)["cold_water"]
    with pytest.raises(ReadingsRefused, match="меньше предыдущего"):
        services.meter_replace(
            meter=water,
            removed_on=datetime.date(2014, 11, 12),
            final_values={1: D("300")},
            new=NewMeter(serial_number="ХВ-0154-21", installed_on=datetime.date(2014, 11, 12)),
            initial_values={1: D("0")},
            user=staff,
            key="r1",
        )
    water.refresh_from_db()
    assert water.removed_on is None
    assert not Meter.objects.filter(serial_number="ХВ-0154-21").exists()
    assert not Reading.objects.filter(period=NOV).exists()
    # A new meter that breaks a rule (its serial is taken) also leaves the old one in place.
    with pytest.raises(ValidationError):
        services.meter_replace(
            meter=water,
            removed_on=datetime.date(2014, 11, 12),
            final_values={1: D("337")},
            new=NewMeter(serial_number="ХВ-0154-11", installed_on=datetime.date(2014, 11, 12)),
            initial_values={1: D("0")},
            user=staff,
            key="r2",
        )
    water.refresh_from_db()
    assert water.removed_on is None


def test_installing_a_meter_records_its_initial_reading_per_zone(kamal, staff):
    meter = services.meter_install(
        premises=kamal.premises,
        resource=Meter.Resource.ELECTRICITY,
        new=NewMeter(
            serial_number="Э-2Т-0001", installed_on=datetime.date(2014, 11, 3), tariff_zones=2,
            capacity_digits=6,
        ),
        initial_values={1: D("1"), 2: D("0")},
        user=staff,
        key="i1",
    )  # fmt: skip
    assert [(r.zone, r.kind, r.value) for r in meter.readings.order_by("zone")] == [
        (1, "initial", D("1")),
        (2, "initial", D("0")),
    ]
    with pytest.raises(ValidationError, match="каждой тарифной зоны"):
        services.meter_install(
            premises=kamal.premises, resource=Meter.Resource.ELECTRICITY,
            new=NewMeter(serial_number="Э-2Т-0002", installed_on=datetime.date(2014, 11, 3),
                         tariff_zones=2),
            initial_values={1: D("1")}, user=staff, key="i2",
        )  # fmt: skip


def test_the_history_of_submissions_is_append_only(kamal, resident):
    submit(kamal, resident, cold(kamal, "340.100"))
    row = ReadingSubmission.objects.get()
    row.value = D("1")
    with pytest.raises(TypeError, match="append-only"):
        row.save()
    with pytest.raises(TypeError, match="append-only"):
        row.delete()
    with pytest.raises(TypeError, match="append-only"):
        ReadingSubmission.objects.update(value=D("1"))
    with pytest.raises(TypeError, match="append-only"):
        ReadingSubmission.objects.all().delete()

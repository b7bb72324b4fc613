"""A generator of realistic registries: houses, premises, accounts, meters and their
readings, written with `bulk_create` in chunks; then each month is charged by the billing
run and paid (`accounts_generate`).

Rows are built with primary keys allocated up front, so one chunk's houses, premises,
accounts, meters and readings refer to each other without round trips; `rows_write`
then inserts them in dependency order. 100 000 accounts with 12 services load in a few
minutes on SQLite or PostgreSQL (`make bench` reports the generator's throughput against
a bare `bulk_create` of the same rows, and the billing run's against `INSERT … SELECT`).
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal as D

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Sum
from django.utils import timezone

from kabinet.billing.models import (
    WASTEWATER,
    BillingPeriod,
    Charge,
    HouseResourceVolume,
    Payment,
    Penalty,
    PeriodTotal,
    Service,
    Tariff,
)
from kabinet.billing.run import billing_run, period_close
from kabinet.core.money import round_money
from kabinet.core.periods import add_months
from kabinet.housing.models import House, Organization, PersonalAccount, Premises
from kabinet.meters.models import Meter, Reading

CHUNK_ACCOUNTS = 2000
BATCH_SIZE = 2000
TWO_ZONE_SHARE = 0.2  # premises with a day/night electricity meter
MISSED_READING = 0.05  # months a resident does not submit a reading
HOUSE_METER_EVERY = 3  # two houses in three have a common (house) meter
COMMON_SHARE = D("0.25")  # common property's area against the flats' (stairs, basement…)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    unit: str
    method: str
    old_price: D
    new_price: D
    resource: str = ""  # for metered services
    norm: D | None = None  # per resident a month: by norm, or metered without readings
    supplier: str = ""  # key into SUPPLIERS; empty: the company itself
    common_norm: D | None = None  # per m² of common area: the common-property share
    night_prices: tuple[D, D] | None = None  # two-zone electricity: (old, new) night price


SUPPLIERS = {
    "water": ('АО "Челныводоканал"', "1650032058"),
    "power": ('АО "Татэнергосбыт"', "1657036630"),
    "heat": ('ООО "Челныинвестэнерго"', "1650207821"),
    "waste": ('ООО "Гринта"', "1655397323"),
    "intercom": ('ООО "Домофон-Сервис"', "1650123456"),
}

M = Service.Method
SERVICES = [
    ServiceSpec("Содержание жилого помещения", "кв. м", M.BY_AREA, D("21.40"), D("22.73")),
    ServiceSpec("Текущий ремонт", "кв. м", M.BY_AREA, D("4.12"), D("4.38")),
    ServiceSpec("Уборка лестничных клеток", "кв. м", M.BY_AREA, D("1.92"), D("2.04")),
    ServiceSpec("Холодное водоснабжение", "м³", M.BY_METER, D("31.17"), D("33.10"),
                resource=Meter.Resource.COLD_WATER, norm=D("4.85"), supplier="water",
                common_norm=D("0.0270")),
    ServiceSpec("Горячее водоснабжение", "м³", M.BY_METER, D("196.84"), D("209.02"),
                resource=Meter.Resource.HOT_WATER, norm=D("3.45"), supplier="heat",
                common_norm=D("0.0270")),
    ServiceSpec("Водоотведение", "м³", M.BY_METER, D("26.52"), D("28.16"),
                resource=WASTEWATER, norm=D("8.30"), supplier="water"),
    ServiceSpec("Электроснабжение", "кВт·ч", M.BY_METER, D("4.83"), D("5.13"),
                resource=Meter.Resource.ELECTRICITY, norm=D("80"), supplier="power",
                common_norm=D("0.5600"), night_prices=(D("2.41"), D("2.57"))),
    ServiceSpec("Отопление", "кв. м", M.BY_AREA, D("36.2716"), D("38.5224"),
                resource=Meter.Resource.HEATING, supplier="heat"),
    ServiceSpec("Обращение с ТКО", "чел.", M.BY_NORM, D("118.27"), D("125.60"),
                norm=D("1"), supplier="waste"),
    ServiceSpec("Газоснабжение", "чел.", M.BY_NORM, D("62.40"), D("66.20"), norm=D("1")),
    ServiceSpec("Домофон", "мес.", M.FIXED, D("45.00"), D("50.00"), supplier="intercom"),
    ServiceSpec("Вывоз снега", "кв. м", M.BY_AREA, D("0.55"), D("0.58")),
]  # fmt: skip

# Typical monthly use per premises: (low, high)
CONSUMPTION = {
    Meter.Resource.COLD_WATER: (D("3.0"), D("9.0")),
    Meter.Resource.HOT_WATER: (D("2.0"), D("6.0")),
    Meter.Resource.ELECTRICITY: (D("90"), D("320")),
}


@dataclass
class Company:
    """An organization with its services and dated tariffs, ready for generation."""

    organization: Organization
    services: list[tuple[Service, ServiceSpec]]


@dataclass
class Rows:
    """One chunk's rows, keyed by model, in insertion order."""

    by_model: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)

    def add(self, row: models.Model) -> models.Model:
        self.by_model.setdefault(type(row), []).append(row)
        return row


class IdAllocator:
    """Hands out primary keys past the current maximum of each table."""

    def __init__(self):
        self._next: dict[type[models.Model], int] = {}

    def __call__(self, model: type[models.Model]) -> int:
        if model not in self._next:
            current = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
            self._next[model] = current + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


def company_ensure(
    *, name: str, inn: str, city: str, last_month: datetime.date, **details
) -> Company:
    """The organization with the twelve services above and their tariff history: a year
    of old prices, then the yearly indexation on 1 July."""
    organization, _ = Organization.objects.get_or_create(
        inn=inn, kpp=inn[:4] + "01001", defaults={"name": name, **details}
    )
    indexation = datetime.date(
        last_month.year if last_month.month >= 7 else last_month.year - 1, 7, 1
    )
    suppliers = {
        key: Organization.objects.get_or_create(
            inn=s_inn,
            kpp=s_inn[:4] + "01001",
            defaults={"name": s_name, "is_management_company": False},
        )[0]
        for key, (s_name, s_inn) in SUPPLIERS.items()
    }
    services = []
    for order, spec in enumerate(SERVICES, 1):
        service, created = Service.objects.get_or_create(
            organization=organization,
            name=spec.name,
            defaults=dict(
                unit=spec.unit,
                method=spec.method,
                resource=spec.resource,
                norm_per_resident=spec.norm,
                common_property=spec.common_norm is not None,
                common_norm=spec.common_norm,
                sort_order=order * 10,
                supplier=suppliers[spec.supplier] if spec.supplier else organization,
            ),
        )
        if created:
            _tariffs_create(service, spec, indexation)
        services.append((service, spec))
    return Company(organization=organization, services=services)


def _tariffs_create(service: Service, spec: ServiceSpec, indexation: datetime.date) -> None:
    old_from, old_to = add_months(indexation, -12), indexation - datetime.timedelta(days=1)
    prices = [((1, 1), spec.old_price, spec.new_price)]
    if spec.night_prices:
        old_night, new_night = spec.night_prices
        prices += [((2, 1), spec.old_price, spec.new_price), ((2, 2), old_night, new_night)]
    for (zones, zone), old, new in prices:
        common = dict(service=service, zones=zones, zone=zone)
        Tariff.objects.create(price=old, valid_from=old_from, valid_to=old_to, **common)
        Tariff.objects.create(price=new, valid_from=indexation, **common)


def _consumption(rng: random.Random, resource: str) -> D:
    low, high = CONSUMPTION[resource]
    places = 0 if resource == Meter.Resource.ELECTRICITY else 3
    return round(D(rng.uniform(float(low), float(high))), places)


def chunk_rows(
    *,
    company: Company,
    first_number: int,
    count: int,
    months: list[datetime.date],
    city: str,
    streets: list[str],
    apartments_per_house: int,
    rng: random.Random,
    next_id: IdAllocator,
) -> Rows:
    """Build (not save) the registry rows for `count` accounts numbered from
    `first_number`: houses, premises, accounts, meters, their readings (a reading before
    the first month, then one a month, a few months missed), the house meters' volumes."""
    rows = Rows()
    organization = company.organization
    house = None
    house_use: dict[str, list[D]] = {}
    for offset in range(count):
        serial = first_number + offset
        apartment = (serial - 1) % apartments_per_house + 1
        if house is None or apartment == 1:
            _house_volumes_add(rows, house, house_use, months, rng)
            house_no = (serial - 1) // apartments_per_house + 1
            street = streets[house_no % len(streets)]
            address = dict(
                organization=organization, city=city, street=street, number=str(house_no)
            )
            # A house begun by an earlier chunk or run is continued, not built twice.
            house = (apartment != 1 and House.objects.filter(**address).first()) or rows.add(
                House(id=next_id(House), total_area=D(0), common_area=D(0), **address)
            )
            house_use = {resource: [D(0)] * len(months) for resource in CONSUMPTION}
        residents = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        premises = rows.add(Premises(
            id=next_id(Premises), house=house, number=str(apartment),
            area=D(rng.randrange(2800, 9800)) / 100, residents_registered=residents,
            property_type=rng.choice(Premises.PropertyType.values[:2] + ["private"] * 3),
        ))  # fmt: skip
        if house._state.adding:  # the house's areas: its flats, and a fifth more in common
            house.common_area += round_money(premises.area * COMMON_SHARE)
            house.total_area += premises.area + round_money(premises.area * COMMON_SHARE)
        rows.add(PersonalAccount(
            id=next_id(PersonalAccount), organization=organization, premises=premises,
            number=f"{organization.pk:02d}{serial:07d}", holder_name=_holder_name(rng),
            opened_on=add_months(months[0], -rng.randrange(1, 120)),
        ))  # fmt: skip
        for resource in CONSUMPTION:
            zones = (
                2
                if resource == Meter.Resource.ELECTRICITY and rng.random() < TWO_ZONE_SHARE
                else 1
            )
            meter = rows.add(Meter(
                id=next_id(Meter), premises=premises, resource=resource, tariff_zones=zones,
                serial_number=f"{organization.pk:02d}{premises.id:08d}{resource[:1].upper()}",
                decimal_places=0 if resource == Meter.Resource.ELECTRICITY else 3,
                capacity_digits=6 if resource == Meter.Resource.ELECTRICITY else 5,
                installed_on=datetime.date(2019, 3, 1), next_verification_on=datetime.date(2031, 3, 1),
            ))  # fmt: skip
            _readings_add(rows, meter, months, rng, house_use[resource])
    _house_volumes_add(rows, house, house_use, months, rng)
    return rows


def _readings_add(rows: Rows, meter: Meter, months, rng: random.Random, house_use) -> None:
    """A reading before the first month, then one a month (a zone each), some missed."""
    zones = [D("0.7"), D("0.3")] if meter.tariff_zones == 2 else [D(1)]
    values = [D(rng.randrange(100, 5000)) for _ in zones]
    for zone, value in enumerate(values, 1):
        first = add_months(months[0], -1)
        rows.add(Reading(meter=meter, period=first, zone=zone, value=value,
                         source=Reading.Source.RESIDENT, submitted_at=_given_at(first)))  # fmt: skip
    for index, month in enumerate(months):
        used = _consumption(rng, meter.resource)
        house_use[index] += used
        submitted = index == 0 or rng.random() >= MISSED_READING
        for zone, share in enumerate(zones, 1):
            values[zone - 1] += round(used * share, meter.decimal_places)
            if submitted:
                rows.add(Reading(meter=meter, period=month, zone=zone, value=values[zone - 1],
                                 source=Reading.Source.RESIDENT,
                                 submitted_at=_given_at(month)))  # fmt: skip


def _given_at(month: datetime.date) -> datetime.datetime:
    """Generated readings were given on the 20th of their month, 10:00 local time."""
    return timezone.make_aware(datetime.datetime(month.year, month.month, 20, 10, 0))


def _house_volumes_add(rows: Rows, house, house_use, months, rng: random.Random) -> None:
    """The house meter's monthly volume: the flats' use and some common use on top."""
    if house is None or house.pk % HOUSE_METER_EVERY == 0 or house._state.adding is False:
        return
    for resource, monthly in house_use.items():
        for month, used in zip(months, monthly, strict=True):
            if used:
                common = used * D(str(round(rng.uniform(1.03, 1.12), 3)))
                rows.add(HouseResourceVolume(
                    house=house, month=month, resource=resource, volume=round(common, 3),
                ))  # fmt: skip


SURNAMES = "Иванов Петров Сидоров Гарипов Хайруллин Смирнов Кузнецов Валиев Попов Захаров".split()
NAMES = "Алексей Ильдар Марат Сергей Андрей Рустам Дмитрий Олег".split()
PATRONYMICS = "Иванович Рашидович Петрович Ринатович Николаевич Сергеевич".split()


def _holder_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(NAMES)} {rng.choice(PATRONYMICS)}"


# What the generator writes, in dependency order.
GENERATED = (House, Premises, PersonalAccount, Meter, Reading, HouseResourceVolume)
LEDGERS = (Charge, Payment)


def rows_write(rows: Rows) -> None:
    """Insert a chunk's rows in dependency order, then move the sequences past them."""
    with transaction.atomic():
        for model in GENERATED:
            if rows.by_model.get(model):
                model.objects.bulk_create(rows.by_model[model], batch_size=BATCH_SIZE)
    _sequences_reset()


def _sequences_reset() -> None:
    # Rows were inserted with explicit ids; PostgreSQL's sequences must catch up.
    statements = connection.ops.sequence_reset_sql(
        no_style(), [House, Premises, PersonalAccount, Meter]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def statistics_refresh() -> None:
    """Let the query planner see the rows just loaded (PostgreSQL's autovacuum would, a
    minute or more later; until then it plans for empty tables, or guesses)."""
    # The period totals and penalties too: the account pages' reads are planned on them.
    derived = (PeriodTotal, Penalty)
    tables = [model._meta.db_table for model in (*GENERATED, *LEDGERS, *derived, BillingPeriod)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def registry_generate(
    *,
    company: Company,
    count: int,
    months: list[datetime.date],
    city: str,
    streets: list[str],
    apartments_per_house: int = 100,
    seed: int = 2014,
) -> int:
    """Add registry rows until the organization has `count` accounts; returns how many
    accounts were added. No ledgers: `months_charge` bills them."""
    existing = PersonalAccount.objects.filter(organization=company.organization).count()
    missing = max(0, count - existing)
    rng = random.Random(f"{seed}-{existing}")
    next_id = IdAllocator()
    for start in range(0, missing, CHUNK_ACCOUNTS):
        rows = chunk_rows(
            company=company, first_number=existing + start + 1,
            count=min(CHUNK_ACCOUNTS, missing - start), months=months,
            city=city, streets=streets, apartments_per_house=apartments_per_house,
            rng=rng, next_id=next_id,
        )  # fmt: skip
        rows_write(rows)
    return missing


def months_charge(
    *,
    company: Company,
    months: list[datetime.date],
    close: bool,
    before_run: Callable[[datetime.date], None] | None = None,
) -> None:
    """Each month in turn: the billing run, then the bill paid early the next month (most
    in full, some in part, a few not at all), then, with `close`, the period closed. A
    closed month is left as it is. `before_run(month)` is called before a month's run
    (the demo city books its staff recalculations there)."""
    organization = company.organization
    for index, month in enumerate(months):
        period = BillingPeriod.objects.filter(organization=organization, month=month).first()
        if period is not None and period.is_closed:
            continue
        if before_run is not None:
            before_run(month)
        billing_run(organization_id=organization.pk, month=month)
        if index + 1 < len(months):
            _payments_add(organization, month, pay_in=months[index + 1])
        if close:
            period_close(period=BillingPeriod.objects.get(organization=organization, month=month))


def _payments_add(organization, month: datetime.date, *, pay_in: datetime.date) -> None:
    bills = (
        Charge.objects.filter(period__organization=organization, period__month=month)
        .values("account_id", "account__number")
        .annotate(bill=Sum("total"))
        .order_by("account_id")
    )
    payments = []
    for row in bills:
        number = row["account__number"]
        rng = random.Random(f"{number}-{month}")
        payer = random.Random(number).random()  # the same habit every month
        paid = _payment(rng, payer, round_money(row["bill"] or 0))
        if paid > 0:
            payments.append(Payment(
                account_id=row["account_id"], amount=paid, source=Payment.Source.BANK,
                paid_on=pay_in + datetime.timedelta(days=rng.randrange(4, 24)),
                external_id=f"gen-{number}-{month:%Y%m}",
            ))  # fmt: skip
    # A second run adds nothing: the external ids are already there.
    Payment.objects.bulk_create(payments, batch_size=BATCH_SIZE, ignore_conflicts=True)


def _payment(rng: random.Random, payer: float, bill: D) -> D:
    """Most pay in full, some pay a round part, a few skip months."""
    if payer < 0.85:
        return bill
    if payer < 0.95:
        return round_money(max(D("100"), (bill * D("0.9")).quantize(D("100"))))
    return bill if rng.random() < 0.7 else D("0")


def accounts_generate(
    *,
    company: Company,
    count: int,
    months: list[datetime.date],
    city: str,
    streets: list[str],
    apartments_per_house: int = 100,
    seed: int = 2014,
    close: bool = False,
    before_run: Callable[[datetime.date], None] | None = None,
) -> int:
    """Add accounts until the organization has `count`, then charge and pay `months` (the
    ones still open: leave them open, the default, to add accounts later). Returns how
    many accounts were added."""
    added = registry_generate(
        company=company, count=count, months=months, city=city, streets=streets,
        apartments_per_house=apartments_per_house, seed=seed,
    )  # fmt: skip
    months_charge(company=company, months=months, close=close, before_run=before_run)
    if added:
        statistics_refresh()
    return added

"""Reads of the meters app: an account's meters, their readings, what a submission faces.

Each page's reads run a fixed number of queries whatever the length of the history:
meters in one query, their readings in one more (a flat's meters give a few hundred
readings over their life).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from kabinet.core.periods import add_months
from kabinet.housing.models import PersonalAccount

from . import rules
from .models import Meter, Reading, ReadingSubmission

VERIFICATION_WARNING_DAYS = 60
KIND_RANK = {Reading.Kind.INITIAL: 0, Reading.Kind.REGULAR: 1, Reading.Kind.FINAL: 2}


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def point(reading: Reading) -> rules.Point:
    return rules.Point(
        month_index=month_index(reading.period),
        rank=KIND_RANK[reading.kind],
        value=reading.value,
        rollover=reading.rollover,
    )


def _order_key(reading: Reading) -> tuple[datetime.date, int]:
    return reading.period, KIND_RANK[reading.kind]


# --- meters ---------------------------------------------------------------------------


def meters_in_service(*, premises_id: int, on: datetime.date) -> QuerySet[Meter]:
    """The premises' meters installed by `on` and not removed before it."""
    return (
        Meter.objects.filter(premises_id=premises_id, installed_on__lte=on)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))
        .order_by("resource", "serial_number", "pk")
    )


def readings_by_zone(*, meter_ids) -> dict[tuple[int, int], list[Reading]]:
    """Every counting reading of the meters, by (meter id, zone), oldest first."""
    grouped: dict[tuple[int, int], list[Reading]] = defaultdict(list)
    rows = Reading.objects.filter(meter_id__in=list(meter_ids)).order_by("period", "pk")
    for reading in rows:
        grouped[(reading.meter_id, reading.zone)].append(reading)
    for readings in grouped.values():
        readings.sort(key=_order_key)
    return grouped


@dataclass(frozen=True)
class Verification:
    """The meter's next verification (поверка): "ok", "soon" (within 60 days), "overdue"."""

    due_on: datetime.date | None
    days_left: int | None
    state: str

    @property
    def needs_action(self) -> bool:
        return self.state in ("soon", "overdue")


def verification(meter: Meter, *, today: datetime.date) -> Verification:
    if meter.next_verification_on is None:
        return Verification(None, None, "unknown")
    days = (meter.next_verification_on - today).days
    if days < 0:
        state = "overdue"
    elif days <= VERIFICATION_WARNING_DAYS:
        state = "soon"
    else:
        state = "ok"
    return Verification(meter.next_verification_on, days, state)


# --- what one zone looks like for a given month ------------------------------------------


@dataclass(frozen=True)
class ZoneState:
    """One meter zone seen from a reading of `kind` for `period`: the counting readings
    before and after it, the one it would replace, the zone's average monthly use."""

    meter: Meter
    zone: int
    period: datetime.date
    kind: str
    previous: Reading | None
    current: Reading | None
    next: Reading | None
    average: Decimal | None

    @property
    def name(self) -> str:
        return self.meter.zone_name(self.zone)


def zone_state(
    meter: Meter,
    zone: int,
    readings: list[Reading],
    *,
    period: datetime.date,
    kind: str = Reading.Kind.REGULAR,
) -> ZoneState:
    """`readings`: the zone's counting readings (any order)."""
    here = (period, KIND_RANK[kind])
    previous = current = following = None
    others = []
    for reading in sorted(readings, key=_order_key):
        key = _order_key(reading)
        if key == here:
            current = reading
            continue
        others.append(reading)
        if key < here:
            previous = reading
        elif following is None:
            following = reading
    average = rules.average_use(
        [point(r) for r in others], before=month_index(period), capacity=meter.capacity
    )
    return ZoneState(meter, zone, period, kind, previous, current, following, average)


# --- the resident pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneLast:
    zone: int
    name: str
    reading: Reading | None


@dataclass(frozen=True)
class MeterCard:
    """A meter on the account's meters page."""

    meter: Meter
    verification: Verification
    last: list[ZoneLast]  # the latest counting reading of each zone


def account_meters(*, premises_id: int, today: datetime.date) -> list[MeterCard]:
    """The meters in service with their verification and last readings: two queries."""
    meters = list(meters_in_service(premises_id=premises_id, on=today))
    readings = readings_by_zone(meter_ids=[m.pk for m in meters])
    cards = []
    for meter in meters:
        last = [
            ZoneLast(
                zone,
                meter.zone_name(zone),
                readings[(meter.pk, zone)][-1] if readings.get((meter.pk, zone)) else None,
            )
            for zone in meter.zones
        ]
        cards.append(MeterCard(meter, verification(meter, today=today), last))
    return cards


def removed_meters(*, premises_id: int, today: datetime.date) -> QuerySet[Meter]:
    return Meter.objects.filter(premises_id=premises_id, removed_on__lte=today).order_by(
        "-removed_on", "pk"
    )


def premises_meter(*, premises_id: int, meter_id: int) -> Meter | None:
    """One meter of the premises (any, removed too), or None for someone else's."""
    return Meter.objects.filter(premises_id=premises_id, pk=meter_id).first()


@dataclass(frozen=True)
class HistoryCell:
    """One zone's reading in a month, with the use since the zone's previous reading."""

    reading: Reading
    use: Decimal | None  # None for the first reading (nothing to subtract)
    months: int  # how many months that use covers (1 usually; more after a gap)

    @property
    def monthly(self) -> Decimal | None:
        return None if self.use is None else self.use / self.months


@dataclass
class HistoryRow:
    period: datetime.date
    kind: str
    cells: dict[int, HistoryCell] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return str(Reading.Kind(self.kind).label)

    @property
    def use(self) -> Decimal | None:
        uses = [cell.use for cell in self.cells.values() if cell.use is not None]
        return sum(uses, Decimal(0)) if uses else None

    @property
    def monthly(self) -> Decimal | None:
        uses = [cell.monthly for cell in self.cells.values() if cell.monthly is not None]
        return sum(uses, Decimal(0)) if uses else None

    @property
    def months(self) -> int:
        return max((cell.months for cell in self.cells.values()), default=1)

    @property
    def sources(self) -> list[str]:
        return sorted({cell.reading.get_source_display() for cell in self.cells.values()})


def meter_history(*, meter: Meter) -> list[HistoryRow]:
    """The meter's readings month by month, newest first, with the use of each: one query."""
    readings = readings_by_zone(meter_ids=[meter.pk])
    rows: dict[tuple[datetime.date, str], HistoryRow] = {}
    for zone in meter.zones:
        previous = None
        for reading in readings.get((meter.pk, zone), []):
            use, months = None, 1
            if previous is not None:
                use = rules.consumption(
                    previous.value,
                    reading.value,
                    capacity=meter.capacity,
                    rollover=reading.rollover,
                )
                months = max(1, month_index(reading.period) - month_index(previous.period))
            row = rows.setdefault(
                (reading.period, reading.kind), HistoryRow(reading.period, reading.kind)
            )
            row.cells[zone] = HistoryCell(reading, use, months)
            previous = reading
    return sorted(rows.values(), key=lambda r: (r.period, KIND_RANK[r.kind]), reverse=True)


def meter_submissions(*, meter: Meter, limit: int = 60) -> list[ReadingSubmission]:
    """The latest values given for the meter, newest first."""
    return list(
        ReadingSubmission.objects.filter(meter=meter)
        .select_related("user")
        .order_by("-created_at", "-id")[:limit]
    )


def submissions_of(*, key: str, meter_ids) -> list[ReadingSubmission]:
    """What one form sent (its idempotency key), for the confirmation."""
    return list(
        ReadingSubmission.objects.filter(key=key, meter_id__in=list(meter_ids))
        .select_related("meter")
        .order_by("meter__resource", "meter__serial_number", "zone")
    )


# --- the back office ------------------------------------------------------------------


def kind_rank_expression() -> Case:
    return Case(
        *(When(kind=kind, then=Value(rank)) for kind, rank in KIND_RANK.items()),
        output_field=IntegerField(),
    )


def period_sheet(*, month: datetime.date, organization_id: int | None = None):
    """The export of a month: every meter in service during it, each zone with the
    month's readings (or an empty line to fill in). Yields (meter, zone, reading|None),
    ordered by address; account numbers come with the meter (`accounts` attribute)."""
    first, last = month, add_months(month, 1) - datetime.timedelta(days=1)
    meters = (
        Meter.objects.filter(installed_on__lte=last)
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gte=first))
        .select_related("premises__house")
        .order_by(
            "premises__house__city",
            "premises__house__street",
            "premises__house__number",
            "premises__number",
            "resource",
            "serial_number",
            "pk",
        )
    )
    if organization_id:
        meters = meters.filter(premises__house__organization_id=organization_id)
    chunk = 2000
    offset = 0
    while True:
        batch = list(meters[offset : offset + chunk])
        if not batch:
            return
        offset += chunk
        ids = [m.pk for m in batch]
        readings = defaultdict(list)
        for reading in (
            Reading.objects.filter(meter_id__in=ids, period=month)
            .annotate(rank=kind_rank_expression())
            .order_by("meter_id", "zone", "rank")
        ):
            readings[(reading.meter_id, reading.zone)].append(reading)
        accounts = _account_numbers([m.premises_id for m in batch])
        for meter in batch:
            meter.account_numbers = accounts.get(meter.premises_id, [])
            for zone in meter.zones:
                found = readings.get((meter.pk, zone))
                if not found:
                    yield meter, zone, None
                for reading in found or []:
                    yield meter, zone, reading


def _account_numbers(premises_ids) -> dict[int, list[str]]:
    numbers = defaultdict(list)
    rows = (
        PersonalAccount.objects.filter(premises_id__in=premises_ids, closed_on__isnull=True)
        .order_by("number")
        .values_list("premises_id", "number")
    )
    for premises_id, number in rows:
        numbers[premises_id].append(number)
    return numbers


def meters_by_serial(*, serial_numbers) -> dict[str, list[Meter]]:
    """The meters with these serials (of any resource), by serial: one query for a chunk
    of an import's lines."""
    found: dict[str, list[Meter]] = defaultdict(list)
    meters = Meter.objects.filter(serial_number__in=set(serial_numbers)).select_related(
        "premises__house"
    )
    for meter in meters.order_by("pk"):
        found[meter.serial_number].append(meter)
    return found


def last_counting(readings: list[Reading]) -> Reading | None:
    return max(readings, key=_order_key) if readings else None


@dataclass(frozen=True)
class SheetMeter:
    """A meter on the submission form: each zone as the month's reading would see it."""

    meter: Meter
    verification: Verification
    zones: list[ZoneState]


def submission_sheet(
    *, premises_id: int, period: datetime.date, today: datetime.date
) -> list[SheetMeter]:
    """The meters in service, each zone with its previous reading, the month's current
    one and the zone's average: two queries."""
    meters = list(meters_in_service(premises_id=premises_id, on=today))
    readings = readings_by_zone(meter_ids=[m.pk for m in meters])
    return [
        SheetMeter(
            meter,
            verification(meter, today=today),
            [
                zone_state(meter, zone, readings.get((meter.pk, zone), []), period=period)
                for zone in meter.zones
            ],
        )
        for meter in meters
    ]

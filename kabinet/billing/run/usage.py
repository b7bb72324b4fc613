"""What each meter zone used in the period (ПП 354; docs/billing.md "Meters").

- By readings: the month's reading (or the final one of a meter removed this month)
  minus the previous month's (or the initial one of a meter installed this month). A
  reading below the previous one counts as a rollover past the meter's capacity when the
  resident confirmed it; after a month billed without readings it is the real use
  catching up (a negative remainder becomes a recalculation, lines.py); otherwise the
  account's services of that resource are left out and reported.
- No reading submitted: the average monthly use of at least 6 earlier months with
  readings, for at most 3 periods in a row; after that, or without such history, the
  norm × registered residents (shared among the premises' meters of the resource). The
  substituted reading is stored as `computed`, never as submitted.

The common case is one `INSERT … SELECT`; the rest (few meters) is Python.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from kabinet.billing.models import MeterUsage, RunIssue, Service
from kabinet.core.periods import add_months
from kabinet.meters.models import Meter, Reading

from .sql import ACTIVE_METER, Chunk

AVERAGE_MIN_MONTHS = 6  # ПП 354 п. 59 "б": the average of at least six months
AVERAGE_MAX_PERIODS = 3  # … for at most three billing periods in a row
HISTORY_MONTHS = 12  # months of readings looked at for the average
READING_STEP = Decimal("0.001")  # readings keep three decimals

CAPACITY = (
    "CASE m.capacity_digits "
    + " ".join(f"WHEN {digits} THEN {10**digits}" for digits in range(1, 10))
    + " END"
)

USAGE_BY_READINGS = f"""
INSERT INTO billing_meterusage
  (period_id, account_id, meter_id, resource, zone, start_value, end_value, volume, method)
SELECT %(period)s, h.account_id, m.id, m.resource, e.zone, s.value, e.value,
  CASE WHEN e.value >= s.value THEN e.value - s.value
       WHEN e.rollover THEN e.value + {CAPACITY} - s.value
       ELSE e.value - s.value END,
  CASE WHEN e.kind = 'final' THEN 'replacement' ELSE 'readings' END
FROM holders h
JOIN meters_meter m ON m.premises_id = h.premises_id AND {ACTIVE_METER.format(m="m")}
JOIN meters_reading e ON e.meter_id = m.id AND e.period = %(month)s
  AND e.source <> 'computed' AND e.zone <= m.tariff_zones
  AND (e.kind = 'final' OR (e.kind = 'regular' AND NOT EXISTS (
    SELECT 1 FROM meters_reading f WHERE f.meter_id = m.id AND f.period = %(month)s
      AND f.zone = e.zone AND f.kind = 'final')))
JOIN meters_reading s ON s.meter_id = m.id AND s.zone = e.zone
  AND s.period IN (%(month)s, %(previous)s)  -- the two months, not the meter's history
  AND ((s.kind = 'initial' AND s.period = %(month)s)
    OR (s.kind = 'regular' AND s.period = %(previous)s AND NOT EXISTS (
      SELECT 1 FROM meters_reading i WHERE i.meter_id = m.id AND i.period = %(month)s
        AND i.zone = e.zone AND i.kind = 'initial')))
WHERE e.value >= s.value OR e.rollover OR s.source = 'computed'
"""

UNMEASURED = f"""
SELECT h.account_id, h.premises_id, h.residents, m.id, m.serial_number, m.resource,
       m.tariff_zones, z.zone
FROM holders h
JOIN meters_meter m ON m.premises_id = h.premises_id AND {ACTIVE_METER.format(m="m")}
JOIN (SELECT 1 AS zone UNION ALL SELECT 2 UNION ALL SELECT 3) z ON z.zone <= m.tariff_zones
WHERE NOT EXISTS (
  SELECT 1 FROM billing_meterusage u
  WHERE u.period_id = %(period)s AND u.meter_id = m.id AND u.zone = z.zone)
"""

METERS_PER_PREMISES = f"""
SELECT h.premises_id, m.resource, COUNT(*)
FROM holders h
JOIN meters_meter m ON m.premises_id = h.premises_id AND {ACTIVE_METER.format(m="m")}
GROUP BY h.premises_id, m.resource
"""


@dataclass(frozen=True)
class Unmeasured:
    account_id: int
    premises_id: int
    residents: int
    meter_id: int
    serial_number: str
    resource: str
    zones: int
    zone: int


def usage_compute(chunk: Chunk, *, norms: dict[str, Decimal | None]) -> None:
    """Write the chunk's MeterUsage rows (and the computed readings they need), and the
    issues of meters that cannot be billed."""
    chunk.execute(USAGE_BY_READINGS)
    missing = [Unmeasured(*row) for row in chunk.rows(UNMEASURED)]
    if missing:
        _fallbacks(chunk, missing, norms=norms)


def _fallbacks(chunk: Chunk, missing: list[Unmeasured], *, norms: dict) -> None:
    month = chunk.month
    meter_ids = {item.meter_id for item in missing}
    readings = defaultdict(dict)  # (meter, zone) -> {(period, kind): (value, source)}
    for meter_id, zone, period, kind, value, source in Reading.objects.filter(
        meter_id__in=meter_ids,
        period__gte=add_months(month, -HISTORY_MONTHS - 1),
        period__lte=month,
    ).values_list("meter_id", "zone", "period", "kind", "value", "source"):
        readings[meter_id, zone][period, kind] = (value, source)
    meters_of = {
        (premises, resource): count
        for premises, resource, count in chunk.rows(METERS_PER_PREMISES)
    }

    usages, computed, issues = [], [], []
    for item in missing:
        history = readings[item.meter_id, item.zone]
        end = history.get((month, Reading.Kind.FINAL)) or history.get(
            (month, Reading.Kind.REGULAR)
        )
        start = history.get((month, Reading.Kind.INITIAL)) or history.get(
            (add_months(month, -1), Reading.Kind.REGULAR)
        )
        if end is not None and start is not None:
            # Both readings were given, but the new one is below the previous one.
            issues.append((item, RunIssue.Reason.READING_BELOW))
            continue
        volume, method = _substitute(item, history, month, norms, meters_of)
        if volume is None:
            issues.append((item, RunIssue.Reason.NO_NORM))
            continue
        start_value = start[0] if start else None
        if end is not None:  # the meter's first reading: the base of the months to come
            end_value = end[0]
        else:
            end_value = start_value + volume if start_value is not None else None
        usages.append(
            MeterUsage(
                period_id=chunk.period_id, account_id=item.account_id, meter_id=item.meter_id,
                resource=item.resource, zone=item.zone, start_value=start_value,
                end_value=end_value, volume=volume, method=method,
            )
        )  # fmt: skip
        if end is None and end_value is not None:
            computed.append(
                Reading(
                    meter_id=item.meter_id, period=month, zone=item.zone,
                    kind=Reading.Kind.REGULAR, value=end_value, source=Reading.Source.COMPUTED,
                )
            )  # fmt: skip
    MeterUsage.objects.bulk_create(usages)
    Reading.objects.bulk_create(computed)
    _issues_write(chunk, issues)


def _substitute(item, history, month, norms, meters_of) -> tuple[Decimal | None, str]:
    """The volume of a month without a reading: the average, else the norm."""
    computed_in_a_row = 0
    for back in range(1, AVERAGE_MAX_PERIODS + 1):
        previous = history.get((add_months(month, -back), Reading.Kind.REGULAR))
        if previous is None or previous[1] != Reading.Source.COMPUTED:
            break
        computed_in_a_row += 1
    if computed_in_a_row < AVERAGE_MAX_PERIODS:
        monthly = _measured_months(history, month)
        if len(monthly) >= AVERAGE_MIN_MONTHS:
            average = sum(monthly, Decimal(0)) / len(monthly)
            return average.quantize(READING_STEP, ROUND_HALF_UP), MeterUsage.Method.AVERAGE
    norm = norms.get(item.resource)
    if norm is None:
        return None, MeterUsage.Method.NORM
    if item.zone != 1:  # a multi-zone meter billed by the norm: all of it in zone 1
        return Decimal(0), MeterUsage.Method.NORM
    meters = meters_of.get((item.premises_id, item.resource), 1)
    volume = norm * item.residents / meters
    return volume.quantize(READING_STEP, ROUND_HALF_UP), MeterUsage.Method.NORM


def _measured_months(history: dict, month: datetime.date) -> list[Decimal]:
    """Monthly use of the earlier months where both readings were given, not computed."""
    used = []
    for back in range(1, HISTORY_MONTHS + 1):
        end = history.get((add_months(month, -back), Reading.Kind.REGULAR))
        start = history.get((add_months(month, -back - 1), Reading.Kind.REGULAR))
        if end and start and Reading.Source.COMPUTED not in (end[1], start[1]):
            if end[0] >= start[0]:
                used.append(end[0] - start[0])
    return used


def _issues_write(chunk: Chunk, issues: list[tuple[Unmeasured, str]]) -> None:
    if not issues:
        return
    services = list(
        Service.objects.filter(
            organization_id=chunk.organization_id, method=Service.Method.BY_METER
        ).values_list("id", "resource")
    )
    seen = set()
    rows = []
    for item, reason in issues:
        for service_id, resource in services:
            water = item.resource in (Meter.Resource.COLD_WATER, Meter.Resource.HOT_WATER)
            if resource == item.resource or (resource == Service.Resource.WASTEWATER and water):
                key = (item.account_id, service_id)
                if key not in seen:
                    seen.add(key)
                    rows.append(
                        RunIssue(
                            run_id=chunk.run_id, account_id=item.account_id,
                            service_id=service_id, reason=reason,
                            detail=_("счетчик № %(serial)s, зона %(zone)s")
                            % {"serial": item.serial_number, "zone": item.zone},
                        )
                    )  # fmt: skip
    RunIssue.objects.bulk_create(rows)

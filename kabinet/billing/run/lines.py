"""The chunk's charge lines, set-based, then the common-property share and the
recalculations (docs/billing.md).

Each line is the tariff in force × the volume by the service's method, rounded half-up
once (`kabinet_line_amount`). An account/service that cannot be charged (no tariff, no
usable reading, no norm) gets no line and a `RunIssue` saying why.
"""

import calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from kabinet.billing.models import HouseResourceVolume, Recalculation, Service, TemporaryAbsence
from kabinet.core.money import line_amount, round_money
from kabinet.core.periods import month_end
from kabinet.housing.models import House

from .sql import ACTIVE_METER, METER_OF_SERVICE, POSITIVE, Chunk, decimal_param

CHARGE_COLUMNS = """billing_charge (created_at, account_id, period_id, service_id, tariff_id,
  zone, price, volume, amount, common_volume, common_amount, recalculation)"""

NOT_METERED_VOLUME = """CASE s.method WHEN 'area' THEN c.area
  WHEN 'norm' THEN s.norm_per_resident * c.residents ELSE 1 END"""

LINES_NOT_METERED = f"""
INSERT INTO {CHARGE_COLUMNS}
SELECT %(now)s, c.account_id, %(period)s, s.id, t.tariff_id, 1, t.price, {NOT_METERED_VOLUME},
  kabinet_line_amount(t.price, {NOT_METERED_VOLUME}), 0, 0, 0
FROM chunk c
JOIN billing_service s ON s.organization_id = %(organization)s
  AND s.method IN ('area', 'norm', 'fixed')
  AND (s.method <> 'norm' OR s.norm_per_resident IS NOT NULL)
JOIN tariffs t ON t.house_id = c.house_id AND t.service_id = s.id AND t.zones = 1 AND t.zone = 1
"""

USED = f"""used AS (
  SELECT u.account_id, c.house_id, s.id AS service_id,
    CASE WHEN s.resource = 'wastewater' THEN 1 ELSE m.tariff_zones END AS zones,
    u.zone, SUM(u.volume) AS volume
  FROM chunk c CROSS JOIN billing_meterusage u
  JOIN meters_meter m ON m.id = u.meter_id
  JOIN billing_service s ON s.organization_id = %(organization)s AND s.method = 'meter'
    AND {METER_OF_SERVICE.format(m="u", s="s")}
  WHERE u.account_id = c.account_id AND u.period_id = %(period)s
  GROUP BY u.account_id, c.house_id, s.id,
    CASE WHEN s.resource = 'wastewater' THEN 1 ELSE m.tariff_zones END, u.zone
)"""

LINES_BY_METERS = f""", {USED}
INSERT INTO {CHARGE_COLUMNS}
SELECT %(now)s, x.account_id, %(period)s, x.service_id, t.tariff_id, x.zone, t.price,
  {POSITIVE.format(x="x.volume")}, kabinet_line_amount(t.price, {POSITIVE.format(x="x.volume")}),
  0, 0, 0
FROM used x
JOIN tariffs t ON t.house_id = x.house_id AND t.service_id = x.service_id
  AND t.zones = x.zones AND t.zone = x.zone
WHERE NOT EXISTS (SELECT 1 FROM billing_runissue i WHERE i.run_id = %(run)s
  AND i.account_id = x.account_id AND i.service_id = x.service_id)
"""

# Billed more than used: after months billed by the average or the norm, the real use.
USED_BELOW_BILLED = f""", {USED}
SELECT x.account_id, x.service_id, x.volume, ch.price
FROM used x JOIN billing_charge ch ON ch.period_id = %(period)s
  AND ch.account_id = x.account_id AND ch.service_id = x.service_id AND ch.zone = x.zone
WHERE x.volume < 0
"""

WITHOUT_METER = f"""NOT EXISTS (SELECT 1 FROM meters_meter m
  WHERE m.premises_id = h.premises_id AND {ACTIVE_METER.format(m="m")}
    AND {METER_OF_SERVICE.format(m="m", s="s")})"""

LINES_METERED_BY_NORM = f"""
INSERT INTO {CHARGE_COLUMNS}
SELECT %(now)s, h.account_id, %(period)s, s.id, t.tariff_id, 1, t.price,
  s.norm_per_resident * h.residents,
  kabinet_line_amount(t.price, s.norm_per_resident * h.residents), 0, 0, 0
FROM holders h
JOIN billing_service s ON s.organization_id = %(organization)s AND s.method = 'meter'
  AND s.norm_per_resident IS NOT NULL
JOIN tariffs t ON t.house_id = h.house_id AND t.service_id = s.id AND t.zones = 1 AND t.zone = 1
WHERE {WITHOUT_METER}
"""

ISSUES_NO_NORM = f"""
INSERT INTO billing_runissue (run_id, account_id, service_id, reason, detail)
SELECT %(run)s, h.account_id, s.id, 'no_norm', %(no_norm)s
FROM holders h
JOIN billing_service s ON s.organization_id = %(organization)s
  AND ((s.method = 'meter' AND {WITHOUT_METER}) OR s.method = 'norm')
  AND s.norm_per_resident IS NULL
"""

ISSUES_NO_TARIFF = """
INSERT INTO billing_runissue (run_id, account_id, service_id, reason, detail)
SELECT %(run)s, c.account_id, s.id, 'no_tariff', %(no_tariff)s
FROM chunk c
JOIN billing_service s ON s.organization_id = %(organization)s
WHERE NOT EXISTS (SELECT 1 FROM billing_charge ch WHERE ch.period_id = %(period)s
    AND ch.account_id = c.account_id AND ch.service_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM billing_runissue i WHERE i.run_id = %(run)s
    AND i.account_id = c.account_id AND i.service_id = s.id)
  AND (s.method <> 'meter' OR c.account_id IN (SELECT account_id FROM holders))
"""


def lines_write(chunk: Chunk) -> None:
    """The chunk's lines of every service by its method, and what could not be charged."""
    chunk.execute(LINES_NOT_METERED)
    chunk.execute(LINES_BY_METERS)
    chunk.execute(LINES_METERED_BY_NORM)
    chunk.execute(ISSUES_NO_NORM, {"no_norm": _("не указан норматив потребления")})
    chunk.execute(
        ISSUES_NO_TARIFF,
        {"no_tariff": _("на %(date)s") % {"date": f"{chunk.month:%d.%m.%Y}"}},
    )


# --- common-property share (ОДН / КР на СОИ) ----------------------------------------------

INDIVIDUAL_USE = """
SELECT c.house_id, ch.service_id, SUM(ch.volume)
FROM chunk c CROSS JOIN billing_charge ch
WHERE ch.account_id = c.account_id AND ch.period_id = %(period)s
  AND ch.service_id IN ({services})
GROUP BY c.house_id, ch.service_id
"""

HOUSE_AREAS = """
SELECT p.house_id, SUM(p.area) FROM housing_premises p
WHERE p.house_id IN (SELECT house_id FROM chunk) GROUP BY p.house_id
"""

# One statement per service for all the chunk's houses: `shares` lists each house's
# volume to share and its premises' total area (a VALUES table built by the caller);
# `targets` (materialized first, so that each line is found by its account) the volume
# of each account.
COMMON_SHARE = """
, shares (house_id, available, total_area) AS (VALUES {values}),
targets AS MATERIALIZED (
  SELECT c.account_id, kabinet_share(s.available, c.area, s.total_area) AS volume
  FROM chunk c JOIN shares s ON s.house_id = c.house_id
)
UPDATE billing_charge SET common_volume = t.volume,
  common_amount = kabinet_line_amount(billing_charge.price, t.volume)
FROM targets t
WHERE billing_charge.account_id = t.account_id AND billing_charge.period_id = %(period)s
  AND billing_charge.service_id = %(service)s AND billing_charge.zone = 1
"""

ISSUES_COMMON = """
INSERT INTO billing_runissue (run_id, account_id, service_id, reason, detail)
SELECT %(run)s, c.account_id, %(service)s, 'no_house_area', %(detail)s
FROM chunk c WHERE c.house_id = %(house)s
"""


def common_share_write(chunk: Chunk, *, services: list[Service]) -> None:
    """Each premises' share of its house's common-property use of each such service:
    V_i = min(V_house − Σ V_individual, norm × S_common) × S_i / S_total, with the house
    meter's volume; norm × S_common × S_i / S_total without it (ПП 354 п. 44)."""
    common = [s for s in services if s.common_property]
    if not common:
        return
    houses = {h.pk: h for h in House.objects.filter(pk__in=chunk.houses)}
    total_area = dict(chunk.rows(HOUSE_AREAS))
    ids = ", ".join(str(s.pk) for s in common)
    individual = {
        (house, service): volume
        for house, service, volume in chunk.rows(INDIVIDUAL_USE.format(services=ids))
    }
    metered = {
        (row.house_id, row.resource): row.volume
        for row in HouseResourceVolume.objects.filter(house_id__in=chunk.houses, month=chunk.month)
    }
    for service in common:
        shares = {}
        for house_id, house in houses.items():
            available = _common_available(
                house=house,
                service=service,
                house_volume=metered.get((house_id, service.resource)),
                individual=Decimal(str(individual.get((house_id, service.pk)) or 0)),
            )
            if available is None:
                detail = _("нет объема по общедомовому прибору или площади и норматива СОИ")
                params = {"service": service.pk, "house": house_id, "detail": detail}
                chunk.execute(ISSUES_COMMON, params)
            elif available > 0 and total_area.get(house_id):
                shares[house_id] = (available, Decimal(str(total_area[house_id])))
        if shares:
            values, params = [], {"service": service.pk}
            for index, (house_id, (available, area)) in enumerate(shares.items()):
                values.append(f"(%(h{index})s, %(a{index})s, %(t{index})s)")
                params |= {
                    f"h{index}": house_id,
                    f"a{index}": decimal_param(available),
                    f"t{index}": decimal_param(area),
                }
            chunk.execute(COMMON_SHARE.format(values=", ".join(values)), params)


def _common_available(*, house, service, house_volume, individual) -> Decimal | None:
    """The house's common-property volume to share, None when it cannot be known."""
    cap = None
    if service.common_norm is not None and house.common_area is not None:
        cap = service.common_norm * house.common_area
    if house_volume is None:
        return cap
    available = max(Decimal(0), house_volume - individual)
    if house.common_cap_lifted:
        return available
    if cap is None:
        return None
    return min(available, cap)


# --- recalculations ------------------------------------------------------------------------

RECALCULATIONS_APPLY = """
UPDATE billing_charge SET recalculation = (
  SELECT SUM(r.amount) FROM billing_recalculation r WHERE r.period_id = %(period)s
    AND r.account_id = billing_charge.account_id AND r.service_id = billing_charge.service_id)
WHERE period_id = %(period)s AND zone = 1
  AND account_id IN (SELECT account_id FROM chunk)
  AND EXISTS (SELECT 1 FROM billing_recalculation r WHERE r.period_id = %(period)s
    AND r.account_id = billing_charge.account_id AND r.service_id = billing_charge.service_id)
"""

RECALCULATION_ONLY_LINES = f"""
INSERT INTO {CHARGE_COLUMNS}
SELECT %(now)s, r.account_id, %(period)s, r.service_id, NULL, 1, 0, 0, 0, 0, 0, SUM(r.amount)
FROM billing_recalculation r JOIN chunk c ON c.account_id = r.account_id
WHERE r.period_id = %(period)s AND NOT EXISTS (SELECT 1 FROM billing_charge ch
  WHERE ch.period_id = %(period)s AND ch.account_id = r.account_id
    AND ch.service_id = r.service_id AND ch.zone = 1)
GROUP BY r.account_id, r.service_id
"""

# Lines an absence may reduce: by the norm per resident, or metered without a meter.
ABSENCE_LINES = f"""
SELECT ch.account_id, ch.service_id, ch.amount, c.residents
FROM billing_charge ch
JOIN chunk c ON c.account_id = ch.account_id
JOIN billing_service s ON s.id = ch.service_id
JOIN holders h ON h.premises_id = c.premises_id
WHERE ch.period_id = %(period)s AND ch.account_id IN ({{accounts}}) AND ch.amount <> 0
  AND s.resource <> 'heating' AND NOT s.common_property
  AND (s.method = 'norm' OR (s.method = 'meter' AND {WITHOUT_METER}))
"""


def recalculations_write(chunk: Chunk, *, run_computed: list[Recalculation]) -> None:
    """The run's own recalculations (absence, real use below what was billed), then
    every recalculation of the period into its line's "Перерасчет" column."""
    Recalculation.objects.bulk_create(run_computed + _absences(chunk))
    chunk.execute(RECALCULATIONS_APPLY)
    chunk.execute(RECALCULATION_ONLY_LINES)


NEGATIVE_USE = """
SELECT 1 FROM chunk c CROSS JOIN billing_meterusage u
WHERE u.account_id = c.account_id AND u.period_id = %(period)s AND u.volume < 0
"""


def readings_catch_up(chunk: Chunk) -> list[Recalculation]:
    """Real readings below what the average or the norm billed: the difference back."""
    recalculations = []
    if not chunk.rows(NEGATIVE_USE):  # as usual: nothing to give back
        return recalculations
    for account_id, service_id, volume, price in chunk.rows(USED_BELOW_BILLED):
        amount = line_amount(Decimal(str(price)), Decimal(str(volume)))
        if amount:
            recalculations.append(
                Recalculation(
                    account_id=account_id, service_id=service_id, period_id=chunk.period_id,
                    concerns_month=chunk.month, kind=Recalculation.Kind.READINGS,
                    volume=Decimal(str(volume)), amount=amount,
                    reason=_(
                        "Показания ниже объема, начисленного по среднему или нормативу"
                    ),
                )
            )  # fmt: skip
    return recalculations


def _absences(chunk: Chunk) -> list[Recalculation]:
    """ПП 354 пп. 86-93: more than 5 full days away reduce the services billed without
    an individual meter (not heating, not common property) by the days and people away."""
    month, last = chunk.month, month_end(chunk.month)
    absences = defaultdict(list)
    for absence in TemporaryAbsence.objects.filter(
        account__premises__house_id__in=chunk.houses,
        departed_on__lt=last,
        returned_on__gt=month,
    ):
        days = _days_away_in(absence, month, last)
        if absence.full_days > 5 and days > 0:
            absences[absence.account_id].append((absence, days))
    if not absences:
        return []
    statement = ABSENCE_LINES.format(accounts=", ".join(str(int(a)) for a in absences))
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    recalculations = []
    for account_id, service_id, amount, residents in chunk.rows(statement):
        if not residents:
            continue
        for absence, days in absences[account_id]:
            persons = min(absence.persons, residents)
            share = Decimal(days * persons) / (days_in_month * residents)
            value = -round_money(Decimal(str(amount)) * share)
            if value:
                recalculations.append(
                    Recalculation(
                        account_id=account_id, service_id=service_id,
                        period_id=chunk.period_id, concerns_month=month,
                        kind=Recalculation.Kind.ABSENCE, amount=value,
                        reason=_(
                            "Временное отсутствие %(from)s–%(to)s: %(days)d дн., "
                            "%(persons)d чел. (%(document)s)"
                        ) % {
                            "from": f"{absence.departed_on:%d.%m.%Y}",
                            "to": f"{absence.returned_on:%d.%m.%Y}",
                            "days": days, "persons": persons, "document": absence.document,
                        },
                    )
                )  # fmt: skip
    return recalculations


def _days_away_in(absence: TemporaryAbsence, first: datetime.date, last: datetime.date) -> int:
    """Full days away (neither departure nor return day) that fall within the month."""
    start = max(absence.departed_on + datetime.timedelta(days=1), first)
    end = min(absence.returned_on - datetime.timedelta(days=1), last)
    return max(0, (end - start).days + 1)

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

from kabinet.billing.models import Recalculation, TemporaryAbsence
from kabinet.core.money import line_amount, round_money
from kabinet.core.periods import month_end
from kabinet.meters.models import Meter

from .sql import ACTIVE_METER, METER_OF_SERVICE, POSITIVE, Chunk

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

# The services each meter resource is billed by (wastewater: cold and hot water), a few
# rows joined on equality: matching each usage row against every service took as long
# as reading the usage.
METER_RESOURCES = " UNION ALL ".join(
    f"SELECT '{resource}' AS resource" for resource in Meter.Resource
)
METER_SERVICES = f"""meter_services AS MATERIALIZED (
  SELECT r.resource, s.id AS service_id, s.resource = 'wastewater' AS wastewater
  FROM ({METER_RESOURCES}) r
  JOIN billing_service s ON s.organization_id = %(organization)s AND s.method = 'meter'
    AND {METER_OF_SERVICE.format(m="r", s="s")}
)"""

USED = f"""{METER_SERVICES},
used AS (
  SELECT u.account_id, c.house_id, ms.service_id,
    CASE WHEN ms.wastewater THEN 1 ELSE m.tariff_zones END AS zones,
    u.zone, SUM(u.volume) AS volume
  FROM chunk c CROSS JOIN billing_meterusage u CROSS JOIN meters_meter m
  CROSS JOIN meter_services ms
  WHERE u.account_id = c.account_id AND u.period_id = %(period)s AND m.id = u.meter_id
    AND ms.resource = u.resource
  GROUP BY u.account_id, c.house_id, ms.service_id,
    CASE WHEN ms.wastewater THEN 1 ELSE m.tariff_zones END, u.zone
)"""

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

# The common-property volume of a house to share (ПП 354 п. 44) for a service of common
# property, from `individual`, the house's charged individual use of the service: the
# house meter's volume less it, capped at norm × common area unless the house lifted the
# cap; without the house meter, the norm for the common area; NULL when the data for it
# are missing (reported).
CAP = "(s.common_norm * hs.common_area)"
AVAILABLE = f"""CASE
  WHEN hv.volume IS NULL THEN {CAP}
  WHEN hs.common_cap_lifted THEN {POSITIVE.format(x="hv.volume - p.individual")}
  WHEN {CAP} IS NULL THEN NULL
  WHEN {POSITIVE.format(x="hv.volume - p.individual")} < {CAP}
    THEN {POSITIVE.format(x="hv.volume - p.individual")}
  ELSE {CAP} END"""

HOUSES = """houses AS MATERIALIZED (
  SELECT hh.id AS house_id, hh.common_area, hh.common_cap_lifted,
    (SELECT SUM(pr.area) FROM housing_premises pr WHERE pr.house_id = hh.id) AS total_area
  FROM housing_house hh WHERE hh.id IN (SELECT DISTINCT house_id FROM chunk)
)"""

# Every metered service in one statement: by the meters' use (wastewater: cold and hot
# water), or by the norm where the premises has no meter of the resource; each line with
# its share of the house's common-property use (on its first zone). The volume to share
# is computed once per house and service (`pool`), then shared by floor area. The money
# functions are called only where there is a share to price: on SQLite each call is
# Python's (and `shared` is materialized: inlined, SQLite computed a line's share once
# per mention).
LINES_METERED = f""", {USED}, {HOUSES},
metered AS (
  SELECT x.account_id, x.house_id, x.service_id, x.zones, x.zone,
    {POSITIVE.format(x="x.volume")} AS volume
  FROM used x
  WHERE NOT EXISTS (SELECT 1 FROM billing_runissue i WHERE i.run_id = %(run)s
    AND i.account_id = x.account_id AND i.service_id = x.service_id)
  UNION ALL
  SELECT h.account_id, h.house_id, s.id, 1, 1, s.norm_per_resident * h.residents
  FROM holders h
  JOIN billing_service s ON s.organization_id = %(organization)s AND s.method = 'meter'
    AND s.norm_per_resident IS NOT NULL
  WHERE {WITHOUT_METER}
),
priced AS MATERIALIZED (
  SELECT m.account_id, m.house_id, m.service_id, m.zone, m.volume, t.tariff_id, t.price
  FROM metered m JOIN tariffs t ON t.house_id = m.house_id AND t.service_id = m.service_id
    AND t.zones = m.zones AND t.zone = m.zone
),
pool AS MATERIALIZED (
  SELECT p.house_id, p.service_id, hs.total_area, {AVAILABLE} AS available
  FROM (SELECT house_id, service_id, SUM(volume) AS individual FROM priced
        GROUP BY house_id, service_id) p
  JOIN houses hs ON hs.house_id = p.house_id
  JOIN billing_service s ON s.id = p.service_id AND s.common_property
  LEFT JOIN billing_houseresourcevolume hv ON hv.house_id = p.house_id
    AND hv.month = %(month)s AND hv.resource = s.resource
),
shared AS MATERIALIZED (
  SELECT p.*, CASE WHEN p.zone = 1 AND o.available IS NOT NULL
      THEN COALESCE(kabinet_share(o.available, c.area, o.total_area), 0) ELSE 0 END AS common
  FROM priced p
  JOIN chunk c ON c.account_id = p.account_id
  LEFT JOIN pool o ON o.house_id = p.house_id AND o.service_id = p.service_id
)
INSERT INTO {CHARGE_COLUMNS}
SELECT %(now)s, x.account_id, %(period)s, x.service_id, x.tariff_id, x.zone, x.price,
  x.volume, kabinet_line_amount(x.price, x.volume), x.common,
  CASE WHEN x.common = 0 THEN 0 ELSE kabinet_line_amount(x.price, x.common) END, 0
FROM shared x
"""

# A house whose common-property share cannot be known: reported for its accounts.
ISSUES_COMMON = f""", {HOUSES}
INSERT INTO billing_runissue (run_id, account_id, service_id, reason, detail)
SELECT %(run)s, c.account_id, s.id, 'no_house_area', %(no_common)s
FROM chunk c
JOIN houses hs ON hs.house_id = c.house_id
JOIN billing_service s ON s.organization_id = %(organization)s AND s.common_property
LEFT JOIN billing_houseresourcevolume hv ON hv.house_id = c.house_id
  AND hv.month = %(month)s AND hv.resource = s.resource
WHERE {CAP} IS NULL AND NOT (hv.volume IS NOT NULL AND hs.common_cap_lifted)
"""

# Services first: as a rule every service has its norm, and the holders are not read.
ISSUES_NO_NORM = f"""
INSERT INTO billing_runissue (run_id, account_id, service_id, reason, detail)
SELECT %(run)s, h.account_id, s.id, 'no_norm', %(no_norm)s
FROM billing_service s CROSS JOIN holders h
WHERE s.organization_id = %(organization)s
  AND ((s.method = 'meter' AND {WITHOUT_METER}) OR s.method = 'norm')
  AND s.norm_per_resident IS NULL
"""

# What has neither a line nor a reported reason has no tariff in force. Most accounts
# have a first-zone line of every service by now (the chunk's lines were all written by
# this run, of the organization's services): they are passed over by one range of the
# charge index each rather than a look-up per service.
ISSUES_NO_TARIFF = """, charged AS MATERIALIZED (
  SELECT c.account_id FROM chunk c CROSS JOIN billing_charge ch
  WHERE ch.account_id = c.account_id AND ch.period_id = %(period)s AND ch.zone = 1
  GROUP BY c.account_id
  HAVING COUNT(*) = (SELECT COUNT(*) FROM billing_service
    WHERE organization_id = %(organization)s)
)
INSERT INTO billing_runissue (run_id, account_id, service_id, reason, detail)
SELECT %(run)s, c.account_id, s.id, 'no_tariff', %(no_tariff)s
FROM chunk c
JOIN billing_service s ON s.organization_id = %(organization)s
WHERE c.account_id NOT IN (SELECT account_id FROM charged)
  AND NOT EXISTS (SELECT 1 FROM billing_charge ch WHERE ch.period_id = %(period)s
    AND ch.account_id = c.account_id AND ch.service_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM billing_runissue i WHERE i.run_id = %(run)s
    AND i.account_id = c.account_id AND i.service_id = s.id)
  AND (s.method <> 'meter' OR c.account_id IN (SELECT account_id FROM holders))
"""


def lines_write(chunk: Chunk) -> None:
    """The chunk's lines of every service by its method, and what could not be charged."""
    chunk.execute(LINES_NOT_METERED)
    chunk.execute(LINES_METERED)
    chunk.execute(
        ISSUES_COMMON,
        {"no_common": _("нет объема по общедомовому прибору или площади и норматива СОИ")},
    )
    chunk.execute(ISSUES_NO_NORM, {"no_norm": _("не указан норматив потребления")})
    chunk.execute(
        ISSUES_NO_TARIFF,
        {"no_tariff": _("на %(date)s") % {"date": f"{chunk.month:%d.%m.%Y}"}},
    )


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
    if chunk.rows(ANY_RECALCULATION):  # most chunks have none: two statements spared
        chunk.execute(RECALCULATIONS_APPLY)
        chunk.execute(RECALCULATION_ONLY_LINES)


ANY_RECALCULATION = """
SELECT 1 FROM chunk c CROSS JOIN billing_recalculation r
WHERE r.period_id = %(period)s AND r.account_id = c.account_id LIMIT 1
"""


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

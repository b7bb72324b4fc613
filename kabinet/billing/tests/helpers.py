"""Helpers for the billing run's tests: services with a tariff, readings, a busy house."""

import datetime
from decimal import Decimal as D

from kabinet.billing.models import Charge, Service, Tariff
from kabinet.billing.services import charge_add, payment_record, period_open, tariff_add
from kabinet.meters.models import Reading
from tests.factories import (
    HouseFactory,
    MeterFactory,
    OrganizationFactory,
    PersonalAccountFactory,
    PremisesFactory,
    ServiceFactory,
)

NOV = datetime.date(2026, 11, 1)
OCT = datetime.date(2026, 10, 1)
SEP = datetime.date(2026, 9, 1)
JUN = datetime.date(2026, 6, 1)


def service(org, name, method, price, *, resource="", norm=None, common=False, common_norm=None):
    created = ServiceFactory(
        organization=org, name=name, method=method, resource=resource,
        norm_per_resident=norm, common_property=common, common_norm=common_norm,
    )  # fmt: skip
    if price is not None:
        tariff_add(service=created, price=D(price), valid_from=datetime.date(2026, 1, 1))
    return created


def reading(meter, month, value, *, zone=1, kind=Reading.Kind.REGULAR, source="resident", **extra):
    return Reading.objects.create(
        meter=meter, period=month, zone=zone, kind=kind, value=D(value), source=source, **extra
    )


def lines(account, month=NOV) -> dict[str, Charge]:
    return {
        (c.service.name if c.zone == 1 else f"{c.service.name}/{c.zone}"): c
        for c in Charge.objects.filter(account=account, period__month=month).select_related(
            "service"
        )
    }


def snapshot(org, month=NOV):
    return sorted(
        Charge.objects.filter(period__organization=org, period__month=month).values_list(
            "account_id",
            "service_id",
            "zone",
            "price",
            "volume",
            "amount",
            "common_volume",
            "common_amount",
            "recalculation",
            "total",
        )
    )


def busy_organization(org):
    """Three houses of four flats with every kind of service; half the flats metered."""
    service(org, "Содержание", Service.Method.BY_AREA, "22.73")
    service(org, "ТКО", Service.Method.BY_NORM, "125.60", norm=D("1"))
    service(org, "Холодная вода", Service.Method.BY_METER, "30.00", resource="cold_water",
            norm=D("5"), common=True, common_norm=D("0.03"))  # fmt: skip
    for _house in range(3):
        house = HouseFactory(organization=org, common_area=D("150"))
        for flat in range(4):
            premises = PremisesFactory(
                house=house, area=D(40 + flat), residents_registered=flat % 3
            )
            PersonalAccountFactory(premises=premises)
            if flat % 2:
                meter = MeterFactory(premises=premises, resource="cold_water")
                reading(meter, OCT, "10")
                reading(meter, NOV, D("12.5") + flat)
    return org


def penalised_account():
    """June 2026: upkeep 1 000 and capital repair 200 (due 15.07); September: upkeep 1 000
    (due 15.10); October: upkeep 1 000 (due 15.11). 1 100 paid 20.11.2026: June's upkeep,
    then 100 of June's capital repair.

    November (rate 16 %, capped at 9,5 %):
    - June's upkeep, 1 000 paid 20.11: day 91 was 14.10, so 01-20.11 at 1/130:
      1 000 × 20 × 9,5 % / 130 = 14,6153…
    - June's capital repair: 100 paid 20.11, 20 days at 1/300 = 0,6333…; the unpaid 100,
      30 days at 1/300 = 0,95
    - September's 1 000 unpaid: day 31 is 15.11, 16 days at 1/300 = 5,0666…
    - October's: day 31 is 16.12, nothing yet.
    Total 21,2653… → 21,27 (rounded once; the rows rounded would give 21,26)."""
    org = OrganizationFactory()
    upkeep = service(org, "Содержание", Service.Method.FIXED, "1000")
    repair = service(org, "Взнос на капремонт", Service.Method.FIXED, "200")
    Service.objects.filter(pk=repair.pk).update(capital_repair=True)
    repair.refresh_from_db()
    house = HouseFactory(organization=org)
    account = PersonalAccountFactory(
        premises=PremisesFactory(house=house), opened_on=datetime.date(2020, 1, 1)
    )
    for month, services in ((JUN, (upkeep, repair)), (SEP, (upkeep,)), (OCT, (upkeep,))):
        period = period_open(organization_id=org.pk, month=month)
        for item in services:
            charge_add(account=account, period=period, service=item,
                       tariff=Tariff.objects.get(service=item), volume=D(1))  # fmt: skip
    payment_record(
        account=account, paid_on=datetime.date(2026, 11, 20), amount=D("1100"), source="cash"
    )
    return org, account

"""Helpers for the billing run's tests: services with a tariff, readings, a busy house."""

import datetime
from decimal import Decimal as D

from kabinet.billing.models import Charge, Service
from kabinet.billing.services import tariff_add
from kabinet.meters.models import Reading
from tests.factories import (
    HouseFactory,
    MeterFactory,
    PersonalAccountFactory,
    PremisesFactory,
    ServiceFactory,
)

NOV = datetime.date(2026, 11, 1)
OCT = datetime.date(2026, 10, 1)


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

"""The account of the reference manual's Fig. 5: ОАО «Камал», ул. Гражданская, кв. 154.

Fig. 5 swaps the "Тариф" and "Объем" columns for most rows (docs/domain.md); here each
tariff is a price per unit and each volume a quantity. Two volumes carry one more
digit than the figure prints so that tariff × volume, rounded half-up once, gives the
figure's amounts exactly: hot water 6,0301 m³ × 88,26 = 532,22 and heating
0,500295 Gcal × 1 434,59 = 717,72 (the card shows volumes to four places).

History: August and September 2014 charges, payments on 15.08.2014 and 30.09.2014,
the October charges of Fig. 5 with its penalty 11,53: total 3 195,03, debt 5 589,37.
"""

import datetime
from decimal import Decimal as D

from django.db import transaction
from django.utils import timezone

from kabinet.billing.models import WASTEWATER, BillingPeriod, Payment, Service, Tariff
from kabinet.billing.services import charge_add, payment_record, penalty_add, period_open
from kabinet.housing.models import House, Organization, PersonalAccount, Premises
from kabinet.meters.models import Meter, Reading

KAMAL_INN = "1655012345"
ACCOUNT_NUMBER = "1234567"
AREA = D("50.50")

SUPPLIERS = {
    "water": dict(name='АО "Водоканал"', inn="1653006666", kpp="165301001"),
    "power": dict(name='АО "Татэнергосбыт"', inn="1657036630", kpp="165701001"),
    "heat": dict(name='АО "Казэнерго"', inn="1660055432", kpp="166001001"),
}

# name, unit, method, resource, supplier key (None: the company itself), price from
# 01.01.2014, from 01.07.2014
BY_AREA, BY_METER = Service.Method.BY_AREA, Service.Method.BY_METER
SERVICES = [
    ("Ремонт жилья", "кв. м", BY_AREA, "", None, "2.65", "2.80"),
    ("Содержание жилья", "кв. м", BY_AREA, "", None, "11.90", "12.41"),
    ("Найм жилья", "кв. м", BY_AREA, "", None, "6.20", "6.56"),
    ("Холодное водоснабжение", "м³", BY_METER, "cold_water", "water", "8.512", "9.044"),
    ("Горячее водоснабжение", "м³", BY_METER, "hot_water", "heat", "83.10", "88.26"),
    ("Водоотведение", "м³", BY_METER, WASTEWATER, "water", "12.80", "13.58"),
    ("Электроснабжение", "кВт·ч", BY_METER, "electricity", "power", "2.47", "2.61"),
    ("Отопление", "Гкал", BY_METER, "heating", "heat", "1356.85", "1434.59"),
]

# Volumes of the metered services (cold, hot, sewage, power, heating) by month.
VOLUMES = {
    datetime.date(2014, 8, 1): ("10.52", "5.81", "16.33", "185.40", "0.500295"),
    datetime.date(2014, 9, 1): ("11.20", "5.94", "17.14", "192.75", "0.500295"),
    datetime.date(2014, 10, 1): ("11.94", "6.0301", "14.726", "201.61", "0.500295"),
}
OCTOBER_PENALTY = D("11.53")
PAYMENTS = [  # date, amount, bank operation id
    (datetime.date(2014, 8, 15), D("2414.85"), "kamal-2014-08-15-0001"),
    (datetime.date(2014, 9, 30), D("1500.00"), "kamal-2014-09-30-0001"),
]
METER_READINGS = {  # resource: serial, decimals, readings at the end of Jul, Aug, Sep, Oct
    Meter.Resource.COLD_WATER: ("ХВ-0154-11", 3, ["301.250", "311.770", "322.970", "334.910"]),
    Meter.Resource.HOT_WATER: ("ГВ-0154-12", 3, ["120.400", "126.210", "132.150", "138.180"]),
    Meter.Resource.ELECTRICITY: ("Э-77415401", 0, ["10512", "10697", "10890", "11092"]),
}


def given_at(month: datetime.date) -> datetime.datetime:
    """When a demo reading for `month` was given: the 20th, 10:00 local time."""
    return timezone.make_aware(datetime.datetime(month.year, month.month, 20, 10, 0))


def organization_kamal() -> Organization:
    kamal, _ = Organization.objects.get_or_create(
        inn=KAMAL_INN,
        kpp="165501001",
        defaults=dict(
            name="ОАО «Камал»",
            is_site_operator=not Organization.objects.filter(is_site_operator=True).exists(),
            ogrn="1021602841234",
            address="420066, г. Казань, ул. Гражданская, д. 3",
            phone="+7 (843) 555-01-54",
            email="info@kamal.example",
            site="https://kamal.example",
            working_hours="пн-чт 8:00-17:00, пт 8:00-16:00, обед 12:00-13:00",
            settlement_account="40702810000000000001",
            bank_name="ПАО Сбербанк",
            bic="049205603",
            correspondent_account="30101810600000000603",
        ),
    )
    return kamal


@transaction.atomic
def reference_load() -> PersonalAccount:
    """Create the reference account and its history; a second run changes nothing."""
    kamal = organization_kamal()
    existing = PersonalAccount.objects.filter(organization=kamal, number=ACCOUNT_NUMBER).first()
    if existing:
        return existing

    suppliers = {
        key: Organization.objects.get_or_create(
            inn=data["inn"],
            kpp=data["kpp"],
            defaults={"name": data["name"], "is_management_company": False},
        )[0]
        for key, data in SUPPLIERS.items()
    }
    house = House.objects.create(
        organization=kamal, city="г. Казань", street="ул. Гражданская", number="1",
        postal_code="420066", total_area=D("8450.30"),
    )  # fmt: skip
    premises = Premises.objects.create(
        house=house, number="154", area=AREA,
        property_type=Premises.PropertyType.MUNICIPAL, residents_registered=2,
    )  # fmt: skip
    account = PersonalAccount.objects.create(
        organization=kamal, premises=premises, number=ACCOUNT_NUMBER,
        holder_name="Муравьев Сергей Петрович", opened_on=datetime.date(2009, 3, 1),
    )  # fmt: skip

    services = []
    for order, (name, unit, method, resource, supplier, old_price, new_price) in enumerate(
        SERVICES, 1
    ):
        service = Service.objects.create(
            organization=kamal, supplier=suppliers[supplier] if supplier else kamal,
            name=name, unit=unit, method=method, resource=resource, sort_order=order * 10,
        )  # fmt: skip
        Tariff.objects.create(
            service=service, price=D(old_price),
            valid_from=datetime.date(2014, 1, 1), valid_to=datetime.date(2014, 6, 30),
        )  # fmt: skip
        tariff = Tariff.objects.create(
            service=service, price=D(new_price), valid_from=datetime.date(2014, 7, 1)
        )
        services.append((service, tariff))

    for month, metered in VOLUMES.items():
        period = period_open(organization_id=kamal.pk, month=month)
        volumes = [AREA, AREA, AREA, *map(D, metered)]
        for (service, tariff), volume in zip(services, volumes, strict=True):
            charge_add(
                account=account, period=period, service=service, tariff=tariff, volume=volume
            )
        if month.month == 10:
            penalty_add(
                account=account,
                period=period,
                amount=OCTOBER_PENALTY,
                note="Пени за просрочку оплаты",
            )
    BillingPeriod.objects.filter(organization=kamal).update(
        is_closed=True, closed_at=timezone.now()
    )

    for paid_on, amount, operation in PAYMENTS:
        payment_record(
            account=account, paid_on=paid_on, amount=amount,
            source=Payment.Source.BANK, external_id=operation,
        )  # fmt: skip

    for resource, (serial, places, values) in METER_READINGS.items():
        meter = Meter.objects.create(
            premises=premises, resource=resource, serial_number=serial, decimal_places=places,
            installed_on=datetime.date(2012, 5, 14), next_verification_on=datetime.date(2018, 5, 14),
        )  # fmt: skip
        months = [datetime.date(2014, m, 1) for m in (7, 8, 9, 10)]
        Reading.objects.bulk_create(
            Reading(
                meter=meter, period=m, value=D(v), source=Reading.Source.RESIDENT,
                submitted_at=given_at(m),
            )
            for m, v in zip(months, values, strict=True)
        )  # fmt: skip
    return account

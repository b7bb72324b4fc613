"""factory-boy factories shared by every app's tests, and the one test password."""

import datetime
from decimal import Decimal

import factory

from kabinet.accounts.models import User
from kabinet.billing.models import BillingPeriod, Service, Tariff
from kabinet.housing.models import House, Organization, PersonalAccount, Premises
from kabinet.meters.models import Meter

# Every test user's password: long, not common, unlike any login (passes the validators).
PASSWORD = "Зеленая-лампа-на-окне"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f'ООО "Управляющая компания {n}"')
    inn = factory.Sequence(lambda n: f"77{n:08d}")
    kpp = "770101001"
    address = "г. Москва, ул. Тверская, д. 1"
    phone = "+7 (495) 000-00-00"
    email = factory.Sequence(lambda n: f"uk{n}@example.com")
    settlement_account = "40702810000000000001"
    bank_name = "ПАО Сбербанк"
    bic = "044525225"
    correspondent_account = "30101810400000000225"


class HouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = House

    organization = factory.SubFactory(OrganizationFactory)
    city = "г. Москва"
    street = "ул. Тверская"
    number = factory.Sequence(lambda n: str(n + 1))


class PremisesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Premises

    house = factory.SubFactory(HouseFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    area = Decimal("50.50")
    residents_registered = 2


class PersonalAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalAccount

    premises = factory.SubFactory(PremisesFactory)
    organization = factory.LazyAttribute(lambda o: o.premises.house.organization)
    number = factory.Sequence(lambda n: f"{n + 1:07d}")
    holder_name = "Иванов Иван Иванович"
    opened_on = datetime.date(2014, 1, 1)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    supplier = factory.SelfAttribute("organization")
    name = factory.Sequence(lambda n: f"Услуга {n}")
    unit = "кв. м"
    method = Service.Method.BY_AREA


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    service = factory.SubFactory(ServiceFactory)
    price = Decimal("12.41")
    valid_from = datetime.date(2014, 1, 1)


class BillingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingPeriod

    organization = factory.SubFactory(OrganizationFactory)
    month = datetime.date(2014, 10, 1)


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    premises = factory.SubFactory(PremisesFactory)
    resource = Meter.Resource.COLD_WATER
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")
    installed_on = datetime.date(2014, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    phone = "+79123456789"
    password = factory.django.Password(PASSWORD)

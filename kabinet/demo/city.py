"""The second demo company: three houses in Набережные Челны with a year of history,
every month charged by the billing run, paid and closed."""

import datetime

from django.db import transaction

from kabinet.core.periods import add_months
from kabinet.housing.models import PersonalAccount
from kabinet.meters.models import Meter

from .registry import accounts_generate, company_ensure

CITY_INN = "1650987654"
CITY = "г. Набережные Челны"
STREETS = ["пр. Мира", "ул. Строителей", "бульвар Энтузиастов"]
ACCOUNTS = 30  # three houses: 12, 12 and 6 apartments
HISTORY_MONTHS = 12


def history_months(today: datetime.date) -> list[datetime.date]:
    """The twelve months before the current one, oldest first."""
    return [add_months(today, -n) for n in range(HISTORY_MONTHS, 0, -1)]


@transaction.atomic
def city_load(*, today: datetime.date) -> int:
    months = history_months(today)
    company = company_ensure(
        name="ООО «УК Солнечный город»",
        inn=CITY_INN,
        city=CITY,
        last_month=months[-1],
        ogrn="1161650061234",
        address="423800, г. Набережные Челны, пр. Мира, д. 3",
        phone="+7 (8552) 44-10-10",
        email="dispatch@solnechny.example",
        working_hours="пн-пт 8:00-17:00; аварийная служба круглосуточно",
        settlement_account="40702810962000012345",
        bank_name='ПАО "АК БАРС" БАНК',
        bic="049205805",
        correspondent_account="30101810000000000805",
    )
    added = accounts_generate(
        company=company, count=ACCOUNTS, months=months, city=CITY,
        streets=STREETS, apartments_per_house=12, close=True,
    )  # fmt: skip
    if added:
        verification_due_set(company=company.organization, today=today)
    return added


# Accounts whose meters need a verification (поверка) soon or are past it, so that the
# meters page shows its warnings: (account's serial in the city, resource, days from today).
VERIFICATION_DUE = [
    (1, Meter.Resource.COLD_WATER, 25),
    (1, Meter.Resource.HOT_WATER, 50),
    (2, Meter.Resource.ELECTRICITY, -12),
]


def verification_due_set(*, company, today: datetime.date) -> None:
    accounts = list(PersonalAccount.objects.filter(organization=company).order_by("number")[:2])
    for serial, resource, days in VERIFICATION_DUE:
        if serial <= len(accounts):
            Meter.objects.filter(
                premises_id=accounts[serial - 1].premises_id, resource=resource
            ).update(next_verification_on=today + datetime.timedelta(days=days))

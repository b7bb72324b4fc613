"""The second demo company: three houses in Набережные Челны with a year of history,
every month charged by the billing run, paid and closed.

One account (the third) also has what the resident's "Начисления" and "Платежи" pages
must explain (`LEDGER_STORY`): a staff recalculation of an earlier, closed month booked
in a later one, a payment credited by mistake and reversed the next month, and a month
paid well ahead (an overpayment carried on).
"""

import datetime
from decimal import Decimal as D

from django.db import transaction

from kabinet.billing.models import Payment, Service
from kabinet.billing.services import payment_record, recalculation_add
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
    story = LedgerStory(organization=company.organization, months=months)
    added = accounts_generate(
        company=company, count=ACCOUNTS, months=months, city=CITY,
        streets=STREETS, apartments_per_house=12, close=True, before_run=story.before_run,
    )  # fmt: skip
    if added:
        verification_due_set(company=company.organization, today=today)
        story.payments_add()
    return added


# The story's account (its serial in the city) and events, in months before the current
# one: the recalculation is booked in month −3 for month −5 (closed by then); a payment
# credited by mistake in month −7 is reversed in month −6; month −9 is paid well ahead.
LEDGER_STORY_ACCOUNT = 3
RECALCULATION = dict(
    service="Горячее водоснабжение", concerns=-5, booked=-3, volume=D("-1.500"),
    reason="Акт проверки прибора учета: показания приняты с ошибкой",
)  # fmt: skip
MISTAKEN_PAYMENT = D("1800.00")
MISTAKE_MONTH, REVERSAL_MONTH = -7, -6
AHEAD_PAYMENT, AHEAD_MONTH = D("12000.00"), -9


class LedgerStory:
    """Writes `LEDGER_STORY_ACCOUNT`'s events while the city is generated (once)."""

    def __init__(self, *, organization, months: list[datetime.date]):
        self.organization = organization
        self.months = months

    def _month(self, offset: int) -> datetime.date:
        return self.months[offset]

    def account(self) -> PersonalAccount | None:
        accounts = PersonalAccount.objects.filter(organization=self.organization)
        return accounts.order_by("number")[LEDGER_STORY_ACCOUNT - 1 : LEDGER_STORY_ACCOUNT].first()

    def before_run(self, month: datetime.date) -> None:
        """Before the run of month −3: the recalculation of month −5 (closed by then)."""
        if len(self.months) < 5 or month != self._month(RECALCULATION["booked"]):
            return
        account = self.account()
        if account is None:
            return
        service = Service.objects.get(
            organization=self.organization, name=RECALCULATION["service"]
        )
        recalculation_add(
            account=account, service=service,
            concerns_month=self._month(RECALCULATION["concerns"]),
            volume=RECALCULATION["volume"], reason=RECALCULATION["reason"],
        )  # fmt: skip

    def payments_add(self) -> None:
        account = self.account()
        if account is None or len(self.months) < 9:
            return
        number = account.number
        bank, cash = Payment.Source.BANK, Payment.Source.CASH
        events = [
            (self._month(MISTAKE_MONTH).replace(day=26), MISTAKEN_PAYMENT, bank, "mistake",
             "Зачислен ошибочно: платеж с чужим лицевым счетом"),
            (self._month(REVERSAL_MONTH).replace(day=3), -MISTAKEN_PAYMENT, bank, "reversal",
             "Сторно ошибочно зачисленного платежа от 26-го числа"),
            (self._month(AHEAD_MONTH).replace(day=28), AHEAD_PAYMENT, cash, "ahead",
             "Оплата вперед"),
        ]  # fmt: skip
        for paid_on, amount, source, key, note in events:
            payment_record(
                account=account, paid_on=paid_on, amount=amount, source=source,
                external_id=f"demo-story-{number}-{key}", note=note,
            )  # fmt: skip


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

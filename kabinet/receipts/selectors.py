"""Reads of payment documents: what a document of one account and period prints, and the
documents of an account (docs/receipts.md).

`receipt_data` gathers everything a document prints into one JSON-able value (the
snapshot an issued document keeps): the charges are `billing.selectors.
account_period_charges`, the table of the card and the charges page, so the figures are
the same to the kopeck; the balance is `billing.selectors.account_balance`.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils.translation import gettext

from kabinet.billing import selectors as billing
from kabinet.billing.models import (
    ZONE_NAMES,
    BillingPeriod,
    Charge,
    HouseResourceVolume,
    MeterUsage,
    Payment,
    Penalty,
    PenaltyLine,
    Recalculation,
    Service,
)
from kabinet.billing.penalties import payment_due_date
from kabinet.core.masking import mask_person_name
from kabinet.core.money import ZERO, format_decimal, format_money, round_money
from kabinet.core.periods import add_months, month_end, month_label
from kabinet.housing.models import PersonalAccount, Premises
from kabinet.meters.models import Meter, Reading

from .models import Receipt

SNAPSHOT_VERSION = 1


def payment_due(month: datetime.date, organization=None) -> datetime.date:
    """The day a month's bill is due: the 10th of the next month, the 15th from the March
    2026 bill on, or the organization's earlier contract day
    (`billing.penalties.payment_due_date`, the date penalties count from)."""
    return payment_due_date(month, organization)


def _str(value) -> str | None:
    return None if value is None else str(value)


def _money(value) -> str:
    """Kopecks, whatever exponent a database's SUM gave ("3195.03", not "3195.0300000")."""
    return str(round_money(value))


def _organization(org) -> dict:
    return {
        "name": org.name,
        "inn": org.inn,
        "kpp": org.kpp,
        "address": org.address,
        "phone": org.phone,
        "email": org.email,
        "site": org.site,
        "working_hours": org.working_hours,
        "bank_name": org.bank_name,
        "bic": org.bic,
        "settlement_account": org.settlement_account,
        "correspondent_account": org.correspondent_account,
    }


def _charges(account_id: int, month: datetime.date, period_id: int) -> dict:
    table = billing.account_period_charges(account_id=account_id, month=month)
    penalties = Penalty.objects.filter(account_id=account_id, period_id=period_id)
    rows = table.rows if table else []
    return {
        "rows": [
            {
                "service": line.service,
                "unit": line.unit,
                "price": str(line.price),
                "volume": str(line.volume),
                "common_volume": str(line.common_volume),
                "charged": _money(line.charged),
                "recalculation": _money(line.recalculation),
                "total": _money(line.total),
            }
            for line in rows
        ],
        # The period's penalty with its breakdown (debt portion, days, share, rate), which
        # the document prints under the total.
        "penalty": {
            "total": _money(table.penalty if table else _sum(penalties, "amount")),
            "lines": _penalty_lines(account_id, period_id),
        },
        "charged": _money(table.amount if table else _sum(penalties, "amount")),
        "recalculation": _money(table.recalculation if table else ZERO),
        "total": _money(table.total if table else _sum(penalties, "amount")),
    }


def _penalty_lines(account_id: int, period_id: int) -> list[dict]:
    """The penalty's breakdown as the document prints it: "долг за июнь 2026, 1 000,00 ₽:
    01.11.2026–20.11.2026, 20 дн. × 1/130 × 9,5 %" and the row's sum (docs/penalties.md)."""
    lines = sorted(
        PenaltyLine.objects.filter(penalty__account_id=account_id, penalty__period_id=period_id),
        key=lambda line: (line.month, line.capital_repair, line.paid_on or datetime.date.max,
                          line.start),
    )  # fmt: skip
    return [
        {
            "label": gettext(
                "долг за %(month)s%(repair)s, %(debt)s ₽: %(start)s–%(end)s, %(days)s дн. × "
                "1/%(share)s × %(rate)s %%"
            )
            % {
                "month": month_label(line.month),
                "repair": gettext(" (капремонт)") if line.capital_repair else "",
                "debt": format_money(line.debt),
                "start": f"{line.start:%d.%m.%Y}",
                "end": f"{line.end:%d.%m.%Y}",
                "days": line.days,
                "share": line.share,
                "rate": format_decimal(line.rate, min_places=0, max_places=2),
            },
            "amount": _money(line.amount),
        }
        for line in lines
    ]


def _sum(queryset, field) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def _meters(account_id: int, premises_id: int, period_id: int, month) -> list[dict]:
    """Each meter zone's readings and use in the month, as the billing run found them;
    for months imported rather than computed (no run, no `MeterUsage`), the submitted
    readings of the month and the month before."""
    usage = sorted(
        MeterUsage.objects.filter(account_id=account_id, period_id=period_id).select_related(
            "meter"
        ),
        key=lambda u: _meter_order(u.meter, u.zone),
    )
    methods = dict(MeterUsage.Method.choices)
    if usage:
        return [
            _meter_row(u.meter, u.zone, u.start_value, u.end_value, u.volume, methods[u.method])
            for u in usage
        ]
    previous = add_months(month, -1)
    readings: dict[tuple, dict] = {}
    meters = {}
    for reading in (
        Reading.objects.filter(
            meter__premises_id=premises_id,
            period__in=[previous, month],
            kind=Reading.Kind.REGULAR,
        )
        .exclude(source=Reading.Source.COMPUTED)
        .select_related("meter")
    ):
        meters[reading.meter_id] = reading.meter
        readings.setdefault((reading.meter_id, reading.zone), {})[reading.period] = reading.value
    rows = []
    for (meter_id, zone), values in sorted(
        readings.items(), key=lambda item: _meter_order(meters[item[0][0]], item[0][1])
    ):
        if month in values and previous in values:
            start, end = values[previous], values[month]
            rows.append(
                _meter_row(meters[meter_id], zone, start, end, end - start, methods["readings"])
            )
    return rows


_RESOURCE_ORDER = {resource: index for index, resource in enumerate(Meter.Resource.values)}


def _meter_order(meter: Meter, zone: int) -> tuple:
    """Cold water, hot water, electricity, gas, heating; by serial number; by zone."""
    return _RESOURCE_ORDER.get(meter.resource, 99), meter.serial_number, zone


def _meter_row(meter: Meter, zone: int, start, end, volume, method) -> dict:
    zone_name = ZONE_NAMES.get((meter.tariff_zones, zone))
    return {
        "resource": str(Meter.Resource(meter.resource).label),
        "serial": meter.serial_number,
        "zone": str(zone_name) if zone_name else "",
        "start": _str(start),
        "end": _str(end),
        "volume": str(volume),
        "method": str(method),
    }


def _house(premises: Premises, month) -> dict:
    house = premises.house
    premises_area = _sum(Premises.objects.filter(house_id=house.pk), "area")
    resources = {**dict(Service.Resource.choices), **dict(Meter.Resource.choices)}
    return {
        "total_area": _str(house.total_area),
        "premises_area": str(premises_area),
        "common_area": _str(house.common_area),
        "volumes": [
            {"resource": str(resources.get(resource, resource)), "volume": str(volume)}
            for resource, volume in sorted(
                HouseResourceVolume.objects.filter(house_id=house.pk, month=month).values_list(
                    "resource", "volume"
                ),
                key=lambda row: _RESOURCE_ORDER.get(row[0], 99),
            )
        ],
    }


def _recalculations(account_id: int, period_id: int) -> list[dict]:
    return [
        {
            "service": name,
            "month": concerns.isoformat(),
            "kind": kind,
            "reason": reason,
            "amount": _money(amount),
        }
        for name, concerns, kind, reason, amount in Recalculation.objects.filter(
            account_id=account_id, period_id=period_id
        )
        .order_by("service__sort_order", "service__name", "concerns_month", "id")
        .values_list("service__name", "concerns_month", "kind", "reason", "amount")
    ]


def _suppliers(account_id: int, period_id: int, organization_id: int) -> list[dict]:
    """The suppliers of the month's services other than the organization itself."""
    suppliers: dict[int, dict] = {}
    for supplier_id, name, inn, service in (
        Charge.objects.filter(account_id=account_id, period_id=period_id)
        .exclude(service__supplier_id=organization_id)
        .order_by("service__sort_order", "service__name")
        .values_list(
            "service__supplier_id",
            "service__supplier__name",
            "service__supplier__inn",
            "service__name",
        )
    ):
        entry = suppliers.setdefault(supplier_id, {"name": name, "inn": inn, "services": []})
        if service not in entry["services"]:
            entry["services"].append(service)
    return list(suppliers.values())


def _balance(account_id: int, month: datetime.date) -> tuple[Decimal, Decimal, list]:
    """The balance at the start and at the end of the month, and the month's payments:
    `billing.selectors.account_balance` as of the day before the month and as of its last
    day (tested to agree), in three queries rather than six."""
    last_day = month_end(month)
    before = Q(period__month__lt=month)
    totals = {}
    for model, field in ((Charge, "total"), (Penalty, "amount")):
        totals[model] = model.objects.filter(
            account_id=account_id, period__month__lte=last_day
        ).aggregate(before=Sum(field, filter=before), until=Sum(field))
    payments = list(
        Payment.objects.filter(account_id=account_id, paid_on__lte=last_day)
        .order_by("paid_on", "id")
        .values_list("paid_on", "amount")
    )
    paid_before = sum((amount for day, amount in payments if day < month), ZERO)
    paid_until = sum((amount for _day, amount in payments), ZERO)
    start = sum((t["before"] or ZERO for t in totals.values()), ZERO) - paid_before
    end = sum((t["until"] or ZERO for t in totals.values()), ZERO) - paid_until
    in_month = [(day, amount) for day, amount in payments if day >= month]
    return round_money(start), round_money(end), in_month


def receipt_data(*, account: PersonalAccount, period: BillingPeriod) -> dict:
    """Everything the document of `account` for `period` prints (without its number).

    Balance: debt at the start of the month (charges of earlier months minus payments
    before its first day), payments received during the month, the month's charges, and
    the sum to pay, which is the balance at the month's end (`account_balance`).
    """
    month = period.month
    premises = account.premises
    start, to_pay, payments = _balance(account.pk, month)
    charges = _charges(account.pk, month, period.pk)
    return {
        "version": SNAPSHOT_VERSION,
        "month": month.isoformat(),
        "due": payment_due(month, account.organization_id).isoformat(),
        "payer": {
            # Masked as on the card: anyone who attached the account prints it.
            "name": mask_person_name(account.holder_name),
            "address": premises.address,
            "postal_code": premises.house.postal_code,
            "account": account.number,
            "area": str(premises.area),
            "residents": premises.residents_registered,
            "property_type": str(premises.get_property_type_display()),
        },
        "organization": _organization(account.organization),
        "balance": {
            "start": _money(start),
            "paid": _money(sum((amount for _day, amount in payments), ZERO)),
            "payments": [{"date": day.isoformat(), "amount": _money(a)} for day, a in payments],
            "charged": charges["total"],
            "to_pay": _money(to_pay),
        },
        "charges": charges,
        "meters": _meters(account.pk, premises.pk, period.pk, month),
        "house": _house(premises, month),
        "recalculations": _recalculations(account.pk, period.pk),
        "suppliers": _suppliers(account.pk, period.pk, account.organization_id),
    }


# --- the documents of an account ------------------------------------------------------


@dataclass(frozen=True)
class ReceiptListItem:
    month: datetime.date
    total: Decimal  # the month's charges (the charges page's "Итого")
    is_closed: bool
    receipt: Receipt | None  # issued: number, date, sum to pay


def account_receipts(*, account_id: int) -> list[ReceiptListItem]:
    """Every month with charges, newest first, with its issued document if there is one:
    four queries whatever the length of the history."""
    history = billing.account_charge_history(account_id=account_id)
    issued = {
        receipt.period.month: receipt
        for receipt in Receipt.objects.filter(account_id=account_id)
        .select_related("period")
        .only("number", "issued_at", "to_pay", "period__month")
    }
    closed = set(
        BillingPeriod.objects.filter(
            organization__accounts=account_id, is_closed=True
        ).values_list("month", flat=True)
    )
    return [
        ReceiptListItem(
            month=row.month,
            total=row.total,
            is_closed=row.month in closed,
            receipt=issued.get(row.month),
        )
        for row in history
    ]


def account_period(
    *, account: PersonalAccount, month: datetime.date | None = None
) -> BillingPeriod | None:
    """The period of the account's organization for `month` (by default the latest one)
    in which the account has a line (a charge or a penalty): one with a document."""
    periods = BillingPeriod.objects.filter(organization_id=account.organization_id).filter(
        Exists(Charge.objects.filter(account_id=account.pk, period_id=OuterRef("pk")))
        | Exists(Penalty.objects.filter(account_id=account.pk, period_id=OuterRef("pk")))
    )
    if month is not None:
        periods = periods.filter(month=month)
    return periods.order_by("-month").first()

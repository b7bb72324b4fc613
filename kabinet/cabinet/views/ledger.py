"""The account's money pages: "Начисления" (one period's charges, with their
recalculations, the chart and the comparison) and "Платежи" (the money flow of a range
of months with every payment).

Both read the ledgers through `billing.selectors` in a fixed number of queries, and
answer any query string: a month that cannot be read or that the account has no data
for gives a message in Russian and the default, never an error page.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kabinet.billing import selectors as billing
from kabinet.cabinet import charts
from kabinet.core.periods import add_months, month_label, month_value

from . import payments_online
from .base import account_url, account_view, render_account_page

CHART_MONTHS = 12
DEFAULT_RANGE_MONTHS = 12
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(value: str | None) -> datetime.date | None:
    """ "2014-09" → 1 September 2014; anything else (a 13th month, year 0, 10⁹⁹) → None."""
    match = _MONTH.fullmatch((value or "").strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def _optional_url(name: str, account_id: int, month: datetime.date) -> str | None:
    """A page of the month that another issue builds: its URL once the name exists."""
    url = account_url(name, account_id)
    if url is None:
        return None
    key = "period" if name == "cabinet:penalty" else "month"
    return f"{url}?{key}={month_value(month)}"


# --- Начисления ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The period's total against an earlier month's ("умная платежка")."""

    month: datetime.date
    total: Decimal | None  # None: nothing was charged that month
    current: Decimal

    @property
    def difference(self) -> Decimal | None:
        return None if self.total is None else self.current - self.total

    @property
    def size(self) -> Decimal | None:
        """The difference without its sign (the page says "+" or "−")."""
        return None if self.total is None else abs(self.difference)

    @property
    def percent(self) -> Decimal | None:
        """The size against the earlier month's total, in per cent to a tenth."""
        if not self.total or self.total <= 0:
            return None
        return (self.size * 100 / self.total).quantize(Decimal("0.1"))


def _as_first_opened(request, account_id: int):
    """ "Начисления" without a period asked for: the months and the latest period, read
    with the access check."""
    if "period" in request.GET or "month" in request.GET:
        return None
    return billing.charges_overview_read(account_id=account_id)


@account_view(balances=False, read=_as_first_opened)
def charges(request, held):
    if "month" in request.GET and "period" not in request.GET:
        # The history page's old address (?month=YYYY-MM) opens the same period here.
        return redirect(f"{request.path}?{urlencode({'period': request.GET['month']})}")
    account_id = held.account.pk
    asked = request.GET.get("period")
    if asked is None:  # as first opened: the latest period, read with the months
        monthly, latest_table = held.read
    else:
        monthly, latest_table = billing.account_monthly_totals(account_id=account_id), None
    history = {row.month: row for row in monthly}
    totals = {month: row.total for month, row in history.items()}  # newest first
    months = list(totals)
    messages = []
    month = months[0] if months else None
    if asked is not None and months:
        wanted = parse_month(asked)
        if wanted is None:
            messages.append(
                _("Период «%(value)s» указан неверно: показан последний период.")
                % {"value": asked[:20]}
            )
        elif wanted not in totals:
            messages.append(
                _("За %(month)s начислений нет: показан последний период.")
                % {"month": month_label(wanted)}
            )
        else:
            month = wanted
    context = {"months": months, "month": month, "messages_ledger": messages}
    if month is not None:
        chart_months = [add_months(month, -n) for n in range(CHART_MONTHS - 1, -1, -1)]
        points = [(m, totals.get(m)) for m in chart_months]
        current = totals[month]
        # The latest charged period's table, when it is the month shown (the latest
        # month may have only a penalty); else the month's own.
        table = latest_table
        latest = table is not None and table.month == month
        if not latest:
            table = billing.account_period_charges(account_id=account_id, month=month)
        context.update(
            table=table,
            total=current,
            recalculations=billing.account_period_recalculations(
                account_id=account_id, month=month, latest=latest
            )
            if history[month].recalculated
            else [],
            chart=charts.money_chart(
                [(m, value or Decimal(0)) for m, value in points], selected=month
            ),
            chart_rows=points,
            changes=[
                Change(m, totals.get(m), current)
                for m in (add_months(month, -1), add_months(month, -12))
            ],
            penalty_url=_optional_url("cabinet:penalty", account_id, month),
            receipt_url=_optional_url("cabinet:receipt", account_id, month),
        )
    return render_account_page(request, held, "cabinet/charges.html", "charges", context)


# --- Платежи -------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    first: datetime.date
    last: datetime.date
    messages: list[str]


def payments_range(
    params, *, earliest: datetime.date, latest: datetime.date, default_last: datetime.date
) -> Range:
    """The months to show from `?from=YYYY-MM&to=YYYY-MM`: by default the last twelve up
    to `default_last`; a month that cannot be read gives its default, one outside the
    account's months is brought inside, a start after the end gives the default range.
    Each correction comes with a message saying what is shown instead."""
    default_first = max(earliest, add_months(default_last, -(DEFAULT_RANGE_MONTHS - 1)))
    messages = []
    chosen = {}
    for key, default, name in (
        ("from", default_first, _("начала")),
        ("to", default_last, _("конца")),
    ):
        raw = params.get(key)
        value = parse_month(raw) if raw else None
        if raw and value is None:
            messages.append(
                _("Месяц %(which)s периода «%(value)s» указан неверно: нужен вид ГГГГ-ММ.")
                % {"which": name, "value": raw[:20]}
            )
        chosen[key] = value or default
    first, last = chosen["from"], chosen["to"]
    if first > last:
        messages.append(_("Начало периода позже его конца: показаны последние 12 месяцев."))
        first, last = default_first, default_last
    clamped_first, clamped_last = max(first, earliest), min(last, latest)
    if (clamped_first, clamped_last) != (first, last):
        if clamped_first > clamped_last:
            clamped_first, clamped_last = default_first, default_last
        messages.append(
            _("Данные по лицевому счету есть с %(first)s по %(last)s: показаны эти месяцы.")
            % {"first": month_label(earliest), "last": month_label(latest)}
        )
    return Range(clamped_first, clamped_last, messages)


@account_view(
    balances=False,
    read=lambda _request, account_id: billing.ledger_read(account_id=account_id),
)
def payments(request, held):
    ledger = held.read  # billing.account_ledger(), read with the access check
    # The balance from the ledgers read here anyway rather than summed by the access check.
    context = {"balance": ledger.balance, **payments_online.payments_page_extra(held)}
    if ledger.first is not None:
        latest = ledger.last  # the latest month with a charge or a payment
        shown = payments_range(
            request.GET, earliest=ledger.first, latest=latest, default_last=latest
        )
        flow = billing.account_money_flow(first=shown.first, last=shown.last, ledger=ledger)
        options = []
        month = latest
        while month >= ledger.first:
            options.append(month)
            month = add_months(month, -1)
        context.update(flow=flow, options=options, messages_ledger=shown.messages)
    return render_account_page(request, held, "cabinet/payments.html", "payments", context)


@account_view()
def penalty(request, held):
    """The breakdown of a month's penalty (`?period=YYYY-MM`, else the latest month with
    one): which debt, from when to when, the days, the share and the rate."""
    month = parse_month(request.GET.get("period"))
    breakdown = billing.account_penalty_breakdown(account_id=held.account.pk, month=month)
    context = {"breakdown": breakdown, "month": month}
    return render_account_page(request, held, "cabinet/penalty.html", "charges", context)

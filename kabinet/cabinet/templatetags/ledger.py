"""The repeated parts of "Начисления" and "Платежи" and of the charts: `{% load ledger %}`.

Built here as plain strings rather than with {% for %} loops of filters, as the card's
`{% charge_rows %}` is: a page shows up to a few hundred figures and month names, and
the template engine took more than half of its time (bench/bench_ledger_pages.py).
Text that comes from people (service names, units, reasons) is escaped; numbers and
month names are formatted here and hold no markup.
"""

import html
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from kabinet.core.i18n import per_language
from kabinet.core.money import format_money
from kabinet.core.periods import month_label, month_names, month_value
from kabinet.core.templatetags.ru_format import quantity

register = template.Library()


def escape(text) -> str:
    """Django's `escape` without its lazy-argument wrapper (the same characters escaped):
    the tags escape a hundred strings a page."""
    return html.escape(str(text))


def _day(day) -> str:
    """ "20.10.2026", spelled with integers (strftime took three times as long, once per
    payment shown)."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


@per_language
def _written_options() -> dict:
    """The <option> of each month written so far in the active language: "Платежи" lists
    every month of the account twice, and the months are few (those of the ledgers)."""
    return {}


def _option(month, names, selected: bool = False) -> str:
    mark = " selected" if selected else ""
    return f'<option value="{month_value(month)}"{mark}>{month_label(month, names)}</option>'


@register.simple_tag
def month_options(months, selected):
    """<option>s of months ("2026-10" → "октябрь 2026"), `selected` marked."""
    names = month_names()
    written = _written_options()
    options = []
    for month in months:
        if month == selected:
            options.append(_option(month, names, selected=True))
            continue
        option = written.get(month)
        if option is None:
            option = written[month] = _option(month, names)
        options.append(option)
    return mark_safe("".join(options))


class _Balance:
    """ "долг 1 234,56", "переплата 500,00" or "0,00", translated once per page."""

    def __init__(self):
        self.debt = gettext("долг %(sum)s")
        self.credit = gettext("переплата %(sum)s")

    def __call__(self, value) -> str:
        if value > 0:
            return self.debt % {"sum": format_money(value)}
        if value < 0:
            return self.credit % {"sum": format_money(-value)}
        return format_money(value)


@register.filter
def balance(value):
    """{{ flow.opening|balance }} → "долг 1 234,56", "переплата 500,00" or "0,00"."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return _Balance()(number)


def _cell(value, label: str, *, optional: bool = False) -> str:
    kind = "m-empty" if optional and not value else "m-detail"  # m-empty: not on phones
    return f'<td class="num {kind}" data-label="{label}">{format_money(value)}</td>'


_FLOW_COLUMNS = ("На начало", "Начислено", "Перерасчет", "Пени", "Оплачено", "На конец")


@per_language
def _flow_texts() -> dict:
    """The money flow's fixed texts, translated (and escaped) once per language."""
    return {
        "columns": [escape(gettext(label)) for label in _FLOW_COLUMNS],
        "reversal": escape(gettext("сторно")),
        "payments_of": gettext("Платежи за %(month)s"),
        "title": escape(gettext("Движение финансов")),
        "caption": gettext(
            "%(first)s — %(last)s, ₽. Долг — сумма к оплате, переплата — зачтется в "
            "следующих месяцах."
        ),
        "month": escape(gettext("Месяц")),
        "whole": escape(gettext("За весь период")),
    }


@register.simple_tag
def money_flow_table(flow):
    """ "Движение финансов" (`billing.selectors.MoneyFlow`): a row a month with its
    payments under it (date, sum, source, a reversal marked), and the range's totals.
    Built here whole, headings included, as the page's largest part."""
    names = month_names()
    text = _flow_texts()
    labels = text["columns"]
    opening, charged, recalc, penalty, paid, closing = labels
    reversal = text["reversal"]
    payments_of = text["payments_of"]
    _balance = _Balance()
    rows = []
    for row in flow.months:
        month = month_label(row.month, names)
        rows.append(
            f'<tr class="flow-month"><th scope="row" class="m-title">{month}</th>'
            f'<td class="num m-detail" data-label="{opening}">{_balance(row.opening)}</td>'
            f"{_cell(row.charged, charged)}{_cell(row.recalculated, recalc, optional=True)}"
            f"{_cell(row.penalties, penalty, optional=True)}{_cell(row.paid, paid)}"
            f'<td class="num m-key" data-label="{closing}">{_balance(row.closing)}</td></tr>'
        )
        if row.payments:
            items = "".join(
                f'<li class="reversal">{_day(p.paid_on)} — {format_money(p.amount)}&nbsp;₽ — '
                f"{escape(p.source_label[:1].upper() + p.source_label[1:])} ({reversal})</li>"
                if p.amount < 0
                else f"<li>{_day(p.paid_on)} — {format_money(p.amount)}&nbsp;₽ — "
                f"{escape(p.source_label[:1].upper() + p.source_label[1:])}</li>"
                for p in row.payments
            )
            label = escape(payments_of % {"month": month})
            rows.append(
                f'<tr class="flow-payments"><td colspan="7" class="m-line">'
                f'<ul class="payment-list" aria-label="{label}">{items}</ul></td></tr>'
            )
    title = text["title"]
    caption = escape(
        text["caption"]
        % {"first": month_label(flow.first, names), "last": month_label(flow.last, names)}
    )
    headings = "".join(f'<th scope="col" class="num">{label}</th>' for label in labels)
    body = "\n".join(rows)
    return mark_safe(
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{title}">\n'
        f'<table class="money-flow stack cards">\n<caption>{caption}</caption>\n'
        f'<thead><tr><th scope="col">{text["month"]}</th>{headings}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n<tfoot>\n<tr>"
        f'<th scope="row" class="m-title">{text["whole"]}</th>'
        f'<td class="num m-detail" data-label="{opening}">{_balance(flow.opening)}</td>'
        f"{_cell(flow.charged, charged)}{_cell(flow.recalculated, recalc)}"
        f"{_cell(flow.penalties, penalty)}{_cell(flow.paid, paid)}"
        f'<td class="num m-key" data-label="{closing}">{_balance(flow.closing)}</td>'
        "</tr>\n</tfoot>\n</table>\n</div>"
    )


@per_language
def _charges_texts() -> dict:
    """The period table's fixed texts, translated (and escaped) once per language."""
    text = {
        "common": escape(gettext("На общедомовые нужды")),
        "recalculation": escape(gettext("Перерасчет")),
        "price": escape(gettext("Тариф, ₽")),
        "volume": escape(gettext("Объем")),
        "amount": escape(gettext("Начислено")),
        "total": escape(gettext("Итого")),
        "penalty": escape(gettext("Пени")),
        "calculation": escape(gettext("расчет")),
        "service": escape(gettext("Услуга")),
        "caption": gettext("Начисление за %(month)s года"),
    }
    text["headings"] = "".join(
        f'<th scope="col" class="num">{label}</th>'
        for label in (
            text["price"],
            text["volume"],
            text["amount"],
            f'<abbr title="{text["common"]}">{escape(gettext("ОДН"))}</abbr>',
            text["recalculation"],
            text["total"],
        )
    )
    return text


def _period_charge_rows(table) -> str:
    """The service lines of one period (`billing.selectors.ChargesTable`) on "Начисления":
    service, tariff, volume with its unit, charged, the common-property share (its volume
    under it), recalculation, total."""
    text = _charges_texts()
    common_label, recalc_label = text["common"], text["recalculation"]
    price_label, volume_label = text["price"], text["volume"]
    amount_label, total_label = text["amount"], text["total"]
    rows = []
    for line in table.rows:
        unit = escape(line.unit)
        if line.common_amount:
            common = (
                f'<td class="num m-detail" data-label="{common_label}">'
                f'{format_money(line.common_amount)}<span class="common-share"> '
                f"({quantity(line.common_volume, 6)} {unit})</span></td>"
            )
        else:
            common = '<td class="num m-empty">—</td>'
        if line.recalculation:
            recalc = (
                f'<td class="num m-detail" data-label="{recalc_label}">'
                f"{format_money(line.recalculation)}</td>"
            )
        else:
            recalc = '<td class="num m-empty">—</td>'
        rows.append(
            f'<tr><th scope="row" class="m-title">{escape(line.service)}</th>'
            f'<td class="num m-price" data-label="{price_label}">{quantity(line.price)}</td>'
            f'<td class="num m-volume" data-label="{volume_label}">{quantity(line.volume)} '
            f"{unit}</td>"
            f'<td class="num m-detail" data-label="{amount_label}">{format_money(line.amount)}'
            f"</td>{common}{recalc}"
            f'<td class="num m-key" data-label="{total_label}">{format_money(line.total)}</td></tr>'
        )
    return "\n".join(rows)


@register.simple_tag
def period_charges_table(table, penalty_url=None):
    """One period's charges on "Начисления" (`billing.selectors.ChargesTable`): a row a
    service, the penalty (opening its breakdown at `penalty_url`), the totals (the sums
    of the lines, as the period totals are). The common-property share (ОДН) has its own column. Built
    here whole, as the page's largest part."""
    month = month_label(table.month)
    text = _charges_texts()
    caption = escape(text["caption"] % {"month": month})
    common, recalc, amount, total = (
        text["common"],
        text["recalculation"],
        text["amount"],
        text["total"],
    )
    penalty = text["penalty"]
    if penalty_url and table.penalty:
        penalty += (
            f' <a class="penalty-link" href="{escape(penalty_url)}">{text["calculation"]}</a>'
        )
    headings = text["headings"]
    penalty_sum = format_money(table.penalty)
    common_sum = table.common_amount

    def kind(value) -> str:
        return "m-detail" if value else "m-empty"

    return mark_safe(
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{caption}">\n'
        f'<table class="charges period-charges stack cards">\n<caption>{caption}</caption>\n'
        f'<thead><tr><th scope="col">{text["service"]}</th>{headings}</tr></thead>\n'
        f"<tbody>\n{_period_charge_rows(table)}\n"
        f'<tr class="penalty"><th scope="row" class="m-title">{penalty}</th>'
        '<td class="m-hide"></td><td class="m-hide"></td>'
        f'<td class="num m-empty">{penalty_sum}</td>'
        '<td class="m-hide"></td><td class="num m-empty">—</td>'
        f'<td class="num m-key" data-label="{total}">{penalty_sum}</td></tr>\n'
        "</tbody>\n<tfoot>\n<tr>"
        f'<th scope="row" class="m-title">{total}</th>'
        '<td class="m-hide"></td><td class="m-hide"></td>'
        f'<td class="num m-detail" data-label="{amount}">{format_money(table.own_amount)}</td>'
        f'<td class="num {kind(common_sum)}" data-label="{common}">{format_money(common_sum)}</td>'
        f'<td class="num {kind(table.recalculation)}" data-label="{recalc}">'
        f"{format_money(table.recalculation)}</td>"
        f'<td class="num m-key" data-label="{total}">{format_money(table.total)}</td>'
        "</tr>\n</tfoot>\n</table>\n</div>"
    )  # fmt: skip


@register.simple_tag
def trend_rows(rows, selected):
    """The chart's months as table rows: the month (a link to it when it has charges) and
    its total, "—" for a month without charges."""
    names = month_names()
    out = []
    for month, value in rows:
        label = month_label(month, names)
        current = ' class="selected"' if month == selected else ""
        if value is None:
            out.append(f'<tr{current}><th scope="row">{label}</th><td class="num">—</td></tr>')
        else:
            out.append(
                f'<tr{current}><th scope="row"><a href="?period={month_value(month)}">{label}</a></th>'
                f'<td class="num">{format_money(value)}</td></tr>'
            )
    return mark_safe("\n".join(out))


@register.simple_tag
def chart_marks(chart):
    """The inside of a chart's SVG (`cabinet.charts.Chart`): grid lines with the value
    ticks, the bars with their titles, the axis, the months and years under it."""
    left, right = chart.plot_left, chart.plot_right
    parts = []
    for tick in chart.ticks:
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{right}" y1="{tick.y}" y2="{tick.y}"/>'
            f'<text class="chart-tick" x="{tick.x}" y="{tick.y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(tick.text)}</text>'
        )
    for s in chart.segments:
        parts.append(
            f'<rect class="chart-bar chart-zone-{s.zone}" x="{s.x}" y="{s.y}" '
            f'width="{s.width}" height="{s.height}"><title>{escape(s.title)}</title></rect>'
        )
    parts.append(
        f'<line class="chart-axis" x1="{left}" x2="{right}" y1="{chart.baseline}" '
        f'y2="{chart.baseline}"/>'
    )
    for label in chart.months:
        parts.append(
            f'<text class="chart-label" x="{label.x}" y="{label.y}" text-anchor="middle">'
            f"{escape(label.text)}</text>"
        )
    for label in chart.years:
        parts.append(
            f'<text class="chart-label chart-year" x="{label.x}" y="{label.y}" '
            f'text-anchor="middle">{escape(label.text)}</text>'
        )
    return mark_safe("\n".join(parts))


@per_language
def _change_texts() -> dict:
    return {
        "labels": (
            escape(gettext("К предыдущему месяцу")),
            escape(gettext("К тому же месяцу прошлого года")),
        ),
        "then": gettext("тогда %(total)s"),
        "none": escape(gettext("начислений не было")),
        "same": escape(gettext("без изменений")),
    }


@register.simple_tag
def change_items(changes):
    """The period's total against the previous month and the same month a year before
    ("умная платежка", `views.ledger.Change`): <li>s of the sign and size, in per cent
    when it can be, and the earlier total."""
    names = month_names()
    text = _change_texts()
    labels, then = text["labels"], text["then"]
    items = []
    for label, change in zip(labels, changes, strict=False):
        difference = change.difference
        if difference is None:
            figure = text["none"]
        elif difference:
            up = difference > 0
            sign = "+" if up else "−"
            figure = (
                f'<strong class="change-{"up" if up else "down"}">{sign}'
                f"{format_money(change.size)}&nbsp;₽</strong>"
            )
            if change.percent is not None:
                figure += f" ({sign}{quantity(change.percent, 1)}&nbsp;%)"
        else:
            figure = text["same"]
        earlier = ""
        if change.total is not None:
            earlier = (
                f' <span class="muted">— {escape(then % {"total": format_money(change.total)})}'
                "&nbsp;₽</span>"
            )
        items.append(f"<li>{label} ({month_label(change.month, names)}): {figure}{earlier}</li>")
    return mark_safe("\n".join(items))


@register.simple_tag
def chart_figure(chart, table_id, table_label=None):
    """A chart (`cabinet.charts.Chart`) as a figure: the inline SVG (no script, no style
    attributes: CSP) titled and described for screen readers, and a caption with its
    summary, the zones' legend and a link to its text equivalent, the table `table_id`."""
    legend = ""
    if chart.zones:
        keys = " · ".join(
            f'<span class="chart-key chart-zone-{int(zone)}" aria-hidden="true"></span>'
            f"{escape(name)}"
            for zone, name in chart.zones
        )
        legend = f'<span class="chart-legend">{keys}</span>'
    label = table_label or gettext("Таблица показаний и расхода")
    summary = escape(chart.summary)
    return mark_safe(
        f'<figure class="chart">\n<svg class="chart-svg" viewBox="0 0 {chart.width} '
        f'{chart.height}" role="img" aria-labelledby="chart-title chart-desc" '
        'preserveAspectRatio="xMidYMid meet">\n'
        f'<title id="chart-title">{escape(chart.title)}</title>\n'
        f'<desc id="chart-desc">{summary}</desc>\n{chart_marks(chart)}\n</svg>\n'
        f'<figcaption>\n{summary}\n{legend}\n<a href="#{escape(table_id)}">{escape(label)}</a>'
        "\n</figcaption>\n</figure>"
    )

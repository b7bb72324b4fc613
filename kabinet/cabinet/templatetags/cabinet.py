"""Filters for the account pages: `{% load cabinet %}`."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from kabinet.core.masking import mask_person_name
from kabinet.core.money import format_decimal, format_money
from kabinet.core.periods import month_label
from kabinet.core.templatetags.ru_format import quantity
from kabinet.meters.rules import format_reading

register = template.Library()


@register.filter
def masked_name(value):
    """{{ account.holder_name|masked_name }} → "Муравьев Сергей *****вич"."""
    return mask_person_name(str(value or ""))


@register.filter
def area(value):
    """{{ premises.area|area }} → "50,50" (square metres, always two decimals: "48,00")."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return format_decimal(number, min_places=2, max_places=2)


@register.filter
def rate(value):
    """{{ line.rate|rate }} → "9,5", "16", "8,25" (a rate in %, zeros trimmed)."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return format_decimal(number, min_places=0, max_places=2)


_NO_RECALCULATION = '<td class="num m-hide" data-label="%s">—</td>'


@register.simple_tag
def charge_rows(table):
    """The service lines of a `billing.selectors.ChargesTable` (the card's Fig. 5 table).

    Built here as plain strings rather than with a {% for %} loop (or format_html,
    twice as slow as this): the card is the cabinet's busiest page
    (bench/bench_account_card.py). Only the service's name and unit come from people
    and are escaped; the numbers are formatted here and hold no markup.
    Columns: service, unit, tariff, volume, charged, recalculation, total. A line with a
    common-property share shows it under the volume ("+ 0,35 на СОИ") and charges both.
    """
    recalculation_label = escape(gettext("Перерасчет"))
    common_label = escape(gettext("на СОИ"))
    # data-label: the column's heading, shown beside the figure when a narrow screen stacks
    # the row (site.css, table.cards); screen readers use the real <th scope="col">.
    unit_label, price_label, volume_label, charged_label, total_label = (
        escape(gettext(label))
        for label in ("Единица измерения", "Тариф, ₽", "Объем", "Начислено", "Итого начислено")
    )
    rows = []
    for line in table.rows:
        volume = quantity(line.volume)
        if line.common_volume:
            volume += (
                f'<span class="common-share"> + {quantity(line.common_volume)} '
                f"{common_label}</span>"
            )
        if line.recalculation:
            recalculation = (
                f'<td class="num m-detail" data-label="{recalculation_label}">'
                f"{format_money(line.recalculation)}</td>"
            )
        else:
            recalculation = _NO_RECALCULATION % recalculation_label
        rows.append(
            f'<tr><th scope="row" class="m-title">{escape(line.service)}</th>'
            f'<td class="m-unit" data-label="{unit_label}">{escape(line.unit)}</td>'
            f'<td class="num m-price" data-label="{price_label}">{quantity(line.price)}</td>'
            f'<td class="num m-volume" data-label="{volume_label}">{volume}</td>'
            f'<td class="num m-hide" data-label="{charged_label}">'
            f"{format_money(line.charged)}</td>{recalculation}"
            f'<td class="num m-key" data-label="{total_label}">{format_money(line.total)}</td></tr>'
        )
    return mark_safe("\n".join(rows))


@register.filter
def reading(value, meter):
    """{{ value|reading:meter }} → "334,910" (the meter's decimals), "11 092"."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return format_reading(number, getattr(meter, "decimal_places", 0))


@register.filter
def get_item(mapping, key):
    """{{ row.cells|get_item:zone }}."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def zone_name(meter, zone):
    """{{ meter|zone_name:2 }} → "Т2 (ночь)"."""
    return meter.zone_name(int(zone))


@register.filter
def join_periods(months):
    """{{ months|join_periods }} → "октябрь 2014, ноябрь 2014"."""
    return ", ".join(month_label(month) for month in months)


@register.filter
def money_abs(value):
    """{{ balance|money_abs }} → "500,00" for −500: the sign is said in words."""
    try:
        return format_money(abs(Decimal(value)))
    except (InvalidOperation, TypeError, ValueError):
        return ""


CURRENT_PAGE = ' aria-current="page"'


@register.simple_tag
def account_menu_items(menu):
    """The side menu's <li>s (`views.base.MenuItem`), the page shown marked: built here,
    as every account page shows it, rather than with a loop of tags."""
    return mark_safe(
        "".join(
            f'<li><a href="{escape(item.url)}"{CURRENT_PAGE if item.current else ""}>'
            f"{escape(item.label)}</a></li>"
            for item in menu
        )
    )

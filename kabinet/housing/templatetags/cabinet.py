"""Filters for the account pages: `{% load cabinet %}`."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from kabinet.core.masking import mask_person_name
from kabinet.core.money import format_decimal, format_money
from kabinet.core.templatetags.ru_format import quantity

register = template.Library()


@register.filter
def masked_name(value):
    """{{ account.holder_name|masked_name }} → "Муравьев Сергей *****вич"."""
    return mask_person_name(str(value or ""))


@register.filter
def area(value):
    """{{ premises.area|area }} → "50,5" (square metres, zeros trimmed: 48,00 → "48")."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return format_decimal(number, min_places=0, max_places=2)


_CHARGE_ROW = (
    '<tr><th scope="row" class="m-title">{}</th><td class="m-unit">{}</td>'
    '<td class="num m-price">{}</td><td class="num m-volume">{}</td>'
    '<td class="num m-hide">{}</td>{}<td class="num m-key">{}</td></tr>'
)
_NO_RECALCULATION = mark_safe('<td class="num m-hide">—</td>')


@register.simple_tag
def charge_rows(table):
    """The service lines of a `housing.selectors.ChargesTable` (the card's Fig. 5 table).

    Rendered here rather than with a {% for %} loop: the card is the cabinet's busiest
    page and this halves the table's rendering time (bench/bench_account_card.py).
    Columns: service, unit, tariff, volume, charged, recalculation, total.
    """
    recalculation_label = gettext("Перерасчет")

    def recalculation(line):
        if not line.recalculation:
            return _NO_RECALCULATION
        return format_html(
            '<td class="num m-detail" data-label="{}">{}</td>',
            recalculation_label,
            format_money(line.recalculation),
        )

    return format_html_join(
        "\n",
        _CHARGE_ROW,
        (
            (
                line.service,
                line.unit,
                quantity(line.price),
                quantity(line.volume),
                format_money(line.amount),
                recalculation(line),
                format_money(line.total),
            )
            for line in table.rows
        ),
    )

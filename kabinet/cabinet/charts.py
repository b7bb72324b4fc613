"""Charts drawn on the server as inline SVG: no JavaScript, a text equivalent beside them.

`consumption_chart` lays out a meter's monthly use as bars (stacked by tariff zone),
`money_chart` an account's monthly charges in rubles; the tag `{% chart_figure %}`
(cabinet/templatetags/ledger.py) draws both. Geometry is computed here, in the SVG's
own units (the picture scales to the page's width).
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.core.i18n import per_language
from kabinet.core.money import format_decimal, format_money, round_money
from kabinet.core.periods import month_label, month_names
from kabinet.meters import rules
from kabinet.meters.models import Meter, Reading
from kabinet.meters.selectors import HistoryRow

MONTHS_SHORT = (
    gettext_lazy("янв"), gettext_lazy("фев"), gettext_lazy("мар"), gettext_lazy("апр"),
    gettext_lazy("май"), gettext_lazy("июн"), gettext_lazy("июл"), gettext_lazy("авг"),
    gettext_lazy("сен"), gettext_lazy("окт"), gettext_lazy("ноя"), gettext_lazy("дек"),
)  # fmt: skip


@per_language
def _short_month_names() -> tuple[str, ...]:
    return tuple(str(name) for name in MONTHS_SHORT)


MAX_BARS = 24
WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 6, 12, 42  # margins: ticks on the left, months below


class Segment(NamedTuple):  # a few dozen a chart: a named tuple is made fastest
    x: float
    y: float
    width: float
    height: float
    zone: int
    title: str


class Label(NamedTuple):
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    segments: list[Segment]
    ticks: list[Label]  # value labels on the left, with a grid line at each
    months: list[Label]
    years: list[Label]
    baseline: float
    plot_left: int
    plot_right: int
    title: str
    summary: str  # the chart in one sentence (the SVG's <desc>)
    zones: list[tuple[int, str]]  # for the legend of a multi-zone meter


def _nice_step(top: Decimal) -> Decimal:
    """A round step giving 3-5 grid lines up to `top`: 1, 2, 2.5 or 5 × 10ⁿ."""
    if top <= 0:
        return Decimal(1)
    raw = top / 4
    exponent = raw.adjusted()
    base = Decimal(10) ** exponent
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if base * factor >= raw:
            return base * factor
    return base * 10  # pragma: no cover - the loop ends at 10


def _fmt(value: Decimal, places: int) -> str:
    return rules.format_reading(value, places)


@functools.cache
def _columns(count: int, left: int) -> tuple[float, tuple[tuple[float, float], ...]]:
    """The bars' width and each bar's left edge and middle, rounded, for `count` bars
    from `left`: the same for every chart of that size, so worked out once."""
    slot = (WIDTH - left - RIGHT) / count
    bar = slot * 0.7
    edges = [left + index * slot + (slot - bar) / 2 for index in range(count)]
    return round(bar, 2), tuple((round(x, 2), round(x + bar / 2, 2)) for x in edges)


class _Frame:
    """The plot's geometry: `count` bars side by side from `left`, values from 0 up to a
    round number above `top`; the value ticks and the months under the bars."""

    def __init__(self, *, count: int, top: Decimal, left: int = LEFT):
        self.step = _nice_step(top)
        self.scale_top = max(
            self.step, (top / self.step).to_integral_value(rounding=ROUND_CEILING) * self.step
        )
        self.left = left
        self.count = count
        self.plot_height = HEIGHT - TOP - BOTTOM
        # The bars' width, and the (left edge, middle) of each bar.
        self.bar_width, self.columns = _columns(count, left)
        self.baseline = TOP + self.plot_height
        self.months: list[Label] = []
        self.years: list[Label] = []
        self.month_names = _short_month_names()  # looked up once, not once a bar

    def y_of(self, value: Decimal) -> float:
        return self.baseline - float(value / self.scale_top) * self.plot_height

    def label_month(self, index: int, month, next_month) -> None:
        """Every month's name when they fit, otherwise every other one; the year under
        January and under the first bar."""
        middle = self.columns[index][1]
        if self.count <= 12 or index % 2 == (self.count - 1) % 2:
            self.months.append(
                Label(middle, self.baseline + 18, self.month_names[month.month - 1])
            )
        next_is_january = next_month is not None and next_month.month == 1
        if month.month == 1 or (index == 0 and not next_is_january):
            self.years.append(Label(middle, self.baseline + 34, str(month.year)))

    def ticks(self, fmt) -> list[Label]:
        exponent = self.step.normalize().as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        ticks, value = [], Decimal(0)
        while value <= self.scale_top:
            ticks.append(Label(self.left - 6, round(self.y_of(value), 2), fmt(value, places)))
            value += self.step
        return ticks

    def chart(self, *, segments, title: str, summary: str, tick_format, zones=()) -> Chart:
        return Chart(
            width=WIDTH, height=HEIGHT, segments=segments, ticks=self.ticks(tick_format),
            months=self.months, years=self.years, baseline=self.baseline,
            plot_left=self.left, plot_right=WIDTH - RIGHT, title=title, summary=summary,
            zones=list(zones),
        )  # fmt: skip


def consumption_chart(rows: list[HistoryRow], *, meter: Meter) -> Chart | None:
    """Bars of the monthly use (newest `MAX_BARS` months with a use), oldest on the left.
    A use covering several months (a gap in the readings) is drawn as its monthly average."""
    usable = [row for row in rows if row.kind != Reading.Kind.INITIAL and row.monthly is not None][
        :MAX_BARS
    ]
    if not usable:
        return None
    usable.reverse()
    places = max(meter.decimal_places, 0)
    unit = meter.unit
    frame = _Frame(count=len(usable), top=max(row.monthly for row in usable))
    y_of = frame.y_of
    segments = []
    bar_title = _("%(month)s: %(value)s %(unit)s")
    for index, row in enumerate(usable):
        x = frame.columns[index][0]
        bottom = Decimal(0)
        for zone in meter.zones:
            cell = row.cells.get(zone)
            if cell is None or cell.monthly is None or cell.monthly <= 0:
                continue
            value = cell.monthly
            title = bar_title % {
                "month": month_label(row.period),
                "value": _fmt(value, places),
                "unit": unit,
            }
            if meter.tariff_zones > 1:
                title = f"{meter.zone_name(zone)}, {title}"
            if cell.months > 1:
                title += " " + _("(в среднем за %(months)d мес.)") % {"months": cell.months}
            y_top = y_of(bottom + value)
            segments.append(
                Segment(
                    x,
                    round(y_top, 2),
                    frame.bar_width,
                    round(y_of(bottom) - y_top, 2),
                    zone,
                    title,
                )
            )
            bottom += value
        following = usable[index + 1].period if index + 1 < len(usable) else None
        frame.label_month(index, row.period, following)
    monthly = [row.monthly for row in usable]
    summary = _(
        "Расход по месяцам (%(first)s — %(last)s): от %(low)s до %(high)s %(unit)s, "
        "в среднем %(average)s %(unit)s в месяц."
    ) % {
        "first": month_label(usable[0].period),
        "last": month_label(usable[-1].period),
        "low": _fmt(min(monthly), places),
        "high": _fmt(max(monthly), places),
        "average": _fmt(sum(monthly) / len(monthly), places),
        "unit": unit,
    }
    return frame.chart(
        segments=segments,
        tick_format=_fmt,
        title=_("Расход по месяцам, %(unit)s") % {"unit": unit},
        summary=summary,
        zones=[(zone, meter.zone_name(zone)) for zone in meter.zones]
        if meter.tariff_zones > 1
        else [],
    )


@per_language
def _money_texts() -> dict[str, str]:
    """The money chart's fixed texts, translated once per language."""
    return {
        "bar": _("%(month)s: %(value)s ₽"),
        "summary": _(
            "Начислено по месяцам (%(first)s — %(last)s): от %(low)s до %(high)s ₽, "
            "в среднем %(average)s ₽ в месяц."
        ),
        "title": _("Начислено по месяцам, ₽"),
    }


def money_chart(
    points: list[tuple[datetime.date, Decimal]], *, selected: datetime.date | None = None
) -> Chart | None:
    """Bars of monthly sums in rubles (oldest on the left); a month without charges has
    no bar but keeps its place. The `selected` month's bar is drawn in the second colour.
    A negative month (a large recalculation back) is drawn at zero; its figure is in the
    table beside the chart."""
    if not points or not any(value for _month, value in points):
        return None
    top = max(max(value for _month, value in points), Decimal(0))
    frame = _Frame(count=len(points), top=top, left=LEFT + 14)  # rubles take more room
    segments = []
    text = _money_texts()
    bar_title = text["bar"]
    names = month_names()
    for index, (month, value) in enumerate(points):
        if value > 0:
            y_top = frame.y_of(value)
            title = bar_title % {
                "month": month_label(month, names),
                "value": format_money(value),
            }
            segments.append(
                Segment(
                    frame.columns[index][0],
                    round(y_top, 2),
                    frame.bar_width,
                    round(frame.baseline - y_top, 2),
                    2 if month == selected else 1,
                    title,
                )
            )
        following = points[index + 1][0] if index + 1 < len(points) else None
        frame.label_month(index, month, following)
    charged = [value for _month, value in points if value]
    summary = text["summary"] % {
        "first": month_label(points[0][0]),
        "last": month_label(points[-1][0]),
        "low": format_money(min(charged)),
        "high": format_money(max(charged)),
        "average": format_money(round_money(sum(charged) / len(charged))),
    }
    return frame.chart(
        segments=segments,
        tick_format=lambda value, _places: format_decimal(value, min_places=0),
        title=text["title"],
        summary=summary,
    )

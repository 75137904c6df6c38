"""Bar charts drawn on the server as SVG, readable without JavaScript: a y axis with "nice"
ticks and a title, an x axis with spaced labels and a title, a legend, and a ``<title>``
tooltip on every bar.

Built with ElementTree (the standard library's XML writer), so every label and tooltip is
escaped by the serializer and never pasted into markup. Colours come from classes styled
in static/style.css: the pages' CSP forbids inline ``style`` attributes.

Every (category, series) pair gets its rect, a zero-height one for a zero, so a chart of
N days and S series always holds N × S bars (the tests count them).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

WIDTH, HEIGHT = 720, 240  # the whole SVG; the plot sits inside the margins
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 58  # room for tick labels, axis titles and legend
MAX_X_LABELS = 10
MAX_BAR = 28  # pixels


@dataclass
class Series:
    key: str  # a CSS class and data-series value: [a-z0-9-]
    label: str  # shown in the legend
    values: Sequence[float | None]  # one per category; None is drawn as 0


@dataclass
class BarChart:
    title: str
    categories: Sequence[str]  # data-category of each column (a day, a run id …)
    x_labels: Sequence[str]  # the text under each column (only some are drawn)
    series: Sequence[Series]
    y_label: str
    x_label: str
    stacked: bool = False
    value_format: str = "{:g}"  # the tooltips' and ticks' number format
    bar_classes: Sequence[str] | None = None  # an extra class per column (a run's status)
    legend: Sequence[tuple[str, str]] | None = None  # (class, label); default: the series
    chart_id: str | None = None
    tooltips: Sequence[str] | None = None  # per column; default "<x label>: <values>"
    integer: bool = True  # counts: whole-number ticks
    extra: dict[str, str] = field(default_factory=dict)  # more attributes on <svg>


def nice_ticks(top: float, count: int = 4, integer: bool = False) -> list[float]:
    """0 and evenly spaced round values (1, 2 or 5 × 10^k apart) up to ≥ ``top``; whole
    numbers only when ``integer`` (counts of articles have no half ticks)."""
    if top <= 0:
        return [0, 1]
    raw = max(top / count, 1) if integer else top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): str(v)
                                          for k, v in attrs.items() if v is not None})  # fmt: skip
    if text is not None:
        element.text = text
    return element


def _column_totals(chart: BarChart) -> list[float]:
    columns = range(len(chart.categories))
    values = [[float(s.values[i] or 0) for s in chart.series] for i in columns]
    return [sum(v) if chart.stacked else max(v, default=0.0) for v in values]


def render(chart: BarChart) -> Markup:
    """The chart as an inline ``<svg>`` element (safe markup)."""
    n, plot_w, plot_h = len(chart.categories), WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ticks = nice_ticks(max(_column_totals(chart), default=0.0), integer=chart.integer)
    y_max, base = ticks[-1], TOP + plot_h

    def y(value: float) -> float:
        return base - value / y_max * plot_h

    svg = ET.Element("svg", {"class": "chart", "role": "img", "width": str(WIDTH),
                             "height": str(HEIGHT), "viewBox": f"0 0 {WIDTH} {HEIGHT}",
                             **({"id": chart.chart_id} if chart.chart_id else {}),
                             **chart.extra})  # fmt: skip
    svg.set("aria-label", chart.title)
    _sub(svg, "title", chart.title)

    y_axis = _sub(svg, "g", class_="y-axis")
    _sub(y_axis, "line", class_="axis", x1=LEFT, y1=TOP, x2=LEFT, y2=base)
    for value in ticks:
        tick = _sub(y_axis, "g", class_="tick", data_value=_num(value))
        _sub(tick, "line", class_="grid", x1=LEFT, y1=_num(y(value)), x2=WIDTH - RIGHT,
             y2=_num(y(value)))  # fmt: skip
        _sub(tick, "text", chart.value_format.format(value), x=LEFT - 4, y=_num(y(value) + 3),
             text_anchor="end")  # fmt: skip
    _sub(y_axis, "text", chart.y_label, class_="axis-label", x=12, y=_num(TOP + plot_h / 2),
         text_anchor="middle", transform=f"rotate(-90 12 {_num(TOP + plot_h / 2)})")  # fmt: skip

    band = plot_w / max(n, 1)
    groups = 1 if chart.stacked else max(len(chart.series), 1)
    bar_w = min(max(band * 0.8 / groups, 1.0), MAX_BAR)  # a few runs: bars, not slabs
    pad = (band - bar_w * groups) / 2
    bars = _sub(svg, "g", class_="bars")
    for i, category in enumerate(chart.categories):
        column = _sub(bars, "g", class_="column", data_category=category)
        extra = f" {chart.bar_classes[i]}" if chart.bar_classes else ""
        stack = 0.0
        for j, s in enumerate(chart.series):
            value = float(s.values[i] or 0)
            shown = chart.value_format.format(value)
            x = LEFT + i * band + pad + (0 if chart.stacked else j * bar_w)
            top = y(stack + value) if chart.stacked else y(value)
            bottom = y(stack) if chart.stacked else base
            stack += value
            rect = _sub(column, "rect", class_=f"bar {s.key}{extra}", data_series=s.key,
                        data_value=_num(value), x=_num(x), y=_num(top), width=_num(bar_w),
                        height=_num(bottom - top))  # fmt: skip
            tip = chart.tooltips[i] if chart.tooltips else f"{chart.x_labels[i]}: {s.label} {shown}"
            _sub(rect, "title", tip)

    x_axis = _sub(svg, "g", class_="x-axis")
    _sub(x_axis, "line", class_="axis", x1=LEFT, y1=base, x2=WIDTH - RIGHT, y2=base)
    every = max(math.ceil(n / MAX_X_LABELS), 1)
    for i in range(0, n, every):
        cx = LEFT + (i + 0.5) * band
        tick = _sub(x_axis, "g", class_="tick", data_category=chart.categories[i])
        _sub(tick, "line", x1=_num(cx), y1=base, x2=_num(cx), y2=base + 4)
        _sub(tick, "text", chart.x_labels[i], x=_num(cx), y=base + 15, text_anchor="middle")
    _sub(x_axis, "text", chart.x_label, class_="axis-label", x=_num(LEFT + plot_w / 2),
         y=base + 31, text_anchor="middle")  # fmt: skip

    legend = _sub(svg, "g", class_="legend")
    entries = chart.legend or [(s.key, s.label) for s in chart.series]
    x = LEFT
    for key, label in entries:
        item = _sub(legend, "g", class_="legend-item", data_series=key)
        _sub(item, "rect", class_=f"swatch bar {key}", x=x, y=HEIGHT - 14, width=10, height=10)
        _sub(item, "text", label, x=x + 14, y=HEIGHT - 5)
        x += 24 + 7 * len(label)  # a rough width: labels are short words
    return Markup(ET.tostring(svg, encoding="unicode"))

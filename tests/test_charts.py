"""Server-drawn SVG charts (luutru/web/charts.py): parsed as XML, they carry their axes,
tick labels, axis titles, a legend and one bar per (category, series); labels are escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from luutru.web.charts import BarChart, Series, nice_ticks, render


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _chart(**kw) -> BarChart:
    days = [f"2026-01-{d:02d}" for d in range(1, 31)]
    values = {"published": [d % 4 for d in range(30)], "archived": [7] + [0] * 29}
    base = dict(
        title="Articles per day", categories=days, x_labels=[d[8:] + "/01" for d in days],
        series=[Series(k, k.title(), v) for k, v in values.items()],
        y_label="Articles", x_label="Day",
    )  # fmt: skip
    base.update(kw)
    return BarChart(**base)


@pytest.mark.parametrize(
    ("top", "integer", "ticks"),
    [(7, True, [0, 2, 4, 6, 8]), (23, True, [0, 10, 20, 30]), (1, True, [0, 1]),
     (3, True, [0, 1, 2, 3]), (0, True, [0, 1]), (0.5, False, [0, 0.2, 0.4, 0.6])],
)  # fmt: skip
def test_nice_ticks_cover_the_top_with_round_steps(top, integer, ticks) -> None:
    assert nice_ticks(top, integer=integer) == pytest.approx(ticks)


def test_grouped_bars_axes_ticks_titles_and_legend() -> None:
    svg = _parse(render(_chart()))
    assert svg.tag == "svg" and svg.get("role") == "img"
    assert svg.find("title").text == "Articles per day"
    rects = svg.findall("./g[@class='bars']/g[@class='column']/rect")
    assert len(rects) == 30 * 2  # one bar per day and series, zero-height ones included
    assert {r.get("data-series") for r in rects} == {"published", "archived"}
    # y axis: ticks 0..8 (the top 7 rounded up), labelled; its title
    y_ticks = [t.find("text").text for t in svg.findall("./g[@class='y-axis']/g[@class='tick']")]
    assert y_ticks == ["0", "2", "4", "6", "8"]
    assert svg.find("./g[@class='y-axis']/text[@class='axis-label']").text == "Articles"
    # x axis: at most 10 labels, the first day first, its title
    x_ticks = [t.find("text").text for t in svg.findall("./g[@class='x-axis']/g[@class='tick']")]
    assert x_ticks[0] == "01/01" and 2 <= len(x_ticks) <= 10
    assert svg.find("./g[@class='x-axis']/text[@class='axis-label']").text == "Day"
    legend = [i.find("text").text for i in svg.findall("./g[@class='legend']/g")]
    assert legend == ["Published", "Archived"]
    # the tallest bar reaches 7/8 of the plot: heights scale with the values
    heights = {float(r.get("height")) for r in rects if r.get("data-value") == "7"}
    threes = {float(r.get("height")) for r in rects if r.get("data-value") == "3"}
    assert len(heights) == 1 and heights.pop() == pytest.approx(threes.pop() * 7 / 3, rel=0.01)


def test_stacked_bars_sit_on_each_other() -> None:
    chart = _chart(stacked=True, series=[Series("a", "A", [2] * 30), Series("b", "B", [3] * 30)])
    svg = _parse(render(chart))
    column = svg.find("./g[@class='bars']/g[@class='column']")
    low, high = column.findall("rect")
    assert float(low.get("y")) == pytest.approx(float(high.get("y")) + float(high.get("height")))
    ticks = [t.find("text").text for t in svg.findall(".//g[@class='y-axis']/g")]
    assert ticks == ["0", "2", "4", "6"]  # the stack's total, 5, rounded up


def test_bar_classes_tooltips_and_explicit_legend() -> None:
    chart = _chart(
        categories=["1", "2"], x_labels=["a", "b"],
        series=[Series("duration", "Duration", [1.5, None])], integer=False,
        bar_classes=["succeeded", "failed"], tooltips=["#1 ok", "#2 failed"],
        legend=[("succeeded", "ok"), ("failed", "failed")],
    )  # fmt: skip
    svg = _parse(render(chart))
    rects = svg.findall("./g[@class='bars']/g/rect")
    assert [r.get("class") for r in rects] == ["bar duration succeeded", "bar duration failed"]
    assert [r.find("title").text for r in rects] == ["#1 ok", "#2 failed"]
    assert float(rects[1].get("height")) == 0  # no duration: drawn as nothing, still there
    assert [g.get("data-series") for g in svg.findall("./g[@class='legend']/g")] == [
        "succeeded", "failed"]  # fmt: skip


def test_labels_are_escaped_not_markup() -> None:
    evil = '<script>alert(1)</script>"'
    markup = str(render(_chart(title=evil, y_label=evil)))
    assert "<script>" not in markup
    svg = _parse(markup)
    assert svg.find("title").text == evil and svg.get("aria-label") == evil


def test_empty_chart_still_has_axes() -> None:
    svg = _parse(render(_chart(categories=[], x_labels=[], series=[Series("a", "A", [])])))
    assert svg.find("./g[@class='y-axis']/line[@class='axis']") is not None
    assert svg.findall("./g[@class='bars']/g") == []


def test_few_columns_get_narrow_centred_bars() -> None:
    chart = _chart(categories=["1", "2"], x_labels=["a", "b"], series=[Series("d", "D", [1, 2])])
    svg = _parse(render(chart))
    rects = svg.findall("./g[@class='bars']/g/rect")
    ticks = [float(t.find("line").get("x1")) for t in svg.findall("./g[@class='x-axis']/g")]
    for rect, centre in zip(rects, ticks, strict=True):
        x, w = float(rect.get("x")), float(rect.get("width"))
        assert w <= 28 and x + w / 2 == pytest.approx(centre)  # under its x-axis tick

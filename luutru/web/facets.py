"""The search page's facets: counts beside the results as links that filter, pick-lists
fed by them, and a date histogram drawn on the server (SVG, no JavaScript) whose bars are
links filtering to their month (or year, over long spans).

The counts come from ``archive.search.search(facets=True)`` (archive/search_facets.py);
this module only turns them into links and geometry. Exposed to search.html as the
``facet_view`` template global.
"""

from __future__ import annotations

import calendar
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from archive.fold import fold
from luutru.web.pages import templates

LISTED = ("site", "province", "department", "category", "author")
# A facet filters by its exact value (``author_is`` …: what it counted, so the results
# number its count), replacing the typed substring filter on the same field, if any.
PARAM = {"site": "site", "province": "province_is", "department": "department_is",
         "category": "category_is", "author": "author_is"}  # fmt: skip
TYPED = {"province": "province", "department": "department", "category": "category",
         "author": "author"}  # fmt: skip
MAX_MONTH_BARS = 48  # beyond, one bar per year
CHART_H, BAR_W, GAP, LEFT, BOTTOM = 80, 14, 2, 34, 18


def _url(request: Request, drop: tuple[str, ...], add: list[tuple[str, str]]) -> str:
    keep = [(k, v) for k, v in request.query_params.multi_items()
            if k not in ("page", *drop)]  # fmt: skip
    return "/search?" + urlencode([*keep, *add])


def _months(first: str, last: str) -> list[str]:
    """Every YYYY-MM from ``first`` to ``last`` (the histogram shows empty months too)."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def histogram(request: Request, facets: dict[str, Any]) -> dict[str, Any] | None:
    """Bars (oldest left) with their filter links, and the axes' labels."""
    months = {i["value"]: i["count"] for i in facets.get("month", [])}
    if not months:
        return None
    span = _months(min(months), max(months))
    if len(span) > MAX_MONTH_BARS:
        years = {i["value"]: i["count"] for i in facets.get("year", [])}
        first, last = int(min(years)), int(max(years))
        keys = [str(y) for y in range(first, last + 1)]
        counts = [years.get(k, 0) for k in keys]
        ranges = [(f"{k}-01-01", f"{k}-12-31") for k in keys]
        labels = keys
    else:
        keys = span
        counts = [months.get(k, 0) for k in keys]
        ranges = [
            (f"{k}-01", f"{k}-{calendar.monthrange(int(k[:4]), int(k[5:]))[1]:02d}") for k in keys
        ]
        labels = [f"{k[5:]}/{k[:4]}" for k in keys]
    top = max(counts) or 1
    bars = []
    for i, (key, count, (start, end), label) in enumerate(
        zip(keys, counts, ranges, labels, strict=True)
    ):
        h = round(count / top * CHART_H) if count else 0
        url = _url(request, ("date_from", "date_to"), [("date_from", start), ("date_to", end)])
        x = LEFT + i * (BAR_W + GAP)
        bars.append({"key": key, "label": label, "count": count, "url": url,
                     "x": x, "y": CHART_H - h, "w": BAR_W, "h": h})  # fmt: skip
    width = LEFT + len(bars) * (BAR_W + GAP)
    return {"bars": bars, "top": top, "width": width, "height": CHART_H + BOTTOM,
            "axis_y": CHART_H, "left": LEFT, "first": labels[0], "last": labels[-1]}  # fmt: skip


def facet_view(request: Request, result: dict[str, Any] | None) -> dict[str, Any] | None:
    """What search.html shows beside the results: per facet its values with counts, a
    link filtering by each and one clearing it; the histogram; the counted total."""
    facets = (result or {}).get("facets")
    if not facets:
        return None
    lists = []
    for name in LISTED:
        param = PARAM[name]
        drop = (param, TYPED[name]) if name in TYPED else (param,)
        chosen = [c for c in request.query_params.getlist(param) if c]
        picked = {fold(c) if name in TYPED else c for c in chosen}
        typed = request.query_params.get(TYPED.get(name, ""), "")
        items = []
        for item in facets.get(name, []):
            value = str(item["value"])
            key = fold(value) if name in TYPED else value
            items.append({**item, "label": item.get("label") or value, "chosen": key in picked,
                          "url": _url(request, drop, [(param, value)])})  # fmt: skip
        clear = _url(request, drop, []) if chosen or typed else None
        lists.append({"name": name, "param": param, "entries": items, "clear_url": clear,
                      "chosen": chosen, "typed": typed})  # fmt: skip
    return {"lists": lists, "histogram": histogram(request, facets),
            "counted": facets.get("counted", 0), "partial": facets.get("partial", False),
            "undated": facets.get("undated", 0)}  # fmt: skip


templates.env.globals["facet_view"] = facet_view

"""Facets of a search: how many matching articles per site, province, department,
category, author, year and month, counted over the very matches the search lists.

The matches are read once (doc id, version, site, date, folded author and category from
``search_docs``: no text is read), newest first, up to ``FACET_CAP``, and counted here;
past the cap the counts cover the newest ``FACET_CAP`` matches and say so (``partial``).
Province and department come from the ``sites`` table, as the filters read them. Every
listed value is counted by its folded form ("Tin tức" and "TIN TỨC" are one), the form
the exact filters (``author_is`` …, archive/search_filters.py) compare, so filtering by
a value returns exactly its count; an author or category is shown in the spelling of
the most recent version that has it, a province or department in its commonest one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from archive.fold import fold

FACET_CAP = 50_000  # matches counted (a few tens of ms on SQLite)
TOP = 20  # values listed per facet (months: all)
FIELDS = ("site", "province", "department", "category", "author", "year", "month")


def _values(counter: Counter, labels: dict[Any, str] | None = None, top: int = TOP) -> list[dict]:
    """[{value, count}] most frequent first (ties by value), at most ``top``."""
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
    out = []
    for key, count in ranked:
        item = {"value": labels.get(key, key) if labels else key, "count": count}
        out.append(item)
    return out


def count_facets(
    conn: Connection,
    select_matches: Callable[[str, int], list],
) -> dict[str, Any]:
    """The facets of the matches ``select_matches(columns, cap)`` returns: it runs the
    search's own FROM/WHERE, newest doc first, selecting ``columns`` from ``d``
    (search_docs), at most ``cap`` rows."""
    rows = select_matches(
        "d.version_id, d.site, d.date, d.author_folded, d.category_folded", FACET_CAP + 1
    )
    partial = len(rows) > FACET_CAP
    if partial:
        rows = rows[:FACET_CAP]
    # Counted column by column with C-level tools (zip, Counter, map, filter): a Python
    # loop over 50,000 matches was most of a search's time at 100,000 articles.
    vids, site_col, days, author_col, category_col = zip(*rows, strict=True) if rows else ((),) * 5
    sites: Counter = Counter(site_col)
    dated = list(filter(None, days))  # a falsy date (None, "") is undated
    undated = len(rows) - len(dated)
    years: Counter = Counter(map(itemgetter(slice(0, 4)), dated))
    months: Counter = Counter(map(itemgetter(slice(0, 7)), dated))
    authors, newest_author = _tally(author_col, vids)
    categories, newest_category = _tally(category_col, vids)
    info = {
        r[0]: (r[1], r[2], r[3])
        for r in conn.exec_driver_sql("SELECT id, name, province, department FROM sites")
    }
    # by folded name, as the exact filters match (province_is="tỉnh a" is "Tỉnh A"),
    # shown in the spelling that counts most matches
    provinces: Counter = Counter()
    departments: Counter = Counter()
    spelt: dict[str, dict[str, Counter]] = {"province": {}, "department": {}}
    for site, count in sites.items():
        _name, province, department = info.get(site, (None, None, None))
        for kind, counter, value in (("province", provinces, province),
                                     ("department", departments, department)):  # fmt: skip
            if value:
                counter[fold(value)] += count
                spelt[kind].setdefault(fold(value), Counter())[value] += count
    shown = {kind: {key: _values(names, top=1)[0]["value"] for key, names in found.items()}
             for kind, found in spelt.items()}  # fmt: skip
    shown_author = _spellings(conn, "author", authors, newest_author)
    shown_category = _spellings(conn, "category", categories, newest_category)
    site_items = _values(sites)
    for item in site_items:
        item["label"] = info.get(item["value"], (None,))[0] or item["value"]
    return {
        "counted": len(rows),
        "partial": partial,
        "undated": undated,
        "site": site_items,
        "province": _values(provinces, shown["province"]),
        "department": _values(departments, shown["department"]),
        "category": _values(categories, shown_category),
        "author": _values(authors, shown_author),
        "year": sorted(_values(years, top=len(years)), key=lambda i: i["value"]),
        "month": sorted(_values(months, top=len(months)), key=lambda i: i["value"]),
    }


def _tally(values: tuple, vids: tuple) -> tuple[Counter, dict[str, int]]:
    """(count of each truthy value, {value: the newest version holding it})."""
    counter: Counter = Counter(filter(None, values))
    # oldest version first, so the last (newest) one a value meets is the one dict() keeps
    order = sorted(range(len(vids)), key=vids.__getitem__)
    newest = dict(zip(map(values.__getitem__, order), map(vids.__getitem__, order), strict=True))
    newest.pop(None, None)
    newest.pop("", None)
    return counter, newest


def _spellings(
    conn: Connection, column: str, counter: Counter, newest: dict[str, int]
) -> dict[str, str]:
    """{folded value: its spelling in the newest version holding it}, for the listed ones."""
    ids = {newest[item["value"]]: item["value"] for item in _values(counter)}
    if not ids:
        return {}
    listed = ", ".join(str(int(i)) for i in ids)  # integers: no quoting to get wrong
    rows = conn.exec_driver_sql(f"SELECT id, {column} FROM versions WHERE id IN ({listed})")
    return {ids[r[0]]: r[1] for r in rows if r[1]}

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

On PostgreSQL the same matches are counted by the database (``count_facets_grouped``: one
query, GROUPING SETS), and only the counts come back: shipping 50,000 rows through psycopg
to count them here cost the web process 135 ms of CPU for a common word at 100,000
articles, and `luutru serve` on PostgreSQL answered 13.5 requests a second to 30 readers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, text

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


@dataclass
class _Tally:
    """The counts of the matches, before they are listed."""

    counted: int = 0
    partial: bool = False
    undated: int = 0
    sites: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)
    months: Counter = field(default_factory=Counter)
    authors: Counter = field(default_factory=Counter)
    newest_author: dict[str, int] = field(default_factory=dict)  # value: newest version
    categories: Counter = field(default_factory=Counter)
    newest_category: dict[str, int] = field(default_factory=dict)


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
    dated = list(filter(None, days))  # a falsy date (None, "") is undated
    authors, newest_author = _tally(author_col, vids)
    categories, newest_category = _tally(category_col, vids)
    tally = _Tally(
        counted=len(rows),
        partial=partial,
        undated=len(rows) - len(dated),
        sites=Counter(site_col),
        years=Counter(map(itemgetter(slice(0, 4)), dated)),
        months=Counter(map(itemgetter(slice(0, 7)), dated)),
        authors=authors,
        newest_author=newest_author,
        categories=categories,
        newest_category=newest_category,
    )
    return _listed(conn, tally)


# The matches (``{matches}``: id, version_id, site, date, author_folded, category_folded of
# d, newest first, at most :facet_cap + 1 rows) counted in one pass of GROUPING SETS; the
# oldest row is left out when the cap was passed, as count_facets drops it.
_GROUPED = (
    "WITH m AS MATERIALIZED ({matches}), "
    "s AS (SELECT count(*) AS n, min(id) AS oldest FROM m), "
    "k AS (SELECT m.* FROM m, s WHERE s.n <= :facet_cap OR m.id <> s.oldest) "
    "SELECT GROUPING(site), GROUPING(left(date, 7)), GROUPING(author_folded), "
    "GROUPING(category_folded), site, left(date, 7), author_folded, category_folded, "
    "count(*), max(version_id), (SELECT n FROM s) FROM k "
    "GROUP BY GROUPING SETS ((site), (left(date, 7)), (author_folded), (category_folded), ())"
)


def count_facets_grouped(conn: Connection, matches: str, params: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL: ``count_facets`` of the matches the SQL ``matches`` selects (see
    _GROUPED), counted by the database; the same answer."""
    tally, found = _Tally(), 0
    query = text(_GROUPED.format(matches=matches))
    bound = {**params, "facet_cap": FACET_CAP, "facet_rows": FACET_CAP + 1}
    for row in conn.execute(query, bound):
        # GROUPING(x) is 1 in the rows that are not grouped by x
        (by_site, by_month, by_author, by_category,
         site, month, author, category, count, newest, n) = row  # fmt: skip
        found = int(n)
        if not by_site:
            tally.sites[site] += count
        elif not by_month:
            if month:  # a falsy date (None, "") is undated
                tally.months[month] += count
                tally.years[month[:4]] += count
            else:
                tally.undated += count
        elif not by_author:
            if author:
                tally.authors[author], tally.newest_author[author] = count, newest
        elif not by_category:
            if category:
                tally.categories[category], tally.newest_category[category] = count, newest
        else:
            tally.counted = count
    tally.partial = found > FACET_CAP
    return _listed(conn, tally)


def _listed(conn: Connection, tally: _Tally) -> dict[str, Any]:
    """The facets as listed: the values of each, most frequent first."""
    sites = tally.sites
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
    shown_author = _spellings(conn, "author", tally.authors, tally.newest_author)
    shown_category = _spellings(conn, "category", tally.categories, tally.newest_category)
    site_items = _values(sites)
    for item in site_items:
        item["label"] = info.get(item["value"], (None,))[0] or item["value"]
    return {
        "counted": tally.counted,
        "partial": tally.partial,
        "undated": tally.undated,
        "site": site_items,
        "province": _values(provinces, shown["province"]),
        "department": _values(departments, shown["department"]),
        "category": _values(tally.categories, shown_category),
        "author": _values(tally.authors, shown_author),
        "year": sorted(_values(tally.years, top=len(tally.years)), key=lambda i: i["value"]),
        "month": sorted(_values(tally.months, top=len(tally.months)), key=lambda i: i["value"]),
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

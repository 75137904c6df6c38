"""Full-text search over the archive (SQLite FTS5), Vietnamese-aware.

Storage (migration 0004)
------------------------
- ``search_docs`` (archive/schema.py): one row per *version*, with what filters need
  (article, site, date, folded author/category) and ``is_current`` (1 on the article's
  newest version). Its id is the rowid of the two FTS tables below. Rows are only added,
  like versions; a new version only moves ``is_current``.
- ``search_folded``: FTS5, columns title/summary/body, holding ``fold(text)`` (NFC, marks
  stripped, đ→d, lowercase: see archive/fold.py) — the default, diacritic-insensitive mode.
- ``search_exact``: FTS5, same columns, holding ``exact_key(text)`` (NFC, lowercase,
  diacritics kept) — the ``exact=True`` mode ("lao động" but not "lao dong"/"lão động").

Both are *contentless* (``content=''``): the index only, no second copy of the text, so
the database grows by the index alone. Snippets and highlights are cut in Python from
``versions`` for the page of hits only: the text is folded again and, folding being
length-preserving on NFC text, the offsets of matched words in the folded text are the
offsets of the original words with their diacritics. Status (live/removed) is read from
``articles`` at query time, so it never goes stale and ``gone()`` needs no hook; province
and department come from the ``sites`` table (``Archive.upsert_site``) at query time too.

Modules
-------
- archive/search_query.py: the query syntax (``parse_query``: words, phrases, AND/OR/NOT,
  ``-word``, prefixes, parentheses; ``SearchSyntaxError``) and its FTS5/tsquery forms;
- archive/search_index.py: the index tables, ``index_version`` and ``rebuild``;
- archive/search_plan.py: how a page is fetched and in which order (relevance ranks the
  newest ``RANK_CAP`` matches first; see there), counting up to ``COUNT_CAP``;
- archive/search_hits.py: the hits and their highlighted snippets;
- archive/search_latest.py: the newest articles, for an empty query where one is allowed;
- archive/search_filters.py: the filters as SQL conditions (typed substrings, exact values);
- here: ``search`` (filters, the API), ``SearchMixin`` (``Archive`` methods).

Bounded cost
------------
Whoever reaches /search types queries, so each search is bounded: the query's size
(archive/search_query.py: length, nesting, words, prefixes), the words a prefix stands
for on SQLite (``MAX_EXPANSION``: a prefix becomes an OR of the indexed words it starts,
read from an ``fts5vocab`` table; past the budget it stays a native FTS5 prefix, and the
plan then never looks rows up one by one, as each lookup would re-read every matching
word's list), and its time in the database (``SEARCH_TIMEOUT`` seconds: a progress
handler on SQLite, ``SET LOCAL statement_timeout`` on PostgreSQL). A search stopped by
the timeout raises ``SearchTooCostly``; the connection is rolled back and usable. Every
such error is a ``SearchSyntaxError`` (a ValueError) with one line for a person: the CLI
exits 2 with it, the web answers 400.

PostgreSQL
----------
The same API and semantics without FTS5: ``search_docs`` also holds the indexed text
(``title_f``/``summary_f``/``body_f``: the folded words; ``title_x``/``summary_x``/
``body_x``: the exact-keyed words; each the words ``TOKEN_RE`` finds, joined by single
spaces, so PostgreSQL's parser sees the same tokens FTS5 did), two generated ``tsvector``
columns (``tsv_folded``, ``tsv_exact``: ``to_tsvector('simple', …)`` with weights A/B/C
for title/summary/body) and a GIN index on each (``create_pg_search``, migration 0004).
The parsed query becomes a ``to_tsquery('simple', …)`` (``to_tsquery``: ``<->`` for
phrases, ``:*`` for a prefix, ``&``/``|``/``!``), ranked by ``ts_rank`` weighted like
the BM25 weights (title > summary > body). Snippets are cut in Python as on SQLite.
Other databases: the index hooks are no-ops and ``search`` refuses.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from archive.schema import sites as sites_table
from archive.search_boost import exact_tree, pg_boost, sqlite_boost
from archive.search_facets import count_facets
from archive.search_filters import Filters, Values, as_list, conditions, iso_day
from archive.search_hits import SNIPPET_WORDS, Hit, hits, render
from archive.search_index import (
    _PG_TEXT,
    FTS_TABLES,
    _is_postgres,
    _is_sqlite,
    create_fts_tables,
    create_pg_search,
    index_version,
    prefix_words,
    rebuild,
)
from archive.search_latest import latest_page
from archive.search_plan import COUNT_CAP, RANK_CAP, Ranked, SqlitePlan
from archive.search_plan_pg import pg_facets, pg_page
from archive.search_query import (
    SearchFilterError,
    SearchSyntaxError,
    SearchTooComplex,
    SearchTooCostly,
    parse_query,
    prefix_terms,
    to_fts,
    to_tsquery,
)

__all__ = [
    "COUNT_CAP", "FTS_TABLES", "MAX_EXPANSION", "RANK_CAP", "SEARCH_TIMEOUT", "SNIPPET_WORDS",
    "SORTS", "STATUSES", "_PG_TEXT", "Hit", "SearchFilterError", "SearchMixin", "SearchResult",
    "SearchSyntaxError", "SearchTooComplex", "SearchTooCostly", "create_fts_tables",
    "create_pg_search", "index_version", "parse_query", "rebuild", "render", "search",
    "to_fts", "to_tsquery",
]  # fmt: skip

SORTS = ("relevance", "date")
STATUSES = ("live", "removed")
# Seconds one search may spend in the database. Ordinary searches take milliseconds (the
# bench's slowest at 100k articles: 60 ms on SQLite, 362 ms on PostgreSQL); the budget only
# stops what the query limits let through. Tests lower it.
SEARCH_TIMEOUT = 5.0
# SQLite: words all of a query's prefixes may stand for together (module docstring).
MAX_EXPANSION = 200
MAX_OFFSET = 1_000_000  # limit and offset: far past any page, short of integer overflow
_PROGRESS_STEPS = 1_000  # SQLite VM instructions between two looks at the clock


class SearchMixin:
    """``Archive`` methods for the search index and the sites table."""

    def upsert_site(
        self,
        id: str,
        name: str | None = None,
        province: str | None = None,
        department: str | None = None,
    ) -> None:
        """Remember who publishes a site (from its profile): search filters by it."""
        with self._write() as conn:  # type: ignore[attr-defined]
            found = conn.execute(select(sites_table.c.id).where(sites_table.c.id == id)).first()
            values = {"name": name, "province": province, "department": department}
            if found is None:
                conn.execute(sites_table.insert().values(id=id, **values))
            else:
                conn.execute(sites_table.update().where(sites_table.c.id == id).values(**values))

    def reindex_search(self) -> int:
        """Rebuild the whole search index from ``versions`` (one write transaction)."""
        with self._write() as conn:  # type: ignore[attr-defined]
            return rebuild(conn)


@dataclass
class SearchResult:
    total: int  # matches; with total_is_lower_bound, "at least" (counting stops there)
    hits: list[Hit]
    total_is_lower_bound: bool = False  # more than COUNT_CAP matched: show "1000+"
    # Set (to RANK_CAP) when relevance ranked only the newest this many matches together and
    # older ones follow them: say so to the reader, who may narrow the query or sort by date.
    ranking_window: int | None = None
    # search(facets=True): counts per site, province, … over the matches (search_facets.py)
    facets: dict[str, Any] | None = None


def _expansions(conn: Connection, fts: str, tree: Any) -> tuple[dict[str, list[str]], bool]:
    """({prefix: the words it stands for}, whether a prefix stays native), within
    MAX_EXPANSION words for the whole query, prefixes taken in query order."""
    expand: dict[str, list[str]] = {}
    native = False
    budget = MAX_EXPANSION
    for prefix in prefix_terms(tree):
        words = prefix_words(conn, fts, prefix, budget) if budget > 0 else None
        if words is None:
            native = True
            continue
        expand[prefix] = words
        budget -= len(words)
    return expand, native


def _db_timeout(exc: BaseException) -> bool:
    """A DBAPI error that is PostgreSQL's statement_timeout (SQLSTATE 57014)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code == "57014"


@contextmanager
def time_bounded(conn: Connection, seconds: float) -> Iterator[None]:
    """Stop what runs on ``conn`` in this block after ``seconds`` (SearchTooCostly).

    SQLite has no statement timeout: a progress handler looks at the clock every
    _PROGRESS_STEPS VM instructions and interrupts past the deadline (an FTS5 step that
    reads a long list runs to its end first, so a stop may come a little late); it is
    removed after, the connection going back to the pool as it came. PostgreSQL:
    ``SET LOCAL statement_timeout`` (each statement; it ends with the transaction). The
    caller's transaction is rolled back by its ``with`` block; the connection stays usable."""
    message = (
        f"query too costly: stopped after {seconds:g} s; use fewer words or prefixes, "
        "longer prefixes (word*), or filters"
    )
    if _is_sqlite(conn):
        raw = conn.connection.driver_connection
        deadline = time.monotonic() + seconds
        fired = False

        def check() -> int:
            nonlocal fired
            fired = time.monotonic() > deadline
            return int(fired)

        raw.set_progress_handler(check, _PROGRESS_STEPS)
        try:
            yield
        except DBAPIError as exc:
            if fired and "interrupt" in str(exc.orig).lower():
                raise SearchTooCostly(message) from None
            raise
        finally:
            raw.set_progress_handler(None, 0)
        return
    if _is_postgres(conn):
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
        try:
            yield
        except DBAPIError as exc:
            if _db_timeout(exc):
                raise SearchTooCostly(message) from None
            raise
        return
    yield


def _normalise_sort(sort: str) -> str:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    return sort


def _result(
    ranked: Ranked, offset: int, found: list[Hit], facets: dict[str, Any] | None
) -> SearchResult:
    if ranked.total > COUNT_CAP:
        total = max(COUNT_CAP, offset + len(found))
        return SearchResult(total, found, True, ranked.window, facets)
    return SearchResult(ranked.total, found, ranking_window=ranked.window, facets=facets)


def search(
    archive: Any,
    query: str,
    *,
    sites: str | Iterable[str] | None = None,
    province: str | None = None,
    department: str | None = None,
    date_from: str | Date | None = None,
    date_to: str | Date | None = None,
    author: str | None = None,
    category: str | None = None,
    author_is: Values = None,
    category_is: Values = None,
    province_is: Values = None,
    department_is: Values = None,
    status: str | None = None,
    exact: bool = False,
    all_versions: bool = False,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    blank_lists_latest: bool = False,
    facets: bool = False,
    page: bool = True,
) -> SearchResult:
    """Search the current version of every article (``all_versions``: every version).

    Filters: ``sites`` (ids), ``province``/``department`` (from the sites table) and
    ``author``/``category`` are case- and diacritic-insensitive substring matches (typed
    input); ``author_is``/``category_is``/``province_is``/``department_is`` (one value
    or several, any of them) match the folded value exactly, as the facets count it
    (archive/search_filters.py); ``date_from``/``date_to`` inclusive YYYY-MM-DD;
    ``status`` live|removed.
    ``sort``: relevance (BM25, title > summary > body; among the newest ``RANK_CAP``
    matches first, see archive/search_plan.py; a query typed with diacritics ranks its
    exact-diacritic matches first, archive/search_boost.py) or date (newest first).
    ``facets``: also count the matches per site, province, … (archive/search_facets.py);
    ``page=False``: the facets alone (no hits, total 0), which do not depend on the sort
    or the page, so a caller can keep one count for every page of a query.
    Raises SearchSyntaxError (a ValueError) for a query a person mistyped, and its
    subclasses SearchTooComplex (a query past a limit of archive/search_query.py),
    SearchTooCostly (stopped after SEARCH_TIMEOUT) and SearchFilterError (a date that is
    no day, a NUL in a filter …): one line each. ``blank_lists_latest``: an empty query
    lists the newest articles under the filters (archive/search_latest.py), not an error."""
    sort = _normalise_sort(sort)
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be live or removed, not {status!r}")
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    if limit > MAX_OFFSET or offset > MAX_OFFSET:
        raise SearchFilterError(f"limit and offset must be at most {MAX_OFFSET:,}")
    blank = blank_lists_latest and not query.strip()
    tree = None if blank else parse_query(query, exact=exact)
    xtree = None if tree is None else exact_tree(query, exact, tree)
    exact_values = {"author": author_is, "category": category_is,
                    "province": province_is, "department": department_is}  # fmt: skip
    filters = Filters(
        sites=as_list(sites), province=province or None, department=department or None,
        author=author or None, category=category or None,
        exact={k: v for k, v in ((k, as_list(v)) for k, v in exact_values.items()) if v},
        day_from=iso_day(date_from, "date_from"), day_to=iso_day(date_to, "date_to"),
        status=status, all_versions=all_versions,
    )  # fmt: skip
    filters.check()
    # the time budget covers every statement of the search, the hits' rows included
    with archive._read() as conn, time_bounded(conn, SEARCH_TIMEOUT):
        postgres = _is_postgres(conn)
        if not (_is_sqlite(conn) or postgres):
            raise ValueError("search needs a SQLite (FTS5) or PostgreSQL archive")
        built = conditions(conn, filters)
        if built is None:  # no site passes the site/province/department filters
            empty = count_facets(conn, lambda *_: []) if facets else None
            return SearchResult(0, [], facets=empty)
        where, params = built  # conditions on d (search_docs) and a (articles)
        if tree is None:  # no facets for the newest articles
            if not page:
                return SearchResult(0, [])
            ranked = latest_page(conn, where, params, bool(status), limit, offset)
            return _result(ranked, offset, hits(conn, ranked.rows, None, exact), None)
        if postgres:
            tsv = "tsv_exact" if exact else "tsv_folded"
            params["match"] = to_tsquery(tree)
            # last: PostgreSQL tests equal-cost conditions in order, and this one detoasts
            where.append(f"d.{tsv} @@ to_tsquery('simple', :match)")
            boost = pg_boost(xtree, params) if xtree is not None else ""
            counted = pg_facets(conn, where, params, bool(status)) if facets else None
            if not page:
                return SearchResult(0, [], facets=counted)
            ranked = pg_page(conn, tsv, where, params, bool(status), sort, limit, offset, boost)
            found = hits(conn, ranked.rows, tree, exact, bool(boost))
            return _result(ranked, offset, found, counted)
        fts = FTS_TABLES[1] if exact else FTS_TABLES[0]
        expand, native = _expansions(conn, fts, tree)
        params["match"] = to_fts(tree, expand)
        boost = sqlite_boost(xtree, fts, params) if xtree is not None else ""
        plan = SqlitePlan(conn, fts, params, where, bool(status), one_pass=native, boost=boost)
        if not page:
            return SearchResult(0, [], facets=count_facets(conn, plan.matches) if facets else None)
        try:
            if sort == "relevance" and limit > 0:
                ranked = plan.by_rank(offset, limit)
            else:
                total = plan.count()
                if limit == 0 or (offset >= total and total <= COUNT_CAP):
                    ranked = Ranked(total, [])
                else:
                    ranked = Ranked(total, plan.by_date(offset, limit, dense=total > COUNT_CAP))
        except Exception as exc:  # an FTS5 complaint would be our bug, still no traceback
            if "fts5" in str(exc).lower():
                raise SearchSyntaxError(f"the search engine refused this query: {exc}") from exc
            raise
        counted = count_facets(conn, plan.matches) if facets else None
        return _result(ranked, offset, hits(conn, ranked.rows, tree, exact, bool(boost)), counted)

"""How ``search`` fetches one page of (version_id, score) rows, on SQLite and PostgreSQL.

Both backends give the same order:

- relevance: BM25 (SQLite; ``ts_rank`` on PostgreSQL) among the ``RANK_CAP`` most
  recently indexed matches (highest doc id, i.e. most recently archived versions) passing
  the filters, best first, then the newer doc first; any older matches come after them,
  in the same order. Ranking is the costly part (1-3 µs a match on SQLite: 100 ms for a
  word in all of 100k articles) and BM25 barely tells apart the matches of a word found
  in most documents (its idf is then about zero), so this bounds a query's cost; up to
  ``RANK_CAP`` matches it is plain BM25 order.
- date: newest date first, undated last, then score, then the newer doc. Only the page's
  rows and the matches sharing the page's last date are scored.

Matches are counted up to ``COUNT_CAP`` (+1): beyond, the total is a lower bound.
This module holds SQLite's plan and what both share; PostgreSQL's is
archive/search_plan_pg.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from archive.search_boost import sqlite_boost_term

COUNT_CAP = 1000  # matches are counted up to this; beyond, the total is a lower bound
# relevance ranks the newest this many matches first (module docstring). 5,000 until
# 2026-12-06: finding and ranking them took 45-70 ms a query on PostgreSQL at 100,000
# articles, 2,000 take 15-30 (docs/performance.md, nineteenth pass)
RANK_CAP = 2_000
_WEIGHTS = "10.0, 4.0, 1.0"  # bm25 column weights: title, summary, body
# Up to this many ids are scored by looking each one up in FTS5; more, by one pass over
# the matches. bm25 counts each term's documents, a walk of the term's whole list, at
# every lookup (FTS5 drops a cursor's auxiliary data at each rowid of an IN list): 300
# ids of a common word cost 1.7 s at 100,000 articles and passed the 5 s timeout at a
# million, where one pass costs that walk once (21 ms at 100,000). So only a single id.
_PROBE = 1


def ids_sql(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)  # integers: no quoting to get wrong


def date_order(rows: list[tuple[int, str | None, float]]) -> list[tuple[int, str | None, float]]:
    """(doc id, date, score) rows in date order: newest date, undated last, score, id."""
    rows = sorted(rows, key=lambda r: r[0], reverse=True)  # stable sorts, least significant first
    rows.sort(key=lambda r: r[2], reverse=True)
    rows.sort(key=lambda r: r[1] or "", reverse=True)
    rows.sort(key=lambda r: r[1] is None)
    return rows


@dataclass(frozen=True)
class Ranked:
    """One page of a relevance search: ``rows`` are (version_id, score)."""

    total: int  # up to COUNT_CAP + 1
    rows: list[tuple[int, float]]
    # RANK_CAP when more matches exist than were ranked together: the page order is BM25
    # among the newest RANK_CAP, older matches after them; None when all were ranked.
    window: int | None = None


def rank_in_window(
    sql: Callable[..., list],
    window: str,
    newest: str,
    older: str,
    score: str,
    count: Callable[[], int],
    offset: int,
    limit: int,
) -> Ranked:
    """Relevance order, the same on both backends (module docstring).

    ``window``: the newest RANK_CAP matches ranked, as (version_id, score, matches in the
    window, oldest doc id in it), taking :cap, :limit and :offset. ``newest``: the same
    (count, oldest doc id) without ranking, for a page past the window. ``older``: FROM …
    WHERE selecting the matches older than doc :oldest. ``score``: the ranking expression."""
    rows = sql(window, cap=RANK_CAP, limit=limit, offset=min(offset, RANK_CAP))
    page = [(r[0], r[1]) for r in rows]
    if rows:
        ranked, oldest = int(rows[0][2]), rows[0][3]
    else:  # no row of the window on this page: its size and oldest doc, unranked
        ranked, oldest = sql(newest, cap=RANK_CAP)[0]
        if not ranked:
            return Ranked(0, page)
    if ranked < RANK_CAP:  # every match was in the window: plain ranking, exact total
        return Ranked(min(ranked, COUNT_CAP + 1), page)

    def total() -> int:  # the window's own count when it already passes the counting cap
        return COUNT_CAP + 1 if ranked > COUNT_CAP else count()

    if not sql(f"SELECT 1 {older} LIMIT 1", oldest=oldest):  # exactly RANK_CAP matches
        return Ranked(total(), page)
    if offset + limit > RANK_CAP:  # the page reaches past the window: older ones, ranked
        skip = max(0, offset - RANK_CAP)
        page += [
            (r[0], r[1])
            for r in sql(
                f"SELECT d.version_id, {score} AS score {older} "
                "ORDER BY score DESC, d.id DESC LIMIT :limit OFFSET :skip",
                oldest=oldest,
                limit=offset + limit - RANK_CAP - skip,
                skip=skip,
            )
        ]
    return Ranked(total(), page, window=RANK_CAP)


class SqlitePlan:
    """One query on SQLite: the FTS5 MATCH drives, ``search_docs`` (and ``articles`` for
    the status filter) hold the filters, in ``doc_where`` (conditions on ``d``/``a``).

    ``one_pass``: the MATCH holds a native FTS5 prefix (``"th" *``), which FTS5 expands
    again, merging the lists of every word it starts, at each row looked up by rowid (0.4 s
    a lookup for ``th*`` at 100k articles): such a query is only ever run as one pass
    over its matches, never probed row by row."""

    def __init__(
        self,
        conn: Connection,
        fts: str,
        params: dict[str, Any],
        doc_where: list[str],
        status: bool,
        one_pass: bool = False,
        boost: str = "",
    ) -> None:
        self.conn, self.fts, self.params = conn, fts, params
        self.doc_where = doc_where
        self.one_pass = one_pass
        # ``boost``: a score term putting exact-diacritic matches first (search_boost.py)
        self.relevance = f"-bm25({fts}, {_WEIGHTS})"
        self.boosted = bool(boost)
        self.score = self.relevance + (f" + {boost}" if boost else "")
        articles = " JOIN articles a ON a.id = d.article_id" if status else ""
        self.docs = "search_docs d" + articles
        # CROSS JOIN: SQLite keeps this order, the FTS match drives (else the planner may
        # walk search_docs and re-run the MATCH once per row)
        self.joins = f"FROM {fts} CROSS JOIN search_docs d ON d.id = {fts}.rowid" + articles
        self.condition = " AND ".join([f"{fts} MATCH :match", *doc_where])

    def sql(self, sql: str, **extra: Any) -> list:
        return self.conn.exec_driver_sql(sql, {**self.params, **extra}).all()

    def matches(self, columns: str, cap: int) -> list:
        """``columns`` of the matches passing the filters, newest doc first, up to ``cap``."""
        fts = self.fts
        result = self.conn.exec_driver_sql(
            f"SELECT {columns} {self.joins} WHERE {self.condition} "
            f"ORDER BY {fts}.rowid DESC LIMIT :cap",
            {**self.params, "cap": cap},
        )
        # Plain tuples from the driver: the facets read up to 50,000 rows, and building a
        # SQLAlchemy Row for each was a fifth of a search's time.
        try:
            return result.cursor.fetchall()
        finally:
            result.close()

    def count(self) -> int:
        """Matches passing the filters, counted up to COUNT_CAP + 1."""
        return int(
            self.sql(
                f"SELECT count(*) FROM (SELECT 1 {self.joins} WHERE {self.condition} LIMIT :cap)",
                cap=COUNT_CAP + 1,
            )[0][0]
        )

    def by_rank(self, offset: int, limit: int) -> Ranked:
        """The FTS5 index is walked newest doc first, stopped after RANK_CAP rows pass the
        filters; bm25 runs on those rows only, and counting them gives the total (no second
        pass over the matches)."""
        fts = self.fts
        # a boost looks the exact matches up among the window's docs only
        boost = f" + {sqlite_boost_term('id', '(SELECT min(id) FROM w)')}" if self.boosted else ""
        window = (
            f"WITH w AS (SELECT d.id AS id, d.version_id AS vid, {self.relevance} AS rel "
            f"{self.joins} WHERE {self.condition} ORDER BY {fts}.rowid DESC LIMIT :cap) "
            f"SELECT vid, rel{boost} AS score, count(*) OVER (), min(id) OVER () "
            "FROM w ORDER BY score DESC, id DESC LIMIT :limit OFFSET :offset"
        )
        newest = (
            f"SELECT count(*), min(id) FROM (SELECT d.id AS id {self.joins} WHERE "
            f"{self.condition} ORDER BY {fts}.rowid DESC LIMIT :cap)"
        )
        match = f"{self.joins} WHERE {self.condition} AND {fts}.rowid < :oldest"
        return rank_in_window(
            self.sql, window, newest, match, self.score, self.count, offset, limit
        )

    def _scores(self, ids: list[int]) -> dict[int, float]:
        """{doc id: score} of those of ``ids`` that match (all of them, when they came
        from a match)."""
        if not ids:
            return {}
        fts = self.fts
        # one id: FTS5 seeks it; more: one pass over the matches ("+" stops the per-id
        # lookups, _PROBE says why), testing each against the list
        rowid = "rowid" if len(ids) <= _PROBE and not self.one_pass else "+rowid"
        return dict(
            self.sql(
                f"SELECT rowid, {self.score} FROM {fts} WHERE {fts} MATCH :match "
                f"AND {rowid} IN ({ids_sql(ids)})"
            )
        )

    def _newest_dated(self, want: int, dense: bool) -> list[tuple[int, str]]:
        """(doc id, date) of the ``want`` matches with the newest dates (ties in any
        order), fewer if fewer are dated. Dense matches: walk the (is_current, date) index
        testing each row against FTS5, up to a few times ``want`` rows; sparse ones (or
        when that walk finds too few): list the matches first."""
        where = " AND ".join([*self.doc_where, "d.date IS NOT NULL"])
        fts = self.fts
        if dense and not self.one_pass:
            found = self.sql(
                f"SELECT id, date FROM (SELECT d.id AS id, d.date AS date FROM {self.docs} "
                f"WHERE {where} ORDER BY d.date DESC LIMIT :scan) AS w WHERE EXISTS "
                f"(SELECT 1 FROM {fts} WHERE {fts} MATCH :match AND {fts}.rowid = w.id) "
                "ORDER BY date DESC LIMIT :want",
                scan=4 * want + 100,
                want=want,
            )
            if len(found) == want:
                return [(r[0], r[1]) for r in found]
        rows = self.sql(
            f"SELECT d.id, d.date FROM {self.docs} WHERE {where} AND d.id IN "
            f"(SELECT rowid FROM {fts} WHERE {fts} MATCH :match) ORDER BY d.date DESC "
            "LIMIT :want",
            want=want,
        )
        return [(r[0], r[1]) for r in rows]

    def _group(self, extra: str, dense: bool, **more: Any) -> list[tuple[int, str | None, float]]:
        """(doc id, date, score) of every match passing the filters and ``extra``."""
        if not dense:  # few matches: each one is tested
            rows = self.sql(
                f"SELECT d.id, d.date, {self.score} {self.joins} WHERE {self.condition} "
                f"AND {extra}",
                **more,
            )
            return [(r[0], r[1], r[2]) for r in rows]
        docs = self.sql(
            f"SELECT d.id, d.date FROM {self.docs} WHERE " + " AND ".join([*self.doc_where, extra]),
            **more,
        )
        scores = self._scores([r[0] for r in docs])
        return [(i, day, scores[i]) for i, day in docs if i in scores]

    def by_date(self, offset: int, limit: int, dense: bool) -> list:
        """Newest first, then score: find the page's rows by date without scoring, then
        score only them and every match sharing the last date (the score breaks ties)."""
        want = offset + limit
        rows = self._newest_dated(want, dense)
        if len(rows) == want:
            last = rows[-1][1]
            newer = [i for i, day in rows if day != last]
            scored = self._group("d.date = :last", dense, last=last)
        else:  # every dated match is in; the undated come after them
            newer = [i for i, _day in rows]
            scored = self._group("d.date IS NULL", dense)
        scores = self._scores(newer)  # every id in rows matched: each has a score
        scored += [(i, day, scores[i]) for i, day in rows if i in scores]
        page = date_order(scored)[offset:want]
        if not page:
            return []
        listed = ids_sql([r[0] for r in page])
        versions = dict(self.sql(f"SELECT id, version_id FROM search_docs WHERE id IN ({listed})"))
        return [(versions[i], score) for i, _day, score in page]

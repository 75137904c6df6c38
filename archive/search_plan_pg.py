"""PostgreSQL's half of archive/search_plan.py: the facets' matches and one page, in the
same order as on SQLite (that module's docstring). A dense query's window is found by
walking the primary key, a sparse one's in id ranges (archive/search_pg_ranges.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text

from archive import search_pg_ranges
from archive import search_plan as plan
from archive.search_facets import count_facets_grouped

# ts_rank weights, in PostgreSQL's order {D, C, B, A}: body C, summary B, title A,
# in the proportions of search_plan's bm25 weights (10 : 4 : 1)
PG_WEIGHTS = "'{0.0, 0.1, 0.4, 1.0}'"


def pg_facets(
    conn: Connection, where: list[str], params: dict[str, Any], status: bool
) -> dict[str, Any]:
    """PostgreSQL: the facets of the matches passing the filters, counted by the database
    (archive/search_facets.py)."""
    frm = "FROM search_docs d" + (" JOIN articles a ON a.id = d.article_id" if status else "")
    matches = (
        "SELECT d.id, d.version_id, d.site, d.date, d.author_folded, d.category_folded "
        f"{frm} WHERE {' AND '.join(where)} ORDER BY d.id DESC LIMIT :facet_rows"
    )
    return count_facets_grouped(conn, matches, params)


def pg_page(
    conn: Connection,
    tsv: str,
    where: list[str],
    params: dict[str, Any],
    status: bool,
    sort: str,
    limit: int,
    offset: int,
    boost: str = "",
) -> plan.Ranked:
    """PostgreSQL: one page, in the same order as on SQLite (archive/search_plan.py)."""
    frm = "FROM search_docs d" + (" JOIN articles a ON a.id = d.article_id" if status else "")
    condition = " AND ".join(where)

    def sql(query: str, **extra: Any) -> list:
        return conn.execute(text(query), {**params, **extra}).all()

    def count() -> int:
        query = f"SELECT count(*) FROM (SELECT 1 {frm} WHERE {condition} LIMIT :cap) m"
        return int(sql(query, cap=plan.COUNT_CAP + 1)[0][0])

    # ts_rank, not ts_rank_cd: both weigh the columns and reward nearby terms of an AND,
    # and ts_rank costs under half as much a row (the window ranks up to RANK_CAP rows)
    score = f"ts_rank({PG_WEIGHTS}, d.{tsv}, to_tsquery('simple', :match))"
    score += f" + {boost}" if boost else ""
    if limit == 0:
        return plan.Ranked(count(), [])
    if sort == "date":
        total = count()
        if offset >= total and total <= plan.COUNT_CAP:
            return plan.Ranked(total, [])
        # find the page by date alone, then score it and the matches of its last date
        want = offset + limit
        # dated first: "date DESC" alone is the (is_current, date) index read backwards,
        # which stops after ``want`` matches (NULLS LAST would scan and sort them all)
        rows = sql(
            f"SELECT d.id, d.date {frm} WHERE {condition} AND d.date IS NOT NULL "
            "ORDER BY d.date DESC LIMIT :want",
            want=want,
        )
        if len(rows) < want:
            rows += sql(
                f"SELECT d.id, d.date {frm} WHERE {condition} AND d.date IS NULL LIMIT :more",
                more=want - len(rows),
            )
        if len(rows) == want:
            last = rows[-1][1]
            tie = "d.date = :last" if last is not None else "d.date IS NULL"
            group = sql(
                f"SELECT d.id, d.date, {score} {frm} WHERE {condition} AND {tie}", last=last
            )
            newer = [r[0] for r in rows if r[1] != last]
        else:
            group, newer = [], [r[0] for r in rows]
        if newer:
            listed = plan.ids_sql(newer)
            newer_sql = f"SELECT d.id, d.date, {score} FROM search_docs d WHERE d.id IN ({listed})"
            group += sql(newer_sql)
        page = plan.date_order([(r[0], r[1], r[2]) for r in group])[offset:want]
        if not page:
            return plan.Ranked(total, [])
        listed = plan.ids_sql([r[0] for r in page])
        versions = dict(sql(f"SELECT id, version_id FROM search_docs WHERE id IN ({listed})"))
        return plan.Ranked(total, [(versions[i], s) for i, _day, s in page])
    # relevance: rank the newest RANK_CAP matches, then, past them, the older ones
    match = f"{frm} WHERE {condition} AND d.id < :oldest"
    seen = search_pg_ranges.density(sql, frm, condition)
    if seen < search_pg_ranges.SPARSE:
        return _pg_rank_sparse(sql, frm, condition, score, match, count, seen, offset, limit)
    # A dense query walks the primary key backwards. The innermost query finds the
    # window's rows by their physical address alone (a LIMIT: never flattened; a bitmap
    # scan sorts its matches by id, which must not carry 6 KB vectors each through a sort
    # that then spills to disk); the middle one fetches those rows by address and ranks
    # them (OFFSET 0: not flattened either, so the window functions above it hold (id,
    # version, score), not vectors)
    window = (
        "SELECT version_id, score, count(*) OVER (), min(id) OVER () "
        f"FROM (SELECT d.id, d.version_id, {score} AS score "
        f"FROM (SELECT d.ctid AS addr {frm} WHERE {condition} "
        "ORDER BY d.id DESC LIMIT :cap) w JOIN search_docs d ON d.ctid = w.addr OFFSET 0) s "
        "ORDER BY score DESC, id DESC LIMIT :limit OFFSET :offset"
    )
    newest = (
        f"SELECT count(*), min(id) FROM (SELECT d.id {frm} WHERE {condition} "
        "ORDER BY d.id DESC LIMIT :cap) c"
    )
    return plan.rank_in_window(sql, window, newest, match, score, count, offset, limit)


def _pg_rank_sparse(
    sql: Callable[..., list],
    frm: str,
    condition: str,
    score: str,
    match: str,
    count: Callable[[], int],
    seen: float,
    offset: int,
    limit: int,
) -> plan.Ranked:
    """PostgreSQL, a sparse query: its window's rows found in id ranges
    (archive/search_pg_ranges.py), then ranked by address (a TID scan; OFFSET 0 keeps
    the vectors below the window functions, as in ``pg_page``). The ranking is a
    statement of its own: the ids are checked too, so that a slot a writer reused in
    between can never bring in another doc."""
    rows = search_pg_ranges.newest(sql, frm, condition, plan.RANK_CAP, seen)
    found = {
        "addrs": [addr for addr, _ in rows],
        "docs": [doc for _, doc in rows],
        "found": len(rows),
        "found_oldest": min((doc for _, doc in rows), default=None),
    }

    def with_window(query: str, **extra: Any) -> list:
        return sql(query, **found, **extra)

    window = (
        "SELECT version_id, score, count(*) OVER (), min(id) OVER () "
        f"FROM (SELECT d.id, d.version_id, {score} AS score FROM search_docs d "
        "WHERE d.ctid = ANY(CAST(:addrs AS tid[])) AND d.id = ANY(:docs) OFFSET 0) s "
        "ORDER BY score DESC, id DESC LIMIT :limit OFFSET :offset"
    )
    newest = "SELECT CAST(:found AS integer), CAST(:found_oldest AS integer)"
    return plan.rank_in_window(with_window, window, newest, match, score, count, offset, limit)

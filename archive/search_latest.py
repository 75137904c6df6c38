"""The newest articles without a query: what ``search(..., blank_lists_latest=True)``
answers to an empty query (``/api/search`` with no ``q``).

Order: newest publication date first, undated last; among equal dates the most recently
archived version first (the higher ``search_docs`` id). The same SQL on SQLite and
PostgreSQL: only ``search_docs`` (and ``articles`` for the status filter) is read, under
the filters ``search`` built, never the full-text tables. Dated rows come first in their
own statement so ``date DESC`` reads the (is_current, date) index backwards and stops
after the page; the undated follow only when the dated run out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from archive.search_plan import COUNT_CAP, Ranked


def latest_page(
    conn: Connection,
    where: list[str],
    params: dict[str, Any],
    status: bool,
    limit: int,
    offset: int,
) -> Ranked:
    """One page of (version_id, 0.0) rows, newest first, and the total (up to
    COUNT_CAP + 1, as every search counts)."""
    frm = "FROM search_docs d" + (" JOIN articles a ON a.id = d.article_id" if status else "")
    condition = " AND ".join(where) or "1 = 1"

    def sql(query: str, **extra: Any) -> list:
        return conn.execute(text(query), {**params, **extra}).all()

    total = int(
        sql(
            f"SELECT count(*) FROM (SELECT 1 {frm} WHERE {condition} LIMIT :cap) m",
            cap=COUNT_CAP + 1,
        )[0][0]
    )
    if limit == 0:
        return Ranked(total, [])
    want = offset + limit
    rows = sql(
        f"SELECT d.version_id {frm} WHERE {condition} AND d.date IS NOT NULL "
        "ORDER BY d.date DESC, d.id DESC LIMIT :want",
        want=want,
    )
    if len(rows) < want:
        rows += sql(
            f"SELECT d.version_id {frm} WHERE {condition} AND d.date IS NULL "
            "ORDER BY d.id DESC LIMIT :more",
            more=want - len(rows),
        )
    return Ranked(total, [(int(r[0]), 0.0) for r in rows[offset:want]])

"""The last-write markers of a PostgreSQL archive, for the web caches (luutru/web/cache.py).

SQLite gives a web process ``PRAGMA data_version``, which moves whenever another
connection commits. PostgreSQL has no such counter per database; the server's WAL
position (``pg_current_wal_lsn()``) moves with every write to it, ours or another
database's, so it may move when nothing of ours changed, never the other way round. Then
what a search can show is read by the same probe as on SQLite: the newest version and
search document ids (writers take one lock in turn, archive/db.py, so they grow in commit
order), the removed articles and the sites table.

Without these a cached page lived two seconds on PostgreSQL: 30 readers got 20 answers a
second, nearly every one computed again.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

log = logging.getLogger(__name__)

# The sites of the articles one at a time (a loose index scan), so that the removed
# articles are found without reading every article; the same as SQLite's probe but for
# the dialect (JOIN … ON, string_agg).
CONTENT_PROBE = (
    "WITH RECURSIVE s(site) AS (SELECT min(site) FROM articles UNION ALL "
    "SELECT (SELECT min(site) FROM articles WHERE site > s.site) FROM s "
    "WHERE s.site IS NOT NULL) "
    "SELECT (SELECT max(id) FROM versions), (SELECT max(id) FROM search_docs), "
    "(SELECT count(*) || ' ' || coalesce(max(a.removed_at), '') FROM s "
    "JOIN articles a ON a.site = s.site AND a.status = 'removed'), "
    "(SELECT string_agg(id || chr(31) || coalesce(name, '') || chr(31) || "
    "coalesce(province, '') || chr(31) || coalesce(department, ''), chr(30) ORDER BY id) "
    "FROM sites)"
)


class PgMarkers:
    """Reads the markers of one PostgreSQL archive (each read is a round trip), on four
    connections of their own: in the readers' pool a marker waited behind the pages
    being made (beside a crawl 40 ms for a 0.3 ms read). Without a ping before each
    read, which would double its round trips; a connection the server dropped fails
    one read, which is tried again on a new one."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    @classmethod
    def of(cls, archive: Any) -> PgMarkers | None:
        """The markers of ``archive`` when it is a PostgreSQL one, else None."""
        engine = getattr(archive, "engine", None)
        dialect = getattr(engine, "dialect", None)
        if getattr(dialect, "name", None) != "postgresql":
            return None
        from archive.readers import server_reader_engine

        url = engine.url.render_as_string(hide_password=False)  # type: ignore[union-attr]
        return cls(server_reader_engine(url, pool_size=4, pre_ping=False, generic_plans=True))

    def close(self) -> None:
        self.engine.dispose()

    def _first(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        """The first row of ``sql``; a dropped connection is tried once more."""
        for attempt in (1, 2):
            try:
                with self.engine.connect() as conn:
                    return conn.execute(text(sql), params or {}).first()
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        return None  # not reached

    def wal_position(self) -> str | None:
        """The server's WAL position; None when it cannot be read (a standby, a role
        without the right): the caller then keeps entries a short time instead."""
        try:
            return str(self._first("SELECT pg_current_wal_lsn()")[0])
        except SQLAlchemyError as exc:
            log.info("no PostgreSQL WAL position, cached pages live briefly: %s", exc)
            return None

    def content(self) -> tuple | None:
        """(("content", removed articles, sites), (newest version id, newest search
        document id)), as WebCache.content_marker gives on SQLite; None on an error."""
        try:
            newest, doc, removed, sites = self._first(CONTENT_PROBE)
        except SQLAlchemyError:
            return None
        return (("content", removed, sites), (newest, doc))

    def row(self, sql: str, params: dict[str, Any]) -> tuple | None:
        """The first row of ``sql`` (``:name`` parameters); None when there is none or
        the read failed (luutru/web/article_marker.py)."""
        try:
            found = self._first(sql, params)
        except SQLAlchemyError:
            return None
        return None if found is None else tuple(found)

"""The archive's markers for one web process: whether the archive may have changed since a
value was cached (``marker``), whether what a search shows has (``content_marker``), and
whether what an article's pages show has (``article_marker``). luutru/web/cache.py keys
its entries on them; its module doc says how each is read and why.

SQLite: ``PRAGMA data_version`` on a read-only connection of our own, then a few index
seeks when it moved. PostgreSQL: the server's WAL position, looked at most every
``PG_LOOK`` seconds, then the same probes (luutru/web/pg_markers.py); where it cannot be
read, a time slot of ``SERVER_TTL`` seconds.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Hashable
from pathlib import Path
from urllib.parse import quote

from archive.store import Archive
from luutru.web import article_marker
from luutru.web.pg_markers import PgMarkers

SERVER_TTL = 2.0  # seconds an entry lives on a server database with no WAL position to read
PG_LOOK = 0.5  # seconds between two looks at PostgreSQL's WAL position (a round trip each)

# What a search can show, read when data_version moves (see the module doc). The sites of
# the articles are walked by the (site, status) index one site at a time (a loose index
# scan), so the removed articles are found without reading every article.
CONTENT_PROBE = (
    "SELECT (SELECT max(id) FROM versions), (SELECT max(id) FROM search_docs), "
    "(SELECT count(*) || ' ' || coalesce(max(a.removed_at), '') FROM s "
    "CROSS JOIN articles a ON a.site = s.site AND a.status = 'removed'), "
    "(SELECT group_concat(id || char(31) || coalesce(name, '') || char(31) || "
    "coalesce(province, '') || char(31) || coalesce(department, ''), char(30)) FROM sites)"
)
_SITES = (
    "WITH RECURSIVE s(site) AS (SELECT min(site) FROM articles UNION ALL "
    "SELECT (SELECT min(site) FROM articles WHERE site > s.site) FROM s "
    "WHERE s.site IS NOT NULL) "
)


def _marker_connection(path: Path) -> sqlite3.Connection | None:
    try:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    except sqlite3.Error:
        return None


class ArchiveMarkers:
    """The markers of one archive, read in this process (see the module doc)."""

    def __init__(self, archive: Archive) -> None:
        self._lock = threading.Lock()
        self._conn = _marker_connection(archive.path) if archive.path is not None else None
        self.local = self._conn is not None  # SQLite: markers read in-process
        self._seen_version: Hashable = None  # data_version (or WAL) at the last content probe
        self._content: Hashable = None
        # When what a search shows last changed (luutru/web/response_cache.py keeps a
        # search page only once it has been still for SEARCH_LAG seconds).
        self.content_changed_at = 0.0
        # PostgreSQL: its markers (None: not PostgreSQL, or no WAL position to read, so
        # entries live SERVER_TTL), the WAL position last read and when
        self._pg = PgMarkers.of(archive) if self._conn is None else None
        self._pg_markers = self._pg  # closed with these (_pg is dropped when unreadable)
        self._wal: str | None = None
        self._wal_read_at = float("-inf")

    def marker(self) -> Hashable:
        """Changes whenever the archive may have changed."""
        if self._conn is None:
            wal = self._wal_position() if self._pg is not None else None
            if wal is not None:
                return ("pg", wal)
            return ("ttl", int(time.monotonic() / SERVER_TTL))
        with self._lock:
            try:
                return ("sqlite", self._conn.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                return ("uncached", time.monotonic())  # never equal twice: no caching

    def content_marker(self) -> tuple[Hashable, tuple | None]:
        """(what a search shows besides its matches: removed articles and sites; the marks
        of new matches: newest version id and search document id), or on a server
        database (the TTL marker, None). Read again only when data_version moved."""
        if self._conn is None:
            return self._pg_content()
        with self._lock:
            try:
                version = self._conn.execute("PRAGMA data_version").fetchone()[0]
                if version != self._seen_version:
                    newest, doc, removed, sites = self._conn.execute(
                        _SITES + CONTENT_PROBE
                    ).fetchone()
                    self._note((("content", removed, sites), (newest, doc)), version)
                return self._content
            except sqlite3.Error:
                return ("uncached", time.monotonic()), None  # never equal twice

    def article_marker(self, ref: str) -> Hashable | None:
        """What the pages of article ``ref`` show (luutru/web/article_marker.py): read
        when the last-write marker has moved; None when it cannot say (a URL, no such
        article, an error, no WAL position): then only the last-write marker counts."""
        found = article_marker.query(ref)
        if found is None:
            return None
        if self._conn is not None:
            with self._lock:
                try:
                    row = self._conn.execute(*found).fetchone()
                except sqlite3.Error:
                    return None
        else:
            row = self._pg.row(*found) if self._pg is not None else None
        return None if row is None else tuple(row)

    def _wal_position(self) -> str | None:
        """PostgreSQL's WAL position, read at most every PG_LOOK seconds; None when it
        cannot be read (then never tried again: entries live SERVER_TTL)."""
        now = time.monotonic()
        with self._lock:
            if now - self._wal_read_at < PG_LOOK or self._pg is None:
                return self._wal
            pg = self._pg
        wal = pg.wal_position()
        with self._lock:
            if wal is None:
                self._pg = None
            self._wal, self._wal_read_at = wal, now
        return wal

    def _pg_content(self) -> tuple[Hashable, tuple | None]:
        """``content_marker`` on a server database: read again when the WAL moved."""
        marker = self.marker()
        with self._lock:
            pg = self._pg
            if marker == self._seen_version and self._content is not None:
                return self._content
        content = pg.content() if pg is not None and marker[0] == "pg" else None  # type: ignore[index]
        if content is None:  # no WAL position, or the probe failed
            return marker if pg is None else ("uncached", time.monotonic()), None
        with self._lock:
            self._note(content, marker)
            return self._content

    def _note(self, content: tuple, seen: Hashable) -> None:
        """Keep what a search shows, read at the write marker ``seen`` (under the lock)."""
        if content != self._content:
            if self._content is not None:  # not the first look
                self.content_changed_at = time.monotonic()
            self._content = content
        self._seen_version = seen

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        if self._pg_markers is not None:
            self._pg_markers.close()

"""What one web process keeps between requests: search results, near-duplicate clusters
and the site profiles, each valid only while the archive has not changed.

"Changed" is the archive's last-write marker: on SQLite ``PRAGMA data_version`` on a
connection of our own that never writes, which moves whenever any other connection (a
crawl, the scheduler, another web worker) commits; it costs a look at the WAL index, no
query. A server database has no such counter: there entries live ``SERVER_TTL`` seconds.
Site profiles are files, not archive rows: they are read again after ``PROFILES_TTL``.

cachetools' TTLCache bounds both the number of entries and their age; one lock per cache,
since the route functions run in the thread pool.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from cachetools import TTLCache

from archive.store import Archive

SEARCH_ENTRIES = 2_048  # result pages kept per process (~10 KB each)
MAX_AGE = 300.0  # seconds: even an unchanged archive's entries are recomputed this often
SERVER_TTL = 2.0  # seconds an entry lives on PostgreSQL (no write marker to watch)
PROFILES_TTL = 30.0  # seconds before the site profiles are read from disk again

T = TypeVar("T")


def _marker_connection(path: Path) -> sqlite3.Connection | None:
    try:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    except sqlite3.Error:
        return None


class WebCache:
    """Per-process caches over one archive (see the module doc)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._lock = threading.Lock()
        self._conn = _marker_connection(archive.path) if archive.path is not None else None
        self._results: TTLCache = TTLCache(SEARCH_ENTRIES, MAX_AGE)
        self._profiles: TTLCache = TTLCache(8, PROFILES_TTL)
        self.hits = 0
        self.misses = 0

    def marker(self) -> Hashable:
        """Changes whenever the archive may have changed."""
        if self._conn is None:
            return ("ttl", int(time.monotonic() / SERVER_TTL))
        with self._lock:
            try:
                return ("sqlite", self._conn.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                return ("uncached", time.monotonic())  # never equal twice: no caching

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key`` at the archive's current state, computed when missing.
        Computed outside the lock: two threads may both compute a missing entry, which
        costs a search, not a wrong answer."""
        full = (self.marker(), key)
        with self._lock:
            found = self._results.get(full, _MISSING)
        if found is not _MISSING:
            self.hits += 1
            return found
        self.misses += 1
        value = compute()
        with self._lock:
            self._results[full] = value
        return value

    def profiles(self, sites_dir: str | None) -> dict:
        """The site profiles (bundled and ``sites_dir``), read at most every PROFILES_TTL."""
        with self._lock:
            found = self._profiles.get(sites_dir, _MISSING)
        if found is not _MISSING:
            return found
        from crawler.profiles import load_profiles

        value = load_profiles(sites_dir, [])
        with self._lock:
            self._profiles[sites_dir] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
            self._profiles.clear()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


_MISSING: Any = object()


class CachedArchive:
    """The archive as the routes see it: the reads a page repeats (an article page looks
    its article up three times, and the versions twice) answered from ``cache`` while the
    archive is unchanged; everything else passed through. Callers get copies, so a route
    that adds keys to what it got changes nothing for the next request."""

    def __init__(self, archive: Archive, cache: WebCache) -> None:
        self._archive = archive
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)

    def find(self, ref: str) -> dict | None:
        found = self._cache.get(("find", ref), lambda: self._archive.find(ref))
        return None if found is None else dict(found)

    def versions(self, article_id: int) -> list[dict]:
        rows = self._cache.get(("versions", article_id), lambda: self._archive.versions(article_id))
        return [dict(r) for r in rows]

    def version(self, article_id: int, number: int | None = None, as_of: str | None = None):
        found = self._cache.get(
            ("version", article_id, number, as_of),
            lambda: self._archive.version(article_id, number, as_of),
        )
        return None if found is None else dict(found)

    def near_duplicates_of(self, article_id: int) -> list[dict]:
        rows = self._cache.get(
            ("near_duplicates_of", article_id),
            lambda: self._archive.near_duplicates_of(article_id),
        )
        return [dict(r) for r in rows]

    def near_duplicate_clusters(self) -> list[list[dict]]:
        clusters = self._cache.get("clusters", self._archive.near_duplicate_clusters)
        return [[dict(m) for m in c] for c in clusters]

"""The archive as the web routes see it, its repeated reads answered from the
per-process cache (luutru/web/cache.py)."""

from __future__ import annotations

from typing import Any

from archive.store import Archive
from luutru.web.cache import WebCache


class CachedArchive:
    """The archive as the routes see it: the reads a page repeats (an article page looks
    its article up three times, and the versions twice) answered from ``cache`` while the
    archive is unchanged, or while their article is when its page is being made (the
    cluster only while the archive is: its further members are other articles).
    Everything else passed through. Callers get copies, so a route that adds keys to
    what it got changes nothing for the next request."""

    def __init__(self, archive: Archive, cache: WebCache) -> None:
        self._archive = archive
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)

    def find(self, ref: str) -> dict | None:
        found = self._cache.get(("find", ref), lambda: self._archive.find(ref), ref)
        return None if found is None else dict(found)

    def versions(self, article_id: int) -> list[dict]:
        rows = self._cache.get(
            ("versions", article_id), lambda: self._archive.versions(article_id), article_id
        )
        return [dict(r) for r in rows]

    def version(self, article_id: int, number: int | None = None, as_of: str | None = None):
        found = self._cache.get(
            ("version", article_id, number, as_of),
            lambda: self._archive.version(article_id, number, as_of),
            article_id,
        )
        return None if found is None else dict(found)

    def near_duplicates_of(self, article_id: int) -> list[dict]:
        rows = self._cache.get(
            ("near_duplicates_of", article_id),
            lambda: self._archive.near_duplicates_of(article_id),
            article_id,
        )
        return [dict(r) for r in rows]

    def near_duplicate_cluster(self, article_id: int) -> list[dict]:
        members = self._cache.get(
            ("near_duplicate_cluster", article_id),
            lambda: self._archive.near_duplicate_cluster(article_id),
        )
        return [dict(m) for m in members]

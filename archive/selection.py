"""What an export takes: (article, version) pairs of the archive, every article's current
version or every version, of one site or all, seen or fetched since a date. Shared by the
row exports (archive/export.py) and the WARC, WACZ and CDXJ ones (archive/wacz.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from archive.times import normalize_iso


def _since_floor(since: str | None) -> str | None:
    if not since:
        return None
    return normalize_iso(since if "T" in since else f"{since}T00:00:00+07:00")


def selection(
    archive: Any,
    site: str | None = None,
    since: str | None = None,
    all_versions: bool = False,
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(article, version) pairs: each article's current version, or every version.

    ``since`` keeps articles seen (or versions fetched) at or after that date/time."""
    floor = _since_floor(since)
    for article in archive.articles(site):
        if not all_versions:
            if floor is None or article["last_seen"] >= floor:
                yield article, archive.version(article["article_id"])
            continue
        for version in archive.versions(article["article_id"]):
            if floor is None or version["fetched_at"] >= floor:
                yield article, version

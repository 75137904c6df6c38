"""The versioned archive: an append-only store of article captures.

``Archive`` (in :mod:`archive.store`) is what a crawl writes into and what ``luutru export``
reads; :mod:`archive.versions` holds the pure content-hash and version rules;
:mod:`archive.export` writes JSONL / CSV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.store import Archive
    from archive.versions import content_hash, decide

__all__ = ["Archive", "content_hash", "decide"]


def __getattr__(name: str) -> Any:
    # Lazy: ``import archive.times`` must not load SQLAlchemy and the whole store.
    if name == "Archive":
        from archive.store import Archive

        return Archive
    if name in ("content_hash", "decide"):
        from archive import versions

        return getattr(versions, name)
    raise AttributeError(f"module 'archive' has no attribute {name!r}")

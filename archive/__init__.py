"""The versioned archive: an append-only store of article captures.

``Archive`` (in :mod:`archive.store`) is what a crawl writes into and what ``luutru export``
reads; :mod:`archive.versions` holds the pure content-hash and version rules;
:mod:`archive.export` writes JSONL / CSV.
"""

from archive.store import Archive
from archive.versions import content_hash, decide

__all__ = ["Archive", "content_hash", "decide"]

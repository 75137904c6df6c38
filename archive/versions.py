"""Pure version rules: the content hash and the new / updated / unchanged decision.

The hash covers exactly ``ArticleRecord.CONTENT_FIELDS``: capture metadata (fetch time,
ETag, raw HTML, warnings, URLs) can never make a new version. Strings are NFC-normalised
before hashing, so a page that flips between composed and decomposed Vietnamese
diacritics ("ệ" vs "e" + U+0323 + U+0302) is one version, not two.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

from archive.records import ArticleRecord

CONTENT_FIELDS: tuple[str, ...] = tuple(ArticleRecord.CONTENT_FIELDS)

Decision = Literal["new", "updated", "unchanged"]


def _canonical(value: Any) -> Any:
    """NFC for every string, recursively; tuples become lists; mapping keys NFC too."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, Mapping):
        return {_canonical(str(k)): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def canonical_content(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The content fields of ``fields`` (missing ones as None, extra keys ignored), NFC."""
    return {name: _canonical(fields.get(name)) for name in CONTENT_FIELDS}


def canonical_json(fields: Mapping[str, Any]) -> str:
    return json.dumps(
        canonical_content(fields),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )


def content_hash(fields: Mapping[str, Any]) -> str:
    """sha256 hex digest of the canonical JSON of the content fields of ``fields``.

    ``fields`` may be ``record.content()``, ``record.as_dict()`` or a version row: keys
    outside ``CONTENT_FIELDS`` are ignored and missing ones count as None.
    """
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def decide(previous_hash: str | None, new_hash: str) -> Decision:
    """The version rule. ``previous_hash`` is the hash of the article's current (latest)
    version, or None when the article is not in the archive yet."""
    if previous_hash is None:
        return "new"
    if previous_hash == new_hash:
        return "unchanged"
    return "updated"

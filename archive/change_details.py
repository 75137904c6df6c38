"""What a listed change holds, for a reader of the Atom feed: its version's content hash,
author and summary, and for an edit the content fields that differ from the version
before (archive/versions.py ``CONTENT_FIELDS``, compared in their canonical form, so a
re-extraction that only moved whitespace is no change of field)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_

from archive.changes import Change
from archive.ids import public_id
from archive.schema import articles, versions
from archive.versions import CONTENT_FIELDS, canonical_content

_FIELDS = [versions.c[name] for name in CONTENT_FIELDS]


@dataclass(frozen=True)
class Details:
    content_hash: str
    author: str | None
    summary: str | None
    changed: list[str] = field(default_factory=list)  # content fields; [] unless edited


def details(archive: Any, found: Iterable[Change]) -> dict[tuple[str, int], Details]:
    """{(article id, version): Details} of the versions ``found`` names (the version an
    edit made, a new article's first, a removed article's last)."""
    found = list(found)
    wanted = {(c.id, c.version) for c in found}
    wanted |= {(c.id, c.previous) for c in found if c.kind == "edited" and c.previous}
    if not wanted:
        return {}
    keys = {c.id: (c.site, c.id[len(c.site) + 1 :]) for c in found}
    pairs = [(*keys[i], n) for i, n in wanted]
    query = (
        select(
            articles.c.site,
            articles.c.article_key,
            versions.c.number,
            versions.c.content_hash,
            *_FIELDS,
        )
        .join(articles, articles.c.id == versions.c.article_id)
        .where(tuple_(articles.c.site, articles.c.article_key, versions.c.number).in_(pairs))
    )
    with archive._read() as conn:
        rows = {
            (public_id(r["site"], r["article_key"]), r["number"]): r
            for r in conn.execute(query).mappings()
        }
    out = {}
    for c in found:
        row = rows.get((c.id, c.version))
        if row is None:
            continue
        before = rows.get((c.id, c.previous)) if c.kind == "edited" else None
        changed = []
        if before is not None:
            now, then = canonical_content(row), canonical_content(before)
            changed = [name for name in CONTENT_FIELDS if now[name] != then[name]]
        out[(c.id, c.version)] = Details(
            row["content_hash"], row["author"], row["summary"], changed
        )
    return out

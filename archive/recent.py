"""Recent changes: the newest versions archived (a new article is its version 1, a changed
one a later version), newest first, with the content fields that changed since the
version before. What the Atom feed of ``luutru serve`` lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_

from archive.ids import public_id
from archive.schema import articles, versions
from archive.versions import CONTENT_FIELDS, canonical_content

_FIELDS = [versions.c[name] for name in CONTENT_FIELDS]
_HEAD = (versions.c.article_id, versions.c.number, versions.c.fetched_at,
         versions.c.content_hash, articles.c.site, articles.c.article_key,
         articles.c.canonical_url)  # fmt: skip
# (article, number) IN ((…), …): one row-value list, not an OR per pair (SQLite caps an
# expression's depth at 1,000)
_pair = tuple_(versions.c.article_id, versions.c.number)


@dataclass
class Change:
    id: str  # site:key
    site: str
    url: str  # the article's canonical URL
    number: int  # the version
    fetched_at: str  # ISO 8601, +07:00
    content_hash: str
    title: str
    author: str | None
    summary: str | None
    changed: list[str] = field(default_factory=list)  # content fields; [] for a new article

    @property
    def is_new(self) -> bool:
        return self.number == 1


def recent_changes(
    archive: Any,
    *,
    sites: Iterable[str] | None = None,
    only: Iterable[tuple[str, str, int]] | None = None,
    limit: int = 50,
) -> list[Change]:
    """The ``limit`` newest versions (highest version id first), of ``sites`` when given,
    and only those of ``only`` ((site, article key, version number) triples: search hits)
    when given."""
    query = (
        select(*_HEAD, *_FIELDS)
        .join(articles, articles.c.id == versions.c.article_id)
        .order_by(versions.c.id.desc())
        .limit(limit)
    )
    if sites is not None:
        query = query.where(articles.c.site.in_(list(sites)))
    if only is not None:
        pairs = list(only)
        if not pairs:
            return []
        query = query.where(
            tuple_(articles.c.site, articles.c.article_key, versions.c.number).in_(pairs)
        )
    with archive.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        before = _previous(conn, [(r["article_id"], r["number"] - 1) for r in rows])
    out = []
    for row in rows:
        previous = before.get((row["article_id"], row["number"] - 1))
        changed = []
        if previous is not None:
            now, then = canonical_content(row), canonical_content(previous)
            changed = [name for name in CONTENT_FIELDS if now[name] != then[name]]
        out.append(
            Change(
                id=public_id(row["site"], row["article_key"]),
                site=row["site"],
                url=row["canonical_url"],
                number=int(row["number"]),
                fetched_at=row["fetched_at"],
                content_hash=row["content_hash"],
                title=row["title"],
                author=row["author"],
                summary=row["summary"],
                changed=changed,
            )
        )
    return out


def _previous(conn: Any, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """{(article id, number): content row} of the versions before the listed ones."""
    wanted = [(a, n) for a, n in wanted if n >= 1]
    if not wanted:
        return {}
    query = select(versions.c.article_id, versions.c.number, *_FIELDS).where(_pair.in_(wanted))
    return {(r["article_id"], r["number"]): r for r in conn.execute(query).mappings()}

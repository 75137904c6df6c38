"""The archive store: what a crawl writes into and ``luutru export`` reads.

SQLAlchemy Core, one code path for SQLite (default, ``<data_dir>/archive.sqlite``) and
PostgreSQL (pass ``url=``). The schema is created and upgraded by Alembic at open.

Model (append-only):
- ``articles``: one row per (site, article_key); the only mutable state is where the
  article is now (canonical URL, last_seen, live/removed).
- ``versions``: immutable; version n+1 is written only when the content hash (over
  ``ArticleRecord.CONTENT_FIELDS``) differs from version n. Never updated, never deleted.
- ``aliases``: every URL ever seen for an article (canonical, fetched, variants); a URL
  belongs to the first article that claimed it.
- ``runs``: one row per crawl.

Transactions are short (``engine.begin()``). On SQLite every write transaction starts
with ``BEGIN IMMEDIATE`` so a read-then-write (``record``) can never lose a race to another
writer, and reads use a plain deferred ``BEGIN`` (WAL lets them run beside a writer).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, func, select

from archive import blobs, statements
from archive.attachments import AttachmentsMixin
from archive.core import DB_FILENAME, ArchiveCore
from archive.crawlstate import CrawlStateMixin
from archive.db import (
    MIGRATIONS_DIR,
    alembic_config,
    migrate,
)
from archive.history import HistoryMixin
from archive.ids import public_id
from archive.leases import LeasesMixin
from archive.schema import aliases, articles, runs, versions
from archive.search import SearchMixin
from archive.writes import WritesMixin

_BATCH = 500  # rows per read transaction in ``articles()`` (tests patch it here)

# MIGRATIONS_DIR, alembic_config and migrate live in archive/db.py, public_id in
# archive/ids.py; they are re-exported here, where callers have always imported them.
__all__ = [
    "DB_FILENAME",
    "MIGRATIONS_DIR",
    "Archive",
    "alembic_config",
    "migrate",
    "public_id",
]


# --------------------------------------------------------------------------- helpers


def _json_list(value: str | None) -> list:
    return json.loads(value) if value else []


def _version_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(row)
    data["attachments"] = _json_list(data.get("attachments"))
    data["body_html"] = blobs.unpack(data.pop("body_html_zst", None), data.get("body_html"))
    return data


class Archive(
    WritesMixin,
    CrawlStateMixin,
    HistoryMixin,
    LeasesMixin,
    SearchMixin,
    AttachmentsMixin,
    ArchiveCore,
):
    """The archive. Open with ``Archive.open(data_dir)``; use as a context manager.
    Opening, closing and the runs are ``ArchiveCore``'s (archive/core.py)."""

    # ---------------------------------------------------------------- reads

    def known_keys(self, site: str) -> set[str]:
        with self._read() as conn:
            return set(
                conn.execute(select(articles.c.article_key).where(articles.c.site == site))
                .scalars()
                .all()
            )

    def resolve(self, url: str) -> tuple[str, str] | None:
        """(site, article_key) of the article that ``url`` is an alias of, or None."""
        with self._read() as conn:
            row = conn.execute(statements.key_by_url(), {"url": url}).first()
        return (row.site, row.article_key) if row else None

    @staticmethod
    def _alias_map(conn: Connection, article_ids: list[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in article_ids}
        if article_ids:
            for art_id, url in conn.execute(statements.aliases_of(), {"ids": article_ids}):
                out[art_id].append(url)
        return out

    @staticmethod
    def _article_dict(row: Mapping[str, Any], urls: list[str]) -> dict[str, Any]:
        url = row["canonical_url"]
        return {
            "id": public_id(row["site"], row["article_key"]),
            "site": row["site"],
            "article_key": row["article_key"],
            "url": url,
            "aliases": sorted(u for u in set(urls) if u != url),
            "title": row["title"],
            "date": row["date"],
            "datetime": row["datetime"],
            "author": row["author"],
            "source": row["source"],
            "summary": row["summary"],
            "body": row["body"],
            "body_html": blobs.unpack(row["body_html_zst"], row["body_html"]),
            "category": row["category"],
            "attachments": _json_list(row["attachments"]),
            "status": row["status"],
            "removed_at": row["removed_at"],
            "version": row["version"],
            "version_count": row["version_count"],
            "content_hash": row["content_hash"],
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
            "fetched_at": row["fetched_at"],
            "fetched_url": row["fetched_url"],
            "http_status": row["http_status"],
            "warc": f"{row['warc_file']}#{row['warc_offset']}" if row["warc_file"] else None,
            "article_id": row["article_id"],
        }

    def article(self, site: str, article_key: str) -> dict | None:
        """The article with its current version (same dict as ``articles()``), or None."""
        with self._read() as conn:
            row = (
                conn.execute(statements.article_by_key(), {"site": site, "key": article_key})
                .mappings()
                .first()
            )
            if row is None:
                return None
            urls = self._alias_map(conn, [row["article_id"]])[row["article_id"]]
        return self._article_dict(row, urls)

    def articles(self, site: str | None = None) -> Iterator[dict]:
        """Every article (of ``site``) with its current version, in archive order.

        Reads in batches, each in its own short transaction, so a long export never holds
        a read transaction open against a running crawl.
        """
        last_id = 0
        while True:
            query = (
                statements.current_query()
                .where(articles.c.id > last_id)
                .order_by(articles.c.id)
                .limit(_BATCH)
            )
            if site is not None:
                query = query.where(articles.c.site == site)
            with self._read() as conn:
                rows = conn.execute(query).mappings().all()
                urls = self._alias_map(conn, [r["article_id"] for r in rows])
            if not rows:
                return
            for row in rows:
                yield self._article_dict(row, urls[row["article_id"]])
            last_id = rows[-1]["article_id"]

    def versions(self, article_id: int) -> list[dict]:
        """All versions of an article, oldest first (attachments decoded)."""
        with self._read() as conn:
            rows = conn.execute(statements.versions_of(), {"article_id": article_id}).mappings()
            return [_version_dict(r) for r in rows]

    def counts(self, site: str | None = None) -> dict[str, int]:
        """Row counts: runs, articles, live, removed, versions, aliases."""

        def where_site(query, table):
            return query if site is None else query.where(table.c.site == site)

        with self._read() as conn:

            def scalar(query) -> int:
                return int(conn.execute(query).scalar() or 0)

            by_status = dict(
                conn.execute(
                    where_site(
                        select(articles.c.status, func.count()).group_by(articles.c.status),
                        articles,
                    )
                ).all()
            )
            joined_versions = select(func.count()).select_from(
                versions.join(articles, versions.c.article_id == articles.c.id)
            )
            joined_aliases = select(func.count()).select_from(
                aliases.join(articles, aliases.c.article_id == articles.c.id)
            )
            return {
                "runs": scalar(where_site(select(func.count()).select_from(runs), runs)),
                "articles": sum(by_status.values()),
                "live": int(by_status.get("live", 0)),
                "removed": int(by_status.get("removed", 0)),
                "versions": scalar(where_site(joined_versions, articles)),
                "aliases": scalar(where_site(joined_aliases, articles)),
            }

"""The write path of the archive: storing one capture (``record``); the URL and key
aliases it adds are archive/aliases.py's.

Append-only, as described in archive/store.py: an article row is created once, a version
is inserted only when the content hash changes, aliases are only ever added, and every
capture is logged in ``captures``. Each call is one short write transaction.

A mixin of ``Archive`` (archive/store.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import Connection, case, func, select, update

from archive import blobs, neardup, search
from archive.aliases import AliasesMixin
from archive.records import ArticleRecord
from archive.schema import articles, captures, key_aliases, versions
from archive.times import normalize_iso
from archive.versions import Decision, content_hash, decide

# The name this module's messages were always logged under (they moved out of store.py).
log = logging.getLogger("archive.store")


def _urls(record: ArticleRecord) -> list[str]:
    seen: dict[str, None] = {}
    for url in (record.url, record.fetched_url, *record.aliases):
        if url:
            seen.setdefault(url, None)
    return list(seen)


class WritesMixin(AliasesMixin):
    # ---------------------------------------------------------------- writes

    def record(self, record: ArticleRecord, run_id: int | None) -> Decision | str:
        """Store one capture, in one transaction: "new" | "updated" | "unchanged" | "alias".

        new: article row + version 1 + aliases; updated: version n+1; unchanged: only the
        crawl state (last_seen, validators) moves; alias: a key not seen before served
        exactly the current content of another article of the site, so its URLs become
        aliases of that article. Every capture is logged in ``captures``.
        """
        new_hash = content_hash(record.content())
        seen_at = normalize_iso(record.fetched_at)
        signature = neardup.signature(record.body)  # outside the write lock: pure CPU
        with self._write() as conn:
            article_id = self._article_id(conn, record.site, record.article_key)
            alias_of = None
            if article_id is None:
                alias_of = self._same_content_article(conn, record.site, new_hash)
            if alias_of is not None:
                article_id = alias_of
                conn.execute(
                    key_aliases.insert().values(
                        site=record.site,
                        article_key=record.article_key,
                        article_id=article_id,
                        first_seen=seen_at,
                    )
                )
                self._touch(conn, article_id, seen_at, record.etag, record.last_modified)
                self._add_aliases(conn, article_id, _urls(record), seen_at)
                self._add_key_aliases(conn, record, article_id, seen_at)
                self._log_capture(conn, article_id, run_id, None, record, seen_at, "alias")
                return "alias"
            if article_id is None:
                article_id = int(
                    conn.execute(
                        articles.insert().values(
                            site=record.site,
                            article_key=record.article_key,
                            canonical_url=record.url,
                            first_seen=seen_at,
                            last_seen=seen_at,
                            status="live",
                            etag=record.etag,
                            last_modified=record.last_modified,
                            last_checked=seen_at,
                            listing_sig=record.listing_sig,
                        )
                    ).inserted_primary_key[0]
                )
                previous_hash, number = None, 0
            else:
                current = conn.execute(
                    select(versions.c.number, versions.c.content_hash)
                    .where(versions.c.article_id == article_id)
                    .order_by(versions.c.number.desc())
                    .limit(1)
                ).first()
                previous_hash, number = (
                    (current.content_hash, current.number) if current else (None, 0)
                )
                self._touch(
                    conn, article_id, seen_at, record.etag, record.last_modified,
                    record.listing_sig,
                )  # fmt: skip
                conn.execute(
                    update(articles)
                    .where(articles.c.id == article_id)
                    .values(canonical_url=record.url)
                )
            decision = decide(previous_hash, new_hash)
            version_id = None
            if decision != "unchanged":
                version_id = self._insert_version(
                    conn, article_id, number + 1, run_id, seen_at, new_hash, record, signature
                )
                search.index_version(conn, article_id, version_id, record.site, record)
            self._add_aliases(conn, article_id, _urls(record), seen_at)
            self._add_key_aliases(conn, record, article_id, seen_at)
            self._log_capture(conn, article_id, run_id, version_id, record, seen_at, decision)
        if version_id is not None:
            # After the commit: a near-duplicate link is a finding about committed versions.
            self.link_near_duplicates(version_id, article_id, signature)
        return decision

    def _same_content_article(self, conn: Connection, site: str, digest: str) -> int | None:
        """An article of ``site`` whose CURRENT version has exactly this content hash.

        Looked up through the content-hash index (a handful of rows), then checked to be
        each candidate's newest version: no scan of the versions table per new article."""
        candidates = conn.execute(
            select(versions.c.article_id, versions.c.number)
            .join(articles, articles.c.id == versions.c.article_id)
            .where(versions.c.content_hash == digest, articles.c.site == site)
        ).all()
        for article_id, number in candidates:
            newest = conn.execute(
                select(func.max(versions.c.number)).where(versions.c.article_id == article_id)
            ).scalar()
            if newest == number:
                return article_id
        return None

    @staticmethod
    def _touch(
        conn: Connection,
        article_id: int,
        seen_at: str,
        etag: str | None,
        last_modified: str | None,
        listing_sig: str | None = None,
    ) -> None:
        """The article answered: it is live, seen now; keep its newest validators."""
        values: dict[str, Any] = {
            # forward only (portable: no GREATEST on SQLite, no 2-arg MAX on PostgreSQL)
            "last_seen": case(
                (articles.c.last_seen > seen_at, articles.c.last_seen), else_=seen_at
            ),
            "last_checked": seen_at,
            "status": "live",
            "removed_at": None,
            "gone_count": 0,
        }
        if etag:
            values["etag"] = etag
        if last_modified:
            values["last_modified"] = last_modified
        if listing_sig:
            values["listing_sig"] = listing_sig
        conn.execute(update(articles).where(articles.c.id == article_id).values(**values))

    def _add_key_aliases(
        self, conn: Connection, record: ArticleRecord, article_id: int, seen_at: str
    ) -> None:
        """Other keys of this capture: each one claimed once, by its first article."""
        for key in dict.fromkeys(record.key_aliases):
            if key == record.article_key or self._article_id(conn, record.site, key) is not None:
                continue
            conn.execute(
                key_aliases.insert().values(
                    site=record.site, article_key=key, article_id=article_id, first_seen=seen_at
                )
            )

    @staticmethod
    def _log_capture(
        conn: Connection,
        article_id: int,
        run_id: int | None,
        version_id: int | None,
        record: Any,
        fetched_at: str,
        outcome: str,
        http_status: int | None = None,
    ) -> None:
        warc = getattr(record, "warc", None)
        conn.execute(
            captures.insert().values(
                article_id=article_id,
                run_id=run_id,
                version_id=version_id,
                fetched_at=fetched_at,
                fetched_url=record.fetched_url,
                http_status=http_status or getattr(record, "http_status", None),
                outcome=outcome,
                warc_file=warc.file if warc else None,
                warc_offset=warc.offset if warc else None,
                warc_length=warc.length if warc else None,
                payload_digest=warc.payload_digest if warc else None,
            )
        )

    @staticmethod
    def _insert_version(
        conn: Connection,
        article_id: int,
        number: int,
        run_id: int | None,
        fetched_at: str,
        digest: str,
        record: ArticleRecord,
        signature: bytes | None = None,
    ) -> int:
        warc = record.warc
        result = conn.execute(
            versions.insert().values(
                article_id=article_id,
                number=number,
                run_id=run_id,
                fetched_at=fetched_at,
                content_hash=digest,
                title=record.title,
                date=record.date,
                datetime=record.datetime,
                author=record.author,
                source=record.source,
                summary=record.summary,
                body=record.body,
                body_html="",  # stored compressed below (archive/blobs.py)
                body_html_zst=blobs.pack(record.body_html),
                category=record.category,
                attachments=json.dumps(list(record.attachments), ensure_ascii=False),
                http_status=record.http_status,
                etag=record.etag,
                last_modified=record.last_modified,
                fetched_url=record.fetched_url,
                warc_file=warc.file if warc else None,
                warc_offset=warc.offset if warc else None,
                warc_length=warc.length if warc else None,
                payload_digest=warc.payload_digest if warc else None,
                minhash=signature or None,
                extraction=(record.extraction or "")[:200] or None,
            )
        )
        return int(result.inserted_primary_key[0])

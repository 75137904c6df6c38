"""The write path of the archive: storing one capture (``record``, a batch of one of
archive/batchwrites.py's ``record_many``) and the row helpers the crawl state's writes
share (archive/crawlstate.py); the URL and key aliases are archive/aliases.py's.

Append-only, as described in archive/store.py: an article row is created once, a version
is inserted only when the content hash changes, aliases are only ever added, and every
capture is logged in ``captures``. Each call is one short write transaction.

A mixin of ``Archive`` (archive/store.py).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, case, update

from archive.aliases import AliasesMixin
from archive.batchrows import capture_values, version_values
from archive.batchwrites import BatchWritesMixin
from archive.records import ArticleRecord
from archive.schema import articles, captures, versions
from archive.versions import Decision

# The name this module's messages were always logged under (they moved out of store.py).
log = logging.getLogger("archive.store")


class WritesMixin(BatchWritesMixin, AliasesMixin):
    # ---------------------------------------------------------------- writes

    def record(self, record: ArticleRecord, run_id: int | None) -> Decision | str:
        """Store one capture, in one transaction: "new" | "updated" | "unchanged" | "alias".

        new: article row + version 1 + aliases; updated: version n+1; unchanged: only the
        crawl state (last_seen, validators) moves; alias: a key not seen before served
        exactly the current content of another article of the site, so its URLs become
        aliases of that article. Every capture is logged in ``captures``. A batch of one
        (``record_many``, archive/batchwrites.py): one code path for both.
        """
        return self.record_many([record], run_id)[0]  # type: ignore[attr-defined]

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
        conn.execute(
            captures.insert().values(
                **capture_values(
                    article_id, run_id, version_id, record, fetched_at, outcome, http_status
                )
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
        result = conn.execute(
            versions.insert().values(
                **version_values(article_id, number, run_id, fetched_at, digest, record, signature)
            )
        )
        return int(result.inserted_primary_key[0])

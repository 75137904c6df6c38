"""Attached files (pdf, doc(x), xls(x), odt): what the archive accepts and how it keeps them.

The crawler fetches the files an article links to and hands each fetch over as an
``AttachmentCapture``. Like articles, files are append-only and versioned: one
``attachments`` row per (site, URL), a new ``attachment_versions`` row only when the
file's bytes (sha256) differ from its newest version — an unchanged file is a revisit in
the WARC and no new version — and ``article_attachments`` links each article to the files
it was seen linking to. The payload stays in the WARC (the version holds the pointer);
the extracted text is kept with the version and searched with the article
(archive/attachment_text.py, archive/attachment_index.py).

A mixin of ``Archive`` (archive/store.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from archive import statements
from archive.attachment_index import reindex_article
from archive.records import WarcRef
from archive.schema import (
    article_attachments,
    articles,
    attachment_versions,
    attachments,
    key_aliases,
)
from archive.times import normalize_iso

# What came of one fetch (``AttachmentCapture.fetch``).
FETCHES = ("ok", "not_modified", "too_large", "gone", "failed")


@dataclass
class AttachmentCapture:
    """One fetch of a file linked from article ``article_key`` of ``site``.

    ``fetch``: ok (the bytes were fetched: sha256, size, text…), not_modified (a 304),
    too_large (past the size cap: nothing fetched), gone (404/410), failed (``note``
    says why). The bytes themselves are not carried: the WARC middleware has written
    them (``warc``), and items with bytes break Scrapy's feed exports."""

    site: str
    article_key: str
    url: str  # the link as the article gives it
    fetched_url: str
    fetched_at: str
    fetch: str
    http_status: int | None = None
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    filename: str = ""
    kind: str | None = None
    text: str | None = None
    text_status: str = "failed"
    text_note: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    note: str | None = None
    warc: WarcRef | None = None
    warc_date: Any = None  # the capture's WARC-Date, for the metadata record beside it


def _article_id(conn: Connection, site: str, key: str) -> int | None:
    """The article ``key`` names: its own row, or the article it is another key of."""
    found = conn.execute(
        select(articles.c.id).where(articles.c.site == site, articles.c.article_key == key)
    ).scalar()
    if found is None:
        found = conn.execute(
            select(key_aliases.c.article_id).where(
                key_aliases.c.site == site, key_aliases.c.article_key == key
            )
        ).scalar()
    return int(found) if found is not None else None


def _latest(conn: Connection, attachment_id: int) -> Any:
    return conn.execute(
        select(attachment_versions.c.number, attachment_versions.c.sha256)
        .where(attachment_versions.c.attachment_id == attachment_id)
        .order_by(attachment_versions.c.number.desc())
        .limit(1)
    ).first()


class AttachmentsMixin:
    """``Archive`` methods for attached files."""

    def record_attachment(self, capture: AttachmentCapture, run_id: int | None) -> str:
        """Store one fetch in one transaction: "new" | "updated" | "unchanged" (a new
        version or none), or the fetch's own outcome (not_modified, too_large, gone,
        failed). The article's search document takes in a new version's text."""
        return self.record_attachments([capture], run_id)[0]

    def record_attachments(
        self, captures: Sequence[AttachmentCapture], run_id: int | None
    ) -> list[str]:
        """Store fetches in one transaction, one outcome each, in order, exactly as
        ``record_attachment`` one by one would; nothing is stored if one fails. Each
        article whose search document takes in a file's text is indexed again once, after
        all of them (the crawl's writer hands over an article's files together, and each
        file used to rewrite the same document)."""
        for capture in captures:
            if capture.fetch not in FETCHES:
                raise ValueError(
                    f"fetch must be one of {', '.join(FETCHES)}, not {capture.fetch!r}"
                )
        outcomes: list[str] = []
        with self._write() as conn:  # type: ignore[attr-defined]
            reindex: dict[int, None] = {}  # ordered: documents rewritten in a stable order
            for capture in captures:
                outcome, articles_to_index = self._store_fetch(conn, capture, run_id)
                outcomes.append(outcome)
                reindex.update(dict.fromkeys(articles_to_index))
            for article_id in reindex:
                reindex_article(conn, article_id)
        return outcomes

    def _store_fetch(
        self, conn: Connection, capture: AttachmentCapture, run_id: int | None
    ) -> tuple[str, list[int]]:
        """One fetch inside the caller's transaction: its outcome, and the articles whose
        search document must take in the file's text."""
        seen_at = normalize_iso(capture.fetched_at)
        article_id = _article_id(conn, capture.site, capture.article_key)
        row = conn.execute(
            select(attachments.c.id).where(
                attachments.c.site == capture.site, attachments.c.url == capture.url
            )
        ).scalar()
        if row is None:
            row = conn.execute(
                attachments.insert().values(site=capture.site, url=capture.url, first_seen=seen_at)
            ).inserted_primary_key[0]
        attachment_id = int(row)
        linked = article_id is not None and self._link(conn, article_id, attachment_id, seen_at)
        outcome, values = capture.fetch, {"last_checked": seen_at}
        if capture.fetch in ("ok", "not_modified"):
            values.update(last_seen=seen_at, note=None)
            if capture.etag or capture.last_modified:
                values.update(etag=capture.etag, last_modified=capture.last_modified)
        else:
            values["note"] = capture.note or capture.fetch
        if capture.fetch == "ok":
            outcome = self._version(conn, attachment_id, capture, run_id, seen_at)
        conn.execute(update(attachments).where(attachments.c.id == attachment_id).values(values))
        if outcome in ("new", "updated"):
            return outcome, self._linked_articles(conn, attachment_id)
        if linked and _latest(conn, attachment_id) is not None:
            return outcome, [article_id]  # a known file, newly linked to this one
        return outcome, []

    @staticmethod
    def _link(conn: Connection, article_id: int, attachment_id: int, seen_at: str) -> bool:
        """Link the article to the file; True if the link is new."""
        exists = conn.execute(
            select(article_attachments.c.id).where(
                article_attachments.c.article_id == article_id,
                article_attachments.c.attachment_id == attachment_id,
            )
        ).first()
        if exists is not None:
            return False
        conn.execute(
            article_attachments.insert().values(
                article_id=article_id, attachment_id=attachment_id, first_seen=seen_at
            )
        )
        return True

    @staticmethod
    def _linked_articles(conn: Connection, attachment_id: int) -> list[int]:
        return list(
            conn.execute(
                select(article_attachments.c.article_id).where(
                    article_attachments.c.attachment_id == attachment_id
                )
            ).scalars()
        )

    @staticmethod
    def _version(
        conn: Connection,
        attachment_id: int,
        capture: AttachmentCapture,
        run_id: int | None,
        seen_at: str,
    ) -> str:
        if not capture.sha256 or capture.size is None:
            raise ValueError("a fetched attachment needs its sha256 and size")
        latest = _latest(conn, attachment_id)
        if latest is not None and latest.sha256 == capture.sha256:
            return "unchanged"
        warc = capture.warc
        conn.execute(
            attachment_versions.insert().values(
                attachment_id=attachment_id,
                number=(latest.number if latest else 0) + 1,
                run_id=run_id,
                fetched_at=seen_at,
                fetched_url=capture.fetched_url,
                http_status=capture.http_status,
                sha256=capture.sha256,
                size=capture.size,
                content_type=(capture.content_type or "")[:200] or None,
                filename=capture.filename or capture.url.rsplit("/", 1)[-1],
                kind=capture.kind,
                text=capture.text,
                text_status=capture.text_status,
                text_note=capture.text_note,
                warc_file=warc.file if warc else None,
                warc_offset=warc.offset if warc else None,
                warc_length=warc.length if warc else None,
                payload_digest=warc.payload_digest if warc else None,
            )
        )
        return "updated" if latest is not None else "new"

    # ---------------------------------------------------------------- reads

    def has_attachments(self, site: str) -> bool:
        """Whether any file of ``site`` is archived (a crawl that finds none at its start
        asks nothing about each file it fetches: none can have an earlier state)."""
        with self._read() as conn:  # type: ignore[attr-defined]
            found = conn.execute(
                select(attachments.c.id).where(attachments.c.site == site).limit(1)
            ).first()
        return found is not None

    def attachment_state(self, site: str, url: str) -> dict | None:
        """The validators of a known file (for a conditional GET), or None."""
        with self._read() as conn:  # type: ignore[attr-defined]
            row = (
                conn.execute(
                    select(attachments.c.etag, attachments.c.last_modified).where(
                        attachments.c.site == site, attachments.c.url == url
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def linked_attachment_urls(self, site: str, article_key: str) -> list[str]:
        """The URLs of the files article ``article_key`` was seen linking to."""
        link = article_attachments
        with self._read() as conn:  # type: ignore[attr-defined]
            article_id = _article_id(conn, site, article_key)
            if article_id is None:
                return []
            return list(
                conn.execute(
                    select(attachments.c.url)
                    .join(link, link.c.attachment_id == attachments.c.id)
                    .where(link.c.article_id == article_id)
                    .order_by(link.c.id)
                ).scalars()
            )

    def latest_attachment_payload(self, site: str, url: str) -> dict | None:
        """The newest version of a file (for WARC revisit records), as
        ``latest_payload`` gives an article's: fetched_url, fetched_at, payload_digest and
        the WARC pointer of the record holding the bytes."""
        v = attachment_versions
        with self._read() as conn:  # type: ignore[attr-defined]
            row = (
                conn.execute(
                    select(
                        v.c.fetched_url,
                        v.c.fetched_at,
                        v.c.payload_digest,
                        v.c.warc_file,
                        v.c.warc_offset,
                        v.c.warc_length,
                    )
                    .join(attachments, attachments.c.id == v.c.attachment_id)
                    .where(attachments.c.site == site, attachments.c.url == url)
                    .order_by(v.c.number.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def attachments_of(self, article_ids: Iterable[int]) -> dict[int, list[dict]]:
        """For each article: its files, each with its newest version (or ``None`` when
        nothing was stored, ``note`` saying why) and how many versions it has."""
        ids = sorted({int(i) for i in article_ids})
        out: dict[int, list[dict]] = {i: [] for i in ids}
        if not ids:
            return out
        with self._read() as conn:  # type: ignore[attr-defined]
            for row in conn.execute(statements.attachments_of(), {"ids": ids}).mappings():
                data = dict(row)
                data["attachment_id"] = data.pop("id")
                data["versions"] = data["versions"] or 0
                out[data.pop("article_id")].append(data)
        return out

    def attachment_version(self, attachment_id: int, number: int) -> dict | None:
        """One stored version of a file, with its WARC pointer and site."""
        v = attachment_versions
        with self._read() as conn:  # type: ignore[attr-defined]
            row = (
                conn.execute(
                    select(v, attachments.c.site, attachments.c.url)
                    .join(attachments, attachments.c.id == v.c.attachment_id)
                    .where(v.c.attachment_id == attachment_id, v.c.number == number)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

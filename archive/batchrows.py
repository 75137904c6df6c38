"""The rows of a batched write (archive/batchwrites.py) and the statements that take them.

Plain builders: a capture in, the ``versions`` / ``captures`` row out (shared with the one-
record path, archive/writes.py), and the batch's plan of rows before they are flushed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from archive import blobs
from archive.records import ArticleRecord
from archive.schema import articles, search_docs

_IN = 500  # keys per IN list

# One UPDATE for every "the article answered" of a batch (``WritesMixin._touch`` as
# parameters): a None validator keeps the stored one, as ``_touch`` leaves it out.
TOUCH = (
    update(articles)
    .where(articles.c.id == bindparam("b_id"))
    .values(
        last_seen=case(
            (articles.c.last_seen > bindparam("b_seen"), articles.c.last_seen),
            else_=bindparam("b_seen"),
        ),
        last_checked=bindparam("b_seen"),
        status="live",
        removed_at=None,
        gone_count=0,
        etag=func.coalesce(bindparam("b_etag"), articles.c.etag),
        last_modified=func.coalesce(bindparam("b_lm"), articles.c.last_modified),
        listing_sig=func.coalesce(bindparam("b_sig"), articles.c.listing_sig),
        canonical_url=func.coalesce(bindparam("b_url"), articles.c.canonical_url),
    )
)
NOT_CURRENT = (
    update(search_docs)
    # "+ 0": found by the article's index. On "is_current = 1" SQLite picked the
    # (is_current, date) index and read every current document for each update.
    .where(search_docs.c.article_id == bindparam("b_id"), search_docs.c.is_current + 0 == 1)
    .values(is_current=0)
)


@dataclass
class Plan:
    """What one batch writes, in memory until its flush (ids < 0: created by the batch)."""

    new_articles: list[dict[str, Any]] = field(default_factory=list)
    key_aliases: list[dict[str, Any]] = field(default_factory=list)
    touches: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    html: list[str | None] = field(default_factory=list)  # of each version, compressed later
    docs: list[list[Any]] = field(default_factory=list)
    claims: dict[str, tuple[int, str]] = field(default_factory=dict)  # url -> (id, seen)
    captures: list[dict[str, Any]] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)  # articles whose old docs stop being current


def chunks(items: Sequence[Any], size: int = _IN) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def claimed_urls(record: ArticleRecord) -> list[str]:
    return [u for u in dict.fromkeys((record.url, record.fetched_url, *record.aliases)) if u]


def version_values(
    article_id: int,
    number: int,
    run_id: int | None,
    fetched_at: str,
    digest: str,
    record: ArticleRecord,
    signature: bytes | None,
    pack: bool = True,
) -> dict[str, Any]:
    """The ``versions`` row of a capture (shared with ``WritesMixin._insert_version``);
    ``pack=False``: ``body_html_zst`` is left None for the caller to fill."""
    warc = record.warc
    return {
        "article_id": article_id,
        "number": number,
        "run_id": run_id,
        "fetched_at": fetched_at,
        "content_hash": digest,
        "title": record.title,
        "date": record.date,
        "datetime": record.datetime,
        "author": record.author,
        "source": record.source,
        "summary": record.summary,
        "body": record.body,
        "body_html": "",  # stored compressed (archive/blobs.py)
        "body_html_zst": blobs.pack(record.body_html) if pack else None,
        "category": record.category,
        "attachments": json.dumps(list(record.attachments), ensure_ascii=False)
        if record.attachments
        else "[]",  # what dumps gives, without its cost on most pages
        "http_status": record.http_status,
        "etag": record.etag,
        "last_modified": record.last_modified,
        "fetched_url": record.fetched_url,
        "warc_file": warc.file if warc else None,
        "warc_offset": warc.offset if warc else None,
        "warc_length": warc.length if warc else None,
        "payload_digest": warc.payload_digest if warc else None,
        "minhash": signature or None,
        "extraction": (record.extraction or "")[:200] or None,
    }


def capture_values(
    article_id: int,
    run_id: int | None,
    version_id: int | None,
    record: Any,
    fetched_at: str,
    outcome: str,
    http_status: int | None = None,
) -> dict[str, Any]:
    """The ``captures`` row of a fetch (shared with ``WritesMixin._log_capture``)."""
    warc = getattr(record, "warc", None)
    return {
        "article_id": article_id,
        "run_id": run_id,
        "version_id": version_id,
        "fetched_at": fetched_at,
        "fetched_url": record.fetched_url,
        "http_status": http_status or getattr(record, "http_status", None),
        "outcome": outcome,
        "warc_file": warc.file if warc else None,
        "warc_offset": warc.offset if warc else None,
        "warc_length": warc.length if warc else None,
        "payload_digest": warc.payload_digest if warc else None,
    }


def lookup(conn: Connection, key: Any, value: Any, keys: Sequence[Any]) -> dict[Any, Any]:
    """``{key: value}`` of the rows whose ``key`` column is one of ``keys`` (in chunks: a
    statement takes a bounded number of parameters)."""
    found: dict[Any, Any] = {}
    for chunk in chunks(keys):
        found.update(conn.execute(select(key, value).where(key.in_(chunk))).all())
    return found


def returning_ids(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows``; their new ids, in the rows' order. SQLite: ids given explicitly,
    one past the table's largest (what SQLite itself would pick for an INTEGER PRIMARY KEY
    without AUTOINCREMENT; the write lock is held, so nobody else inserts), then one raw
    ``executemany``. PostgreSQL: INSERT … RETURNING (SQLAlchemy's "insertmanyvalues")."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        ids = next_ids(conn, table, rows)
        insert_rows(conn, table, rows)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(i) for i in conn.execute(statement, rows).scalars()]


def next_ids(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite: give ``rows`` the ids one past ``table``'s largest, in order (inserted by
    the caller, under the same write lock)."""
    if not rows:
        return []
    top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    ids = list(range(top + 1, top + 1 + len(rows)))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    return ids


def insert_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys). SQLite: one ``executemany`` on the raw
    cursor (SQLAlchemy's per-row parameter processing was a tenth of a batch's CPU; these
    tables have no Python-side defaults to apply); elsewhere SQLAlchemy's executemany."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    columns = list(rows[0])
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)})"
    )
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(statement, rows)
    finally:
        cursor.close()

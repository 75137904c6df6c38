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
import logging
import os
import socket
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import URL

from archive import neardup, schema
from archive.crawlstate import CrawlStateMixin
from archive.history import HistoryMixin
from archive.schema import aliases, articles, captures, key_aliases, runs, versions
from archive.times import normalize_iso, now_iso
from archive.versions import Decision, content_hash, decide
from crawler.items import ArticleRecord

log = logging.getLogger(__name__)

DB_FILENAME = "archive.sqlite"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_BATCH = 500
_WRITE = "luutru_write"  # execution option: this connection is a write transaction


def public_id(site: str, article_key: str) -> str:
    """The stable public id of an article (what exports call ``id``)."""
    return f"{site}:{article_key}"


# --------------------------------------------------------------------------- engine


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy (not pysqlite's implicit BEGIN) drive transactions.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def alembic_config(connection: Connection | None = None):
    """An Alembic ``Config`` built in code (no alembic.ini, no CWD dependency)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (idempotent; serialised on SQLite)."""
    from alembic import command

    with engine.execution_options(**{_WRITE: True}).begin() as conn:
        command.upgrade(alembic_config(conn), revision)


# --------------------------------------------------------------------------- helpers


def _json_list(value: str | None) -> list:
    return json.loads(value) if value else []


def _urls(record: ArticleRecord) -> list[str]:
    seen: dict[str, None] = {}
    for url in (record.url, record.fetched_url, *record.aliases):
        if url:
            seen.setdefault(url, None)
    return list(seen)


def _version_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(row)
    data["attachments"] = _json_list(data.get("attachments"))
    return data


class Archive(CrawlStateMixin, HistoryMixin):
    """The archive. Open with ``Archive.open(data_dir)``; use as a context manager."""

    def __init__(self, engine: Engine, *, path: Path | None = None) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{_WRITE: True})
        self.path = path

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, data_dir: str | Path | None = None, *, url: str | None = None) -> Archive:
        """Open (create, migrate) the archive in ``data_dir`` (``archive.sqlite``), or
        the database at SQLAlchemy ``url`` (e.g. PostgreSQL) when given."""
        if url is not None:
            engine = create_engine(url, pool_pre_ping=True)
            path = None
        else:
            if data_dir is None:
                raise ValueError("Archive.open needs data_dir or url")
            directory = Path(data_dir).expanduser()
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / DB_FILENAME
            engine = _sqlite_engine(path)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, path=path)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self):
        return self._write_engine.begin()

    def _read(self):
        return self._engine.begin()

    # ---------------------------------------------------------------- runs

    def start_run(
        self,
        site: str,
        trigger: str = "manual",
        *,
        log_path: str | Path | None = None,
        mode: str | None = None,
    ) -> int:
        if trigger not in schema.RUN_TRIGGERS:
            raise ValueError(f"trigger must be one of {schema.RUN_TRIGGERS}, not {trigger!r}")
        with self._write() as conn:
            result = conn.execute(
                runs.insert().values(
                    site=site,
                    trigger=trigger,
                    started_at=now_iso(),
                    status="running",
                    log_path=str(log_path) if log_path is not None else None,
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    mode=mode,
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_run(self, run_id: int, status: str, stats: Mapping[str, Any] | None = None) -> None:
        """Close a run once: sets finished_at, status and stats (JSON)."""
        if not status or status == "running":
            raise ValueError(f"invalid final status {status!r}")
        payload = json.dumps(dict(stats or {}), ensure_ascii=False, sort_keys=True, default=str)
        with self._write() as conn:
            row = conn.execute(select(runs.c.finished_at).where(runs.c.id == run_id)).first()
            if row is None:
                raise KeyError(f"no run {run_id}")
            if row.finished_at is not None:
                raise ValueError(f"run {run_id} is already finished")
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=now_iso(), status=status, stats=payload)
            )

    def run(self, run_id: int) -> dict | None:
        with self._read() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        return self._run_dict(row) if row else None

    def runs(self, site: str | None = None, limit: int | None = None) -> list[dict]:
        """Runs, newest first."""
        query = select(runs).order_by(runs.c.id.desc())
        if site is not None:
            query = query.where(runs.c.site == site)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [self._run_dict(r) for r in conn.execute(query).mappings()]

    @staticmethod
    def _run_dict(row: Mapping[str, Any]) -> dict:
        data = dict(row)
        data["stats"] = json.loads(data["stats"]) if data["stats"] else {}
        return data

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
                self._touch(conn, article_id, seen_at, record.etag, record.last_modified)
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
            self._add_aliases(conn, article_id, _urls(record), seen_at)
            self._log_capture(conn, article_id, run_id, version_id, record, seen_at, decision)
        if version_id is not None:
            # After the commit: a near-duplicate link is a finding about committed versions.
            self.link_near_duplicates(version_id, article_id, signature)
        return decision

    @staticmethod
    def _article_id(conn: Connection, site: str, article_key: str) -> int | None:
        """The article a key belongs to: its own row, or the article it is a key alias of."""
        found = conn.execute(
            select(articles.c.id).where(
                articles.c.site == site, articles.c.article_key == article_key
            )
        ).scalar()
        if found is None:
            found = conn.execute(
                select(key_aliases.c.article_id).where(
                    key_aliases.c.site == site, key_aliases.c.article_key == article_key
                )
            ).scalar()
        return found

    def _same_content_article(self, conn: Connection, site: str, digest: str) -> int | None:
        """A live article of ``site`` whose CURRENT version has exactly this content hash."""
        latest = (
            select(versions.c.article_id, func.max(versions.c.number).label("n"))
            .group_by(versions.c.article_id)
            .subquery()
        )
        return conn.execute(
            select(articles.c.id)
            .join(latest, latest.c.article_id == articles.c.id)
            .join(
                versions,
                and_(versions.c.article_id == articles.c.id, versions.c.number == latest.c.n),
            )
            .where(articles.c.site == site, versions.c.content_hash == digest)
            .limit(1)
        ).scalar()

    @staticmethod
    def _touch(
        conn: Connection,
        article_id: int,
        seen_at: str,
        etag: str | None,
        last_modified: str | None,
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
                body_html=record.body_html or "",
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
            )
        )
        return int(result.inserted_primary_key[0])

    @staticmethod
    def _add_aliases(conn: Connection, article_id: int, urls: Iterable[str], seen_at: str) -> int:
        """Insert the URLs not known yet; a URL already owned by another article stays
        with it (logged). Returns how many were added."""
        urls = list(dict.fromkeys(u for u in urls if u))
        if not urls:
            return 0
        owners = dict(
            conn.execute(
                select(aliases.c.url, aliases.c.article_id).where(aliases.c.url.in_(urls))
            ).all()
        )
        added = 0
        for url in urls:
            owner = owners.get(url)
            if owner is None:
                conn.execute(
                    aliases.insert().values(article_id=article_id, url=url, first_seen=seen_at)
                )
                added += 1
            elif owner != article_id:
                log.warning(
                    "URL %s is already an alias of article %s, not %s", url, owner, article_id
                )
        return added

    def add_alias(self, site: str, article_key: str, url: str) -> bool:
        """Record ``url`` as an alias of a known article. True if it was added, False if
        the URL was already known. KeyError if the article is not in the archive."""
        with self._write() as conn:
            article_id = conn.execute(
                select(articles.c.id).where(
                    articles.c.site == site, articles.c.article_key == article_key
                )
            ).scalar()
            if article_id is None:
                raise KeyError(public_id(site, article_key))
            return self._add_aliases(conn, article_id, [url], now_iso()) == 1

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
            row = conn.execute(
                select(articles.c.site, articles.c.article_key)
                .join(aliases, aliases.c.article_id == articles.c.id)
                .where(aliases.c.url == url)
            ).first()
        return (row.site, row.article_key) if row else None

    def _current_query(self):
        latest = (
            select(
                versions.c.article_id,
                func.max(versions.c.number).label("current"),
                func.count().label("version_count"),
            )
            .group_by(versions.c.article_id)
            .subquery("latest")
        )
        return (
            select(
                articles.c.id.label("article_id"),
                articles.c.site,
                articles.c.article_key,
                articles.c.canonical_url,
                articles.c.status,
                articles.c.removed_at,
                articles.c.first_seen,
                articles.c.last_seen,
                latest.c.version_count,
                versions.c.number.label("version"),
                versions.c.content_hash,
                versions.c.fetched_at,
                versions.c.fetched_url,
                versions.c.http_status,
                versions.c.title,
                versions.c.date,
                versions.c.datetime,
                versions.c.author,
                versions.c.source,
                versions.c.summary,
                versions.c.body,
                versions.c.body_html,
                versions.c.category,
                versions.c.attachments,
                versions.c.warc_file,
                versions.c.warc_offset,
            )
            .join(latest, latest.c.article_id == articles.c.id)
            .join(
                versions,
                and_(
                    versions.c.article_id == articles.c.id,
                    versions.c.number == latest.c.current,
                ),
            )
        )

    @staticmethod
    def _alias_map(conn: Connection, article_ids: list[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in article_ids}
        if article_ids:
            for art_id, url in conn.execute(
                select(aliases.c.article_id, aliases.c.url).where(
                    aliases.c.article_id.in_(article_ids)
                )
            ):
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
            "body_html": row["body_html"],
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
        query = self._current_query().where(
            articles.c.site == site, articles.c.article_key == article_key
        )
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
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
                self._current_query()
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
            rows = conn.execute(
                select(versions)
                .where(versions.c.article_id == article_id)
                .order_by(versions.c.number)
            ).mappings()
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

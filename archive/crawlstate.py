"""What a crawl needs to know and tell besides new content: validators for conditional
GETs, which articles are due for a revisit, 304s, 404s, dead links, interrupted runs.

A mixin of ``Archive`` (archive/store.py); every write is one short transaction.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from archive.records import DeadLink, Gone, NotModified
from archive.schema import articles, captures, dead_links, key_aliases, leases, runs, versions
from archive.times import normalize_iso, now_iso

GONE_RUNS_TO_REMOVE = 2  # consecutive runs answering 404/410 before "removed"


@dataclass(frozen=True)
class KeyState:
    """One known key of a site, as the spider sees it."""

    article_key: str
    status: str  # live | removed | dead | alias
    etag: str | None = None
    last_modified: str | None = None
    date: str | None = None  # current version's article date (YYYY-MM-DD)
    last_checked: str | None = None
    first_seen: str | None = None
    url: str | None = None  # canonical URL (to revisit an article no listing shows any more)
    listing_sig: str | None = None  # what the listing last showed (crawler/listing/items.py)
    target: str | None = None  # for an "alias" key: the key of the article it belongs to


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process that has exited but not been reaped yet still answers ``kill(pid, 0)``.
    A killed `luutru crawl` takes its site crawls with it (luutru/crawl_processes.py);
    they are orphans then, reaped whenever init gets to it, and must not count as
    holders meanwhile. Linux says so in /proc; elsewhere the pid is taken as alive."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rpartition(b")")[2].split()[:1]
    except OSError:
        return False
    return state in ([b"Z"], [b"X"])


class CrawlStateMixin:
    """Methods of Archive; relies on its ``_read``/``_write``/``_touch``/``_log_capture``."""

    def crawl_state(self, site: str) -> dict[str, KeyState]:
        """Every key of ``site`` the archive knows: articles, key aliases and dead links."""
        latest = (
            select(versions.c.article_id, func.max(versions.c.number).label("n"))
            .group_by(versions.c.article_id)
            .subquery()
        )
        query = (
            select(
                articles.c.article_key,
                articles.c.status,
                articles.c.etag,
                articles.c.last_modified,
                articles.c.last_checked,
                articles.c.first_seen,
                articles.c.canonical_url,
                versions.c.date,
                articles.c.listing_sig,
            )
            .join(latest, latest.c.article_id == articles.c.id)
            .join(
                versions,
                (versions.c.article_id == articles.c.id) & (versions.c.number == latest.c.n),
            )
            .where(articles.c.site == site)
        )
        state: dict[str, KeyState] = {}
        with self._read() as conn:
            for row in conn.execute(query):
                state[row.article_key] = KeyState(
                    row.article_key,
                    row.status,
                    row.etag,
                    row.last_modified,
                    row.date,
                    row.last_checked,
                    row.first_seen,
                    row.canonical_url,
                    row.listing_sig,
                )
            aliased = select(key_aliases.c.article_key, articles.c.article_key.label("target"))
            aliased = aliased.join(articles, articles.c.id == key_aliases.c.article_id)
            for row in conn.execute(aliased.where(key_aliases.c.site == site)):
                state.setdefault(
                    row.article_key, KeyState(row.article_key, "alias", target=row.target)
                )
            for row in conn.execute(select(dead_links).where(dead_links.c.site == site)):
                state.setdefault(
                    row.article_key,
                    KeyState(row.article_key, "dead", last_checked=row.last_checked),
                )
        return state

    def not_modified(self, item: NotModified, run_id: int | None) -> str:
        """A 304: the article is live and unchanged; only the crawl state moves."""
        seen_at = normalize_iso(item.fetched_at)
        with self._write() as conn:
            article_id = self._article_id(conn, item.site, item.article_key)
            if article_id is None:
                raise KeyError(f"{item.site}:{item.article_key}")
            self._touch(conn, article_id, seen_at, item.etag, item.last_modified, item.listing_sig)
            self._log_capture(
                conn, article_id, run_id, None, item, seen_at, "not_modified", http_status=304
            )
        return "not_modified"

    def gone(self, item: Gone, run_id: int | None) -> str:
        """404/410 for an article: "gone" the first time, "removed" on the second
        consecutive run (or at once when it also vanished from the listings)."""
        seen_at = normalize_iso(item.fetched_at)
        with self._write() as conn:
            article_id = self._article_id(conn, item.site, item.article_key)
            if article_id is None:
                raise KeyError(f"{item.site}:{item.article_key}")
            row = conn.execute(
                select(articles.c.status, articles.c.gone_count).where(articles.c.id == article_id)
            ).one()
            self._log_capture(
                conn, article_id, run_id, None, item, seen_at, "gone", http_status=item.http_status
            )
            if row.status == "removed":
                return "removed"
            count = row.gone_count + 1
            values: dict[str, Any] = {"gone_count": count, "last_checked": seen_at}
            outcome = "gone"
            if item.vanished or count >= GONE_RUNS_TO_REMOVE:
                values.update(status="removed", removed_at=seen_at)
                outcome = "removed"
            conn.execute(update(articles).where(articles.c.id == article_id).values(**values))
        return outcome

    def dead_link(self, item: DeadLink) -> None:
        """Remember a link that is not an article (404 on first sight, soft-404)."""
        seen_at = normalize_iso(item.fetched_at)
        with self._write() as conn:
            row = conn.execute(
                select(dead_links.c.id, dead_links.c.times).where(
                    dead_links.c.site == item.site, dead_links.c.article_key == item.article_key
                )
            ).first()
            if row is None:
                conn.execute(
                    dead_links.insert().values(
                        site=item.site,
                        article_key=item.article_key,
                        url=item.url,
                        reason=item.reason,
                        first_seen=seen_at,
                        last_checked=seen_at,
                    )
                )
            else:
                conn.execute(
                    update(dead_links)
                    .where(dead_links.c.id == row.id)
                    .values(last_checked=seen_at, times=row.times + 1, reason=item.reason)
                )

    def interrupt_stale_runs(self, site: str | None = None) -> list[int]:
        """Runs left "running" by a crawl that no longer exists become "interrupted" (a
        killed crawl never leaves a run stuck in running): on this host, the run's process
        is gone; on another host (a crawl worker), the run's process no longer holds the
        site's lease (it expired unrenewed, or somebody else took it over)."""
        host = socket.gethostname()
        now = now_iso()
        query = (
            select(runs.c.id, runs.c.pid, runs.c.host, leases.c.holder, leases.c.expires_at)
            .select_from(runs.outerjoin(leases, leases.c.site == runs.c.site))
            .where(runs.c.status == "running")
        )
        if site is not None:
            query = query.where(runs.c.site == site)
        stale: list[int] = []
        with self._write() as conn:
            for run in conn.execute(query):
                if run.host == host:
                    if run.pid and not _pid_alive(run.pid):
                        stale.append(run.id)
                elif run.host:
                    holds = run.holder == f"{run.host}:{run.pid}"
                    if not holds or normalize_iso(run.expires_at) <= now:
                        stale.append(run.id)
            if stale:
                conn.execute(
                    update(runs)
                    .where(runs.c.id.in_(stale))
                    .values(status="interrupted", finished_at=now)
                )
        return stale

    def last_run_succeeded(self, site: str) -> bool:
        """Whether the newest finished-or-not run of ``site`` succeeded (incremental is safe)."""
        with self._read() as conn:
            status = conn.execute(
                select(runs.c.status).where(runs.c.site == site).order_by(runs.c.id.desc()).limit(1)
            ).scalar()
        return status in ("succeeded", "unhealthy")  # both completed their walk

    def latest_payload(self, site: str, url: str) -> dict | None:
        """The newest 200 capture of the article behind ``url`` (for WARC revisit records):
        fetched_url, fetched_at, payload_digest and the WARC pointer of its record."""
        from archive.schema import aliases

        with self._read() as conn:
            article_id = conn.execute(
                select(aliases.c.article_id).where(aliases.c.url == url)
            ).scalar()
            if article_id is None:
                return None
            row = (
                conn.execute(
                    select(
                        captures.c.fetched_url,
                        captures.c.fetched_at,
                        captures.c.payload_digest,
                        captures.c.warc_file,
                        captures.c.warc_offset,
                        captures.c.warc_length,
                    )
                    .where(
                        captures.c.article_id == article_id,
                        captures.c.http_status == 200,
                        captures.c.payload_digest.is_not(None),
                    )
                    .order_by(captures.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

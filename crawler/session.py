"""One crawl run's handle on the archive: the run, its WARC series, the crawl state.

The run's own books (row, log, stats, health) are kept by crawler/runbook.py. Shared by
the spider (what is known, what is due), the WARC capture middleware (where to
write) and the archive pipeline (where to store), so each opens nothing of its own. A
`site check` crawl has no session: it archives nothing.
"""

from __future__ import annotations

import errno
import logging
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scrapy import signals

from crawler.runbook import RunBook
from crawler.warc_thread import WarcThread

log = logging.getLogger(__name__)
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_WRITTEN_KEPT = 5_000  # captures awaiting their item (items follow within seconds)


class CrawlSession:
    ATTRIBUTE = "_luutru_session"

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.data_dir = Path(settings.get("LUUTRU_DATA"))
        self.db_url = settings.get("LUUTRU_DB") or None  # None: <data>/archive.sqlite
        self.force_full = settings.getbool("LUUTRU_FULL")
        self.archive: Any = None
        self.run_id: int | None = None
        self.mode = "full"
        self.state: dict[str, Any] = {}
        # Whether the site had files archived when the run opened: without, no file fetched
        # (each URL once per run) has an earlier state or capture to look up.
        self.files_known = True
        self.warc: Any = None
        # article captures just written (WARC-Record-ID -> archive.warc.ReadRecord), for the
        # pipeline's records beside them: no reading back from the file (bounded: a
        # capture whose item never comes is forgotten)
        self.written: OrderedDict[str, Any] = OrderedDict()
        self.site = ""
        self.canary_due = False
        self.archive_writer: Any = None  # the article pipeline's writer thread, while it runs
        self.stopping = False
        self.lease: Any = None  # crawler.runlease.RunLease while the run is open
        self.book: RunBook | None = None  # the run's row, log, stats and health
        # An archive the application opened once for all the sites of its command; a
        # crawl started alone (`scrapy crawl`, a Scrapyd worker) opens and closes its own.
        self.given_archive: Any = None
        self.owns_archive = True
        self.io_error: str | None = None  # the storage error that stopped the run
        # Large captures are written by a thread of their own (crawler/middlewares.py).
        self.warc_thread = WarcThread(self.report_failures)

    @classmethod
    def of(cls, crawler: Any) -> CrawlSession | None:
        """The crawler's session, created on first use; None when archiving is off."""
        settings = crawler.settings
        if not settings.getbool("LUUTRU_ARCHIVE", True) or not settings.get("LUUTRU_DATA"):
            return None  # a check, or a bare crawler without the project's settings
        session = getattr(crawler, cls.ATTRIBUTE, None)
        if session is None:
            session = cls(crawler)
            setattr(crawler, cls.ATTRIBUTE, session)
            crawler.signals.connect(session.spider_closed, signal=signals.spider_closed)
        return session

    def hand_over(self, record_id: str, record: Any) -> None:
        """Keep a capture just written for the pipeline (``take``)."""
        self.written[record_id] = record
        while len(self.written) > _WRITTEN_KEPT:
            self.written.popitem(last=False)

    def take(self, record_id: str | None) -> Any:
        """The capture ``hand_over`` kept under ``record_id``, once; None if there is none."""
        return self.written.pop(record_id, None) if record_id else None

    def report_failures(self, closing: bool = False) -> None:
        """Captures the WARC thread could not write: a failing disk stops the crawl
        (``stop_for``), anything else is an error in the run's log (so the run is not
        clean); the response itself still went on to the spider."""
        for what, exc in self.warc_thread.take_failures():
            if isinstance(exc, OSError) and io_failure(exc) is not None:
                if not closing:
                    self.stop_for(exc)
                    continue
                self.io_error = self.io_error or str(exc)[:300]
            log.error(
                "%s not written to the WARC file: %s", what, exc,
                exc_info=exc, extra={"site": self.site},
            )  # fmt: skip

    @property
    def is_open(self) -> bool:
        return self.archive is not None

    def open(self, site: str, health: Any = None) -> None:
        """Open the archive and the run; decide full or incremental; start the WARC series."""
        from archive.store import Archive
        from archive.warc import WarcSeries

        if self.is_open:
            return
        self.site = site
        if self.given_archive is not None:
            self.archive, self.owns_archive = self.given_archive, False
        else:
            self.archive, self.owns_archive = Archive.open(self.data_dir, url=self.db_url), True
        profile = getattr(self.crawler.spider, "profile", None)
        if profile is not None:  # province/department for search filters
            self.archive.upsert_site(profile.id, profile.name, profile.province, profile.department)
        self._take_lease(site)
        stale = self.archive.interrupt_stale_runs(site)
        if stale:
            log.warning(
                "runs %s of %s were left running by a dead process: interrupted",
                stale,
                site,
                extra={"site": site},
            )
        previous = self.archive.runs(site, limit=1)
        # Incremental walks are safe only on top of a complete one: after a failed, killed
        # or interrupted run the next walk is full (and resumes from JOBDIR when present).
        incremental = not self.force_full and self.archive.last_run_succeeded(site)
        self.mode = "incremental" if incremental else "full"
        self.book = RunBook(self.crawler, self.archive, self.data_dir, site)
        self.run_id = self.book.start(self.mode, health)
        if previous and previous[0]["status"] in ("interrupted", "failed"):
            # The walk is full, so it picks up what the earlier run did not finish.
            self.crawler.stats.set_value("luutru/resumes_run", previous[0]["id"])
        job = getattr(self.crawler.spider, "_job", None)  # Scrapyd's job id on a worker
        if job:
            self.crawler.stats.set_value("luutru/worker_job", str(job))
        self.state = self.archive.crawl_state(site)
        self.files_known = self.archive.has_attachments(site)
        if self.mode == "full":
            # A full walk re-checks every known article: it serves as the layout canary.
            self.crawler.stats.set_value("luutru/canary", "full walk")
        elif health is not None:
            self.canary_due = self._canary_due(site, health.canary_hours)
        self.warc = WarcSeries(
            self.data_dir / "warc" / site,
            f"luutru-{site}-run{self.run_id:06d}",
            max_bytes=self.crawler.settings.getint("LUUTRU_WARC_MAX_BYTES", 1_000_000_000),
            info={"site": site, "run": str(self.run_id), "mode": self.mode},
        )
        self.crawler.stats.set_value("luutru/run_id", self.run_id)
        self.crawler.stats.set_value("luutru/mode", self.mode)
        log.info(
            "run %s of %s: %s walk, %d keys known",
            self.run_id,
            site,
            self.mode,
            len(self.state),
            extra={"site": site},
        )

    def _take_lease(self, site: str) -> None:
        from crawler.runlease import RunLease, SiteBusy

        ttl = self.crawler.settings.getfloat("LUUTRU_LEASE_SECONDS", 300)
        self.lease = RunLease(self.crawler, self.archive, site, ttl)
        try:
            self.lease.take()
        except SiteBusy:
            if self.owns_archive:
                self.archive.close()
            self.archive = None
            raise

    def stop_for(self, exc: BaseException) -> bool:
        """A write failed. If the storage is failing (disk full, I/O error, read-only or
        permission denied), stop the crawl cleanly — reason "disk_full" or "io_error", the
        run failed with the error named — instead of failing item after item; returns
        whether it was that."""
        reason = io_failure(exc)
        if reason is None:
            return False
        if not self.stopping:
            self.stopping = True
            self.io_error = f"{str(exc)[:300]}"
            log.error(
                "%s while archiving %s (%s): stopping the crawl",
                reason,
                self.site,
                exc,
                extra={"site": self.site},
            )
            from scrapy.utils.defer import deferred_from_coro

            close = "disk_full" if reason == "disk full" else "io_error"
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=close))
        return True

    def _canary_due(self, site: str, hours: float) -> bool:
        from datetime import timedelta

        horizon = (datetime.now(VN_TZ) - timedelta(hours=hours)).isoformat(timespec="seconds")
        for run in self.archive.runs(site, limit=50):
            if run["started_at"] < horizon:
                break
            if run["stats"].get("luutru/canary") and run["id"] != self.run_id:
                return False
        return True

    def warc_relative(self, name: str) -> str:
        """WARC file names are stored relative to the data directory's warc/ folder."""
        return f"{self.site}/{name}"

    def spider_closed(self, spider: Any, reason: str) -> None:
        if not self.is_open:
            return
        book = self.book
        self.warc_thread.drain()  # a listing's capture nobody awaited may be queued
        self.report_failures(closing=True)
        stats = book.stats(reason)
        status, reasons = "failed", ["the run could not be closed cleanly: see its log"]
        try:
            self.warc.close()
            status, reasons = book.assess(reason, stats, self.io_error)
        finally:
            book.finish(status, stats, reasons)
            self._mark_queue(reason)
            try:
                self.lease.release()
            finally:
                if self.owns_archive:
                    self.archive.close()
                self.archive = None
                book.close_log()

    def _mark_queue(self, reason: str) -> None:
        """A graceful pause leaves a queue the next run may resume (crawler/jobstate.py):
        only when nothing went wrong with it — no storage error, no request kept in memory
        only (those are not in the saved queue)."""
        jobdir = self.crawler.settings.get("JOBDIR")
        if not jobdir or reason != "shutdown" or self.io_error:
            return
        stats = self.crawler.stats
        if stats.get_value("scheduler/enqueued/memory") or stats.get_value("luutru/jobdir_failed"):
            log.warning(
                "the saved queue of %s is incomplete: the next run walks fully",
                self.site,
                extra={"site": self.site},
            )
            return
        from crawler.jobstate import mark_paused, portal_origins

        profile = getattr(self.crawler.spider, "profile", None)
        origins = portal_origins(profile.start_urls) if profile is not None else None
        mark_paused(jobdir, self.run_id, origins)


_FATAL_ERRNO = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk full",
    errno.EIO: "I/O error",
    errno.EROFS: "read-only storage",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def io_failure(exc: BaseException) -> str | None:
    """What storage failure ``exc`` is ("disk full", "I/O error", …), or None. SQLite
    says it in words ("database or disk is full", "disk I/O error")."""
    known = _FATAL_ERRNO.get(getattr(exc, "errno", None) or -1)
    if known:
        return known
    text = str(exc).lower()
    if "disk is full" in text or "no space left" in text:
        return "disk full"
    if "disk i/o error" in text or "input/output error" in text:
        return "I/O error"
    if "readonly database" in text or "read-only file system" in text:
        return "read-only storage"
    return None

"""One crawl run's handle on the archive: the run row, its WARC series, the crawl state.

Shared by the spider (what is known, what is due), the WARC capture middleware (where to
write) and the archive pipeline (where to store), so each opens nothing of its own. A
`site check` crawl has no session: it archives nothing.
"""

from __future__ import annotations

import errno
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scrapy import signals

log = logging.getLogger(__name__)
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


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
        self.warc: Any = None
        self.site = ""
        self.canary_due = False
        self.stopping = False
        self.health: Any = None  # the profile's HealthRules, set by the spider
        self.lease: Any = None  # crawler.runlease.RunLease while the run is open
        self.log_handlers: list[Any] = []  # the run log, when this process opened it

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
        self.archive = Archive.open(self.data_dir, url=self.db_url)
        profile = getattr(self.crawler.spider, "profile", None)
        if profile is not None:  # province/department for search filters
            self.archive.upsert_site(profile.id, profile.name, profile.province, profile.department)
        self._take_lease(site)
        stale = self.archive.interrupt_stale_runs(site)
        if stale:
            log.warning(
                "runs %s of %s were left running by a dead process: interrupted", stale, site
            )
        previous = self.archive.runs(site, limit=1)
        # Incremental walks are safe only on top of a complete one: after a failed, killed
        # or interrupted run the next walk is full (and resumes from JOBDIR when present).
        incremental = not self.force_full and self.archive.last_run_succeeded(site)
        self.mode = "incremental" if incremental else "full"
        trigger = self.crawler.settings.get("LUUTRU_TRIGGER", "manual")
        self.run_id = self.archive.start_run(
            site, trigger=trigger, mode=self.mode, log_path=self._run_log(site)
        )
        if previous and previous[0]["status"] in ("interrupted", "failed"):
            # The walk is full, so it picks up what the earlier run did not finish.
            self.crawler.stats.set_value("luutru/resumes_run", previous[0]["id"])
        job = getattr(self.crawler.spider, "_job", None)  # Scrapyd's job id on a worker
        if job:
            self.crawler.stats.set_value("luutru/worker_job", str(job))
        self.state = self.archive.crawl_state(site)
        self.health = health
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
            "run %s of %s: %s walk, %d keys known", self.run_id, site, self.mode, len(self.state)
        )

    def _take_lease(self, site: str) -> None:
        from crawler.runlease import RunLease, SiteBusy

        ttl = self.crawler.settings.getfloat("LUUTRU_LEASE_SECONDS", 300)
        self.lease = RunLease(self.crawler, self.archive, site, ttl)
        try:
            self.lease.take()
        except SiteBusy:
            self.archive.close()
            self.archive = None
            raise

    def _run_log(self, site: str) -> str | None:
        """`luutru crawl` names the run's log file; a crawl started otherwise (a Scrapyd
        worker) opens one itself, in the same place, so every run has its log."""
        from luutru import runlog

        given = self.crawler.settings.getdict("LUUTRU_LOG_FILES").get(site)
        if given:
            return str(given)
        path = runlog.new_log_path(self.data_dir, site)
        self.log_handlers = runlog.attach({site: path})
        return str(path)

    def _close_run_log(self) -> None:
        from luutru import runlog
        from luutru.config import ConfigError, load_config

        if not self.log_handlers:
            return
        runlog.detach(self.log_handlers)
        self.log_handlers = []
        try:
            keep = load_config(self.data_dir).logs.keep
        except ConfigError as exc:
            log.warning("%s: logs not pruned", exc)
            return
        runlog.prune(self.data_dir, self.site, keep)

    def stop_for(self, exc: BaseException) -> bool:
        """A write failed. If the disk is full, stop the crawl cleanly (reason "disk_full")
        instead of failing item after item; returns whether it was that."""
        text = str(exc).lower()
        full = getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in text
        if not full:
            return False
        if not self.stopping:
            self.stopping = True
            log.error("disk full while archiving %s (%s): stopping the crawl", self.site, exc)
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk_full"))
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
        raw = self.crawler.stats.get_stats()
        stats = {k: _jsonable(v) for k, v in raw.items()}
        stats["finish_reason"] = reason
        # Scrapy adds elapsed_time_seconds after spider_closed: the health check needs it now.
        started = raw.get("start_time")
        if isinstance(started, datetime) and "elapsed_time_seconds" not in stats:
            now = datetime.now(started.tzinfo)
            stats["elapsed_time_seconds"] = round((now - started).total_seconds(), 3)
        status = "succeeded" if reason == "finished" else "failed"
        if reason in ("shutdown", "cancelled", "lease_lost"):
            status = "interrupted"
        reasons: list[str] = []
        if reason == "closespider_timeout":
            reasons.append("stopped after the maximum run duration")
        try:
            self.warc.close()
            if status == "succeeded" and self.health is not None:
                reasons = self._health_reasons(stats)
                if reasons:
                    status = "unhealthy"
                    for line in reasons:
                        log.warning("unhealthy run %s of %s: %s", self.run_id, self.site, line)
        finally:
            try:
                self.archive.finish_run(self.run_id, status, stats, reasons)
            except Exception as exc:  # a full disk can refuse even this write
                log.error("run %s could not be closed (%s); the next crawl marks it "
                          "interrupted", self.run_id, exc)  # fmt: skip
            try:
                self.lease.release()
            finally:
                self.archive.close()
                self.archive = None
                self._close_run_log()

    def _health_reasons(self, stats: dict[str, Any]) -> list[str]:
        from luutru.health import assess

        history = [
            run["stats"]
            for run in self.archive.runs(self.site, limit=self.health.window + 1)
            if run["id"] != self.run_id and run["status"] in ("succeeded", "unhealthy")
        ]
        return assess(stats, history, self.health)


def _jsonable(value: Any) -> Any:
    """Stats values as JSON: datetimes become ISO strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value

"""A run's bookkeeping: its row in the archive, its log file, its stats and its health.

Everything a run records about itself lives here, configured by Scrapy settings, so a
crawl keeps the same books whoever starts it: `luutru crawl` (which names the log files,
``LUUTRU_LOG_FILES``, and the trigger), a Scrapyd worker, or `scrapy crawl portal` by
hand (which opens its own log file beside the others). The crawl session
(crawler/session.py) opens a run book when the run starts and closes it when the spider
closes; the application above never has to be imported for a run to be kept right.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler import runlog
from crawler.health import assess, unreachable

log = logging.getLogger(__name__)

# Finish reasons that mean "stopped from outside", not "went wrong".
_INTERRUPTED = ("shutdown", "cancelled", "lease_lost")


class RunBook:
    def __init__(self, crawler: Any, archive: Any, data_dir: Path, site: str) -> None:
        self.crawler, self.archive, self.data_dir, self.site = crawler, archive, data_dir, site
        self.run_id: int | None = None
        self.health: Any = None  # the profile's HealthRules
        self._log_handlers: list[Any] = []  # the run log, when this process opened it

    def start(self, mode: str, health: Any) -> int:
        """The run's row (status "running") and its log file; returns the run id."""
        settings = self.crawler.settings
        self.health = health
        self.run_id = self.archive.start_run(
            self.site,
            trigger=settings.get("LUUTRU_TRIGGER", "manual"),
            mode=mode,
            log_path=self._log_path(),
        )
        return self.run_id

    def _log_path(self) -> str:
        """`luutru crawl` names the run's log file; a crawl started otherwise (a Scrapyd
        worker, `scrapy crawl`) opens one itself, in the same place, so every run has one."""
        given = self.crawler.settings.getdict("LUUTRU_LOG_FILES").get(self.site)
        if given:
            return str(given)
        path = runlog.new_log_path(self.data_dir, self.site)
        self._log_handlers = runlog.attach({self.site: path})
        return str(path)

    def stats(self, reason: str) -> dict[str, Any]:
        """Scrapy's stats as JSON, with the finish reason and the elapsed time."""
        raw = self.crawler.stats.get_stats()
        stats = {k: _jsonable(v) for k, v in raw.items()}
        stats["finish_reason"] = reason
        # Scrapy adds elapsed_time_seconds after spider_closed: the health check needs it now.
        started = raw.get("start_time")
        if isinstance(started, datetime) and "elapsed_time_seconds" not in stats:
            now = datetime.now(started.tzinfo)
            stats["elapsed_time_seconds"] = round((now - started).total_seconds(), 3)
        return stats

    def assess(
        self, reason: str, stats: dict[str, Any], io_error: str | None = None
    ) -> tuple[str, list[str]]:
        """The run's status and the reasons for it, the site's recent runs as yardstick."""
        if reason in _INTERRUPTED:
            return "interrupted", []
        if reason == "closespider_timeout":
            return "failed", ["stopped after the maximum run duration"]
        if reason in ("disk_full", "io_error"):
            what = "the disk is full" if reason == "disk_full" else "a storage error"
            return "failed", [
                f"stopped: {what} ({io_error or 'see the log'}); the next run walks the "
                "site fully and archives what this one could not"
            ]
        if reason != "finished":
            return "failed", []
        cut_off = unreachable(stats)  # nothing answered: the portal is down, not "failing"
        if cut_off:
            return "failed", [cut_off]
        if self.health is None:
            return "succeeded", []
        history = [
            run["stats"]
            for run in self.archive.runs(self.site, limit=self.health.window + 1)
            if run["id"] != self.run_id and run["status"] in ("succeeded", "unhealthy")
        ]
        reasons = assess(stats, history, self.health)
        for line in reasons:
            log.warning(
                "unhealthy run %s of %s: %s",
                self.run_id,
                self.site,
                line,
                extra={"site": self.site},
            )
        return ("unhealthy" if reasons else "succeeded"), reasons

    def finish(self, status: str, stats: dict[str, Any], reasons: list[str]) -> None:
        try:
            self.archive.finish_run(self.run_id, status, stats, reasons)
        except Exception as exc:  # a full disk can refuse even this write
            log.error(
                "run %s could not be closed (%s); the next crawl marks it interrupted",
                self.run_id,
                exc,
                extra={"site": self.site},
            )

    def close_log(self) -> None:
        """Detach the log file this process opened and prune the site's old ones."""
        if not self._log_handlers:
            return
        runlog.detach(self._log_handlers)
        self._log_handlers = []
        keep = self.crawler.settings.getint("LUUTRU_LOG_KEEP", 100)
        runlog.prune(self.data_dir, self.site, keep)


def _jsonable(value: Any) -> Any:
    """Stats values as JSON: datetimes become ISO strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value

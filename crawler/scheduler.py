"""Scrapy's scheduler, made safe for a full disk.

With a JOBDIR, Scrapy keeps its request queue on disk; when the disk fills up, pushing a
request raises OSError for every request, each with a traceback. Here a failed push falls
back to the in-memory queue (what Scrapy already does for requests it cannot serialise),
logged once: the crawl session then stops the run cleanly (crawler/session.py).
"""

from __future__ import annotations

import logging

from scrapy.core.scheduler import Scheduler
from scrapy.http import Request

log = logging.getLogger(__name__)


class DiskSafeScheduler(Scheduler):
    _disk_failed = False  # once the disk queue fails, this run queues in memory only

    def _dqpush(self, request: Request) -> bool:
        if self._disk_failed:
            return False
        try:
            return super()._dqpush(request)
        except OSError as exc:
            self._disk_failed = True
            self.stats.set_value("luutru/jobdir_failed", str(exc)[:200])
            log.error(
                "request queue on disk failed (%s): queueing in memory from now on",
                exc,
                extra={"crawler": self.crawler},
            )
            return False

    def _dqpop(self) -> Request | None:
        if self._disk_failed:
            return None
        try:
            return super()._dqpop()
        except OSError as exc:
            # The requests left on disk are abandoned for this run, which is stopping; the
            # next (full) walk finds their pages again.
            self._disk_failed = True
            self.stats.set_value("luutru/jobdir_failed", str(exc)[:200])
            log.error(
                "request queue on disk failed (%s): its remaining requests are dropped",
                exc,
                extra={"crawler": self.crawler},
            )
            return None

    def close(self, reason: str) -> object:
        try:
            return super().close(reason)
        except OSError as exc:
            self.stats.set_value("luutru/jobdir_failed", str(exc)[:200])
            log.error(
                "request queue state could not be saved (%s)", exc, extra={"crawler": self.crawler}
            )
            return None

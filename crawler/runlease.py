"""A crawl's hold on its site's lease, kept alive by a heartbeat while the crawl runs.

`luutru crawl` takes the leases of its sites before the reactor starts (so that it can
refuse a busy site with exit code 3); a crawl started any other way — by a Scrapyd worker
(`scrapy crawl portal -a site=ID`, luutru/cluster.py) or by hand — takes its lease here,
when the run opens. Either way the lease is renewed every third of its time to live, so a
worker machine that dies loses it within ``LUUTRU_LEASE_SECONDS`` and the next dispatch of
the site (on any machine) marks the dead run "interrupted" and walks the site again.
"""

from __future__ import annotations

import logging
from typing import Any

from twisted.internet import task

log = logging.getLogger(__name__)


class SiteBusy(RuntimeError):
    """Another live crawl holds the site's lease: this one must not start."""


class RunLease:
    def __init__(self, crawler: Any, archive: Any, site: str, ttl: float) -> None:
        self.crawler, self.archive, self.site, self.ttl = crawler, archive, site, ttl
        self.owned = False  # taken here (released here) or adopted from `luutru crawl`
        self.loop: task.LoopingCall | None = None

    def take(self) -> None:
        """Adopt this process's lease or acquire it; SiteBusy if somebody else holds it."""
        from archive.leases import holder_id

        held = self.archive.lease(self.site)
        if held is None or held.holder != holder_id():
            if self.archive.acquire_lease(self.site, self.ttl) is None:
                held = self.archive.lease(self.site)
                raise SiteBusy(
                    f"{self.site} is being crawled by {held.holder if held else '?'} "
                    f"since {held.acquired_at if held else '?'}: not starting a second run"
                )
            self.owned = True
        self.archive.renew_lease(self.site, self.ttl)
        self.loop = task.LoopingCall(self.heartbeat)
        self.loop.start(self.ttl / 3, now=False)

    def heartbeat(self) -> None:
        try:
            still_ours = self.archive.renew_lease(self.site, self.ttl)
        except Exception as exc:  # the database is unreachable: try again next beat
            log.warning(
                "could not renew the lease of %s: %s", self.site, exc, extra={"site": self.site}
            )
            return
        if not still_ours:
            # Our lease expired and another crawl took the site over: stop writing now.
            log.error(
                "lost the lease of %s to another crawl: stopping this run",
                self.site,
                extra={"site": self.site},
            )
            self.stop_heartbeat()
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="lease_lost"))

    def stop_heartbeat(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def release(self) -> None:
        self.stop_heartbeat()
        if self.owned:
            self.archive.release_lease(self.site)
            self.owned = False

"""A one-line progress report on stderr while a crawl runs (``luutru crawl`` turns it on)."""

from __future__ import annotations

import sys
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressLine:
    INTERVAL = 2.0  # seconds: often enough to show life, rare enough to stay quiet

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLine:
        if not crawler.settings.getbool("LUUTRU_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.INTERVAL, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()

    def report(self) -> None:
        stats = self.crawler.stats
        spider = self.crawler.spider
        print(
            f"[{spider.site_id}] requests {stats.get_value('downloader/request_count', 0)}"
            f" · listing pages {stats.get_value('luutru/listing_pages', 0)}"
            f" · articles {stats.get_value('item_scraped_count', 0)}",
            file=sys.stderr,
            flush=True,
        )

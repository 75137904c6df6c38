"""Item pipelines: normalise → dedup → archive (priorities in settings.py say why)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.extract.text import normalize_multiline, normalize_text
from crawler.items import ArticleRecord

_MULTILINE = {"body"}
_RAW = {"body_html", "raw_html", "fetched_at", "etag", "last_modified"}


class NormalisePipeline:
    """NFC, decoded entities, single spaces, on every text field; refuses non-articles."""

    def process_item(self, item: ArticleRecord, spider: Any = None) -> ArticleRecord:
        for f in dataclasses.fields(item):
            value = getattr(item, f.name)
            if f.name in _RAW:
                continue
            if isinstance(value, str):
                clean = (
                    normalize_multiline(value) if f.name in _MULTILINE else normalize_text(value)
                )
                setattr(item, f.name, clean)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                setattr(item, f.name, [normalize_text(v) for v in value])
        for optional in ("author", "source", "summary", "category"):
            if getattr(item, optional) == "":
                setattr(item, optional, None)
        if not item.title or not item.body:
            missing = "title" if not item.title else "body"
            raise DropItem(f"not an article ({missing} empty): {item.fetched_url}")
        if item.date and item.date > date.today().isoformat():
            item.warnings.append(f"date in the future: {item.date}")
        return item


class DedupPipeline:
    """One capture per article per run, even if two URL variants slipped through."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def process_item(self, item: ArticleRecord, spider: Any = None) -> ArticleRecord:
        key = (item.site, item.article_key)
        if key in self.seen:
            raise DropItem(f"second capture of article {item.article_key} in this run")
        self.seen.add(key)
        return item


class ArchivePipeline:
    """Writes each capture to the archive; the archive decides new / updated / unchanged."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.data_dir = crawler.settings.get("LUUTRU_DATA")
        self.archive: Any = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        pipeline = cls(crawler)
        # The run is closed on spider_closed, which carries the finish reason.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        from archive.store import Archive

        spider = self.crawler.spider
        self.archive = Archive.open(self.data_dir)
        trigger = self.crawler.settings.get("LUUTRU_TRIGGER", "manual")
        self.run_id = self.archive.start_run(spider.site_id, trigger=trigger)
        self.stats.set_value("luutru/run_id", self.run_id)

    def process_item(self, item: ArticleRecord, spider: Any = None) -> ArticleRecord:
        outcome = self.archive.record(item, self.run_id)
        self.stats.inc_value(f"luutru/articles_{outcome}")
        return item

    def close_spider(self, spider: Any = None) -> None:
        spider = self.crawler.spider
        archived = self.archive.known_keys(spider.site_id)
        for key, urls in getattr(spider, "aliases", {}).items():
            if key not in archived:
                continue  # variants of a page that was gone or not an article
            for url in urls:
                self.archive.add_alias(spider.site_id, key, url)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.archive is None:
            return
        stats = {k: _jsonable(v) for k, v in self.stats.get_stats().items()}
        stats["finish_reason"] = reason
        status = "succeeded" if reason == "finished" else "failed"
        self.archive.finish_run(self.run_id, status, stats)
        self.archive.close()
        self.archive = None


def _jsonable(value: Any) -> Any:
    """Stats values as JSON: datetimes become ISO strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value

"""Item pipelines: normalise → dedup → archive (priorities in settings.py say why).

Four kinds of item reach them: ``ArticleRecord`` (a page with content), ``NotModified``
(a 304), ``Gone`` (a known article answered 404/410) and ``DeadLink`` (a link that never
was an article). Only records are normalised and deduplicated; all four are archived.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future

from archive.records import ArticleRecord, DeadLink, Gone, NotModified
from crawler.archivewriter import ArchiveWriter
from crawler.extract.vietnamese.text import normalize_multiline, normalize_text
from crawler.session import CrawlSession
from crawler.warc_thread import on_asyncio

_MULTILINE = {"body"}
_RAW = {"body_html", "raw_html", "fetched_at", "etag", "last_modified", "warc"}


class NormalisePipeline:
    """NFC, decoded entities, single spaces, on every text field; refuses non-articles."""

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, ArticleRecord):
            return item
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

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, ArticleRecord):
            return item
        key = (item.site, item.article_key)
        if key in self.seen:
            raise DropItem(f"second capture of article {item.article_key} in this run")
        self.seen.add(key)
        return item


class ArchivePipeline:
    """Writes each item to the archive, which decides new / updated / unchanged / alias;
    the decision also goes into the WARC as a metadata record beside the capture."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.session = CrawlSession.of(crawler)
        self.writer: ArchiveWriter | None = None  # started by the first item

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        session = self.session
        if session is None or not session.is_open:
            return item
        if session.stopping:
            raise DropItem("not archived: the crawl is stopping (disk full)")
        if not isinstance(item, (ArticleRecord, NotModified, Gone, DeadLink)):
            return item
        if isinstance(item, ArticleRecord):
            # Field coverage per run: the health check compares it with recent runs.
            self.stats.inc_value("luutru/records")
            for name in ("title", "date", "author", "body"):
                if getattr(item, name):
                    self.stats.inc_value(f"luutru/field/{name}")
        try:
            # Stored by the writer thread (crawler/archivewriter.py); the reactor serves
            # other responses until this item's batch is committed.
            outcome = await maybe_deferred_to_future(self._writer(session).submit(item))
            self._stored(session, item, outcome)
        except Exception as exc:
            if session.stop_for(exc):
                raise DropItem(f"not archived: {exc}") from exc
            raise
        return item

    def _writer(self, session: CrawlSession) -> ArchiveWriter:
        if self.writer is None:
            from twisted.internet import reactor

            linger = self.crawler.settings.getfloat("LUUTRU_WRITE_LINGER")
            self.writer = ArchiveWriter(
                session.archive, session.run_id, reactor.callFromThread, linger=linger
            )
            # the attachment stage writes through it too: a file after its article
            session.archive_writer = self.writer
        return self.writer

    def _stored(self, session: CrawlSession, item: Any, outcome: str) -> None:
        self.stats.inc_value(f"luutru/articles_{outcome}")
        warc = getattr(item, "warc", None)
        if warc is None:
            return

        def write() -> None:
            self._warc_records(session, item, warc, outcome)

        if on_asyncio():
            # In the WARC thread, after the capture they stand beside (one thread: in
            # order): the metadata record's hash and gzip were a twentieth of the
            # reactor's time a page. A failure is reported as a capture's is.
            session.warc_thread.submit(write, f"the records beside {item.fetched_url}")
        else:
            write()

    @staticmethod
    def _warc_records(session: CrawlSession, item: Any, warc: Any, outcome: str) -> None:
        """Beside the capture: its alias revisit, when the article's canonical URL is not
        the URL fetched (so it replays under the URL a reader would paste; see
        archive/warcexport.py), and a metadata record of what the archive made of it, both
        with the capture's WARC-Date and naming it in WARC-Concurrent-To."""
        from archive.warc import WarcError, WarcPointer, read_record

        # As the middleware wrote it (crawler/middlewares.py); read back only if it is gone.
        capture = session.take(warc.record_id)
        if capture is None:
            try:
                pointer = WarcPointer(warc.file, warc.offset, warc.length)
                capture = read_record(session.data_dir / "warc", pointer)
            except WarcError:
                capture = None  # checked by `luutru verify`; the metadata record still goes in
        fields = {"site": item.site, "article-key": item.article_key, "outcome": outcome}
        if isinstance(item, ArticleRecord):
            from archive.versions import content_hash

            fields["content-hash"] = content_hash(item.content())
            if capture is not None:
                session.warc.write_alias_revisit(item.url, capture)
        session.warc.write_metadata(
            item.fetched_url,
            fields,
            concurrent_to=warc.record_id,
            date=capture.date if capture is not None else None,
        )

    def close_spider(self, spider: Any = None) -> None:
        writer = getattr(self, "writer", None)
        if writer is not None:  # every item was answered: Scrapy awaited each one
            self.crawler.stats.set_value("luutru/archive_batches", writer.batches)
            writer.close()
            self.writer = None
            if self.session is not None:
                self.session.archive_writer = None
        session = self.session
        spider = self.crawler.spider
        if session is None or not session.is_open or session.stopping:
            return
        try:
            archived = session.archive.known_keys(spider.site_id)
            # Batched (a write transaction per thousand URLs, not one per URL): a site
            # with 100,000 URL variants once took ten minutes here.
            # Keys not archived: variants of a page that was gone or not an article.
            variants = {
                key: urls for key, urls in getattr(spider, "aliases", {}).items() if key in archived
            }
            session.archive.add_aliases(spider.site_id, variants)
            rekeyed = {a: k for a, k in getattr(spider, "rekeyed", {}).items() if k in archived}
            session.archive.add_key_aliases(spider.site_id, rekeyed)
        except Exception as exc:
            if not session.stop_for(exc):
                raise

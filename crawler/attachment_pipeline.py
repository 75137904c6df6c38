"""Item pipeline stage for attached files: stores each ``AttachmentCapture``.

After the article pipelines (settings.py: 310, past ArchivePipeline at 300, which passes
other items on untouched): the archive decides new / updated / unchanged
(archive/attachments.py), the outcome is counted (``luutru/attachments_<outcome>``) and,
beside a fetched file's response record, a WARC metadata record says what the archive
made of it, as for article pages.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future

from archive.attachments import AttachmentCapture
from crawler.session import CrawlSession


class AttachmentPipeline:
    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats
        self.session = CrawlSession.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> AttachmentPipeline:
        return cls(crawler)

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, AttachmentCapture):
            return item
        session = self.session
        if session is None or not session.is_open:
            return item
        if session.stopping:
            raise DropItem("not archived: the crawl is stopping (disk full)")
        try:
            writer = getattr(session, "archive_writer", None)
            if writer is not None:
                # Through the article pipeline's writer thread (crawler/archivewriter.py):
                # queued after the article that links the file, so the link finds it.
                outcome = await maybe_deferred_to_future(writer.submit(item))
            else:
                outcome = session.archive.record_attachment(item, session.run_id)
        except Exception as exc:
            if session.stop_for(exc):
                raise DropItem(f"not archived: {exc}") from exc
            raise
        self.stats.inc_value(f"luutru/attachments_{outcome}")
        if item.warc is not None and item.fetch == "ok":
            fields = {
                "site": item.site,
                "article-key": item.article_key,
                "attachment-outcome": outcome,
                "sha256": item.sha256 or "",
                "text-status": item.text_status,
            }
            session.warc.write_metadata(
                item.fetched_url, fields, concurrent_to=item.warc.record_id, date=item.warc_date
            )
        return item

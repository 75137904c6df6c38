"""Fetching the files an article links to (pdf, doc(x), xls(x), odt): a portal spider mixin.

After an article page is captured, each file it links to is requested once per run,
through the same downloader as pages (robots.txt, AutoThrottle, the per-domain
concurrency and delay, retries) and so written to the run's WARC by the capture
middleware, request and response. Only files on the portal's own hosts are fetched (the
start URLs' hosts and the profile's ``allowed_domains``, e.g. a storage host); a link to
any other host is counted (``luutru/attachments_offsite``) and left. A known file is
asked for with its validators (a 304 costs nothing), and an unchanged one becomes a
revisit record. Past ``LUUTRU_ATTACHMENT_MAXSIZE`` bytes the download is cancelled and the
file is recorded as too large (``luutru/attachments_too_large``). The text is extracted
here (crawler/extract/filetext.py, bounded) and the fetch is handed to the archive as an
``AttachmentCapture`` (crawler/attachment_pipeline.py stores it).

The callbacks are spider methods so that a paused run's queue (JOBDIR) can hold them.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from email.message import Message
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from archive.attachments import AttachmentCapture
from archive.records import ArticleRecord
from crawler.extract import filetext
from crawler.middlewares import capture_written
from crawler.spiders.extraction_step import off_reactor
from crawler.urls import at_current_origin, on_portal

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# What a download cut at download_maxsize fails with: Scrapy >= 2.13 its own error, older
# ones Twisted's CancelledError.
_TOO_LARGE: tuple[type[BaseException], ...] = (CancelledError,)
with contextlib.suppress(ImportError):
    from scrapy.exceptions import DownloadCancelledError

    _TOO_LARGE += (DownloadCancelledError,)
STAT = "luutru/attachments_"
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _now() -> str:
    return datetime.now(VN_TZ).isoformat(timespec="seconds")


def file_name(url: str, disposition: str | None) -> str:
    """The file's name: the server's Content-Disposition, else the link's last path part
    or ``?file=`` value; NFC, without path separators or control characters."""
    name = None
    if disposition:
        message = Message()
        message["content-disposition"] = disposition
        name = message.get_filename()
        if name:
            # a raw UTF-8 name read as latin-1 (common on Vietnamese portals)
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                name = name.encode("latin-1").decode("utf-8")
    if not name:
        parts = urlsplit(url)
        candidates = [unquote(parts.path).rsplit("/", 1)[-1]]
        candidates += [unquote(v) for _, v in parse_qsl(parts.query)]
        name = next((c for c in reversed(candidates) if filetext.kind_of_url("/" + c)), None)
        name = name or candidates[0] or "file"
    name = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", name)).strip(" ._") or "file"
    return name[-200:]


class AttachmentFetch:
    """Needs the portal spider's ``session``, ``site_id``, ``allowed_domains``,
    ``origins``, ``check_articles`` and ``crawler``."""

    session: Any
    site_id: str
    allowed_domains: list[str]
    origins: dict[str, tuple[str, str]]
    check_articles: int
    crawler: Any
    logger: Any

    def attachment_requests(self, record: ArticleRecord) -> Iterator[Request]:
        """Requests for the files ``record`` links to, each URL once per run."""
        yield from self._attachment_requests(record.article_key, record.attachments)

    def attachment_rechecks(self, key: str) -> Iterator[Request]:
        """An article that answered 304: the files it links to are checked all the same
        (conditionally), since a portal replaces a PDF without touching the page."""
        session = self.session
        if self.check_articles or session is None or not session.is_open:
            return
        urls = session.archive.linked_attachment_urls(self.site_id, key)
        yield from self._attachment_requests(key, urls)

    def _attachment_requests(self, key: str, urls: list[str]) -> Iterator[Request]:
        if not urls:
            return  # most articles: nothing to ask the settings for
        session = self.session
        settings = self.crawler.settings
        if self.check_articles or session is None or not session.is_open:
            return  # `site check`, or nothing to archive into
        if not settings.getbool("LUUTRU_ATTACHMENTS", True):
            return
        seen: set[str] = self.__dict__.setdefault("attachments_requested", set())
        cap = settings.getint("LUUTRU_ATTACHMENT_MAXSIZE")
        stats = self.crawler.stats
        for url in urls:
            if filetext.kind_of_url(url) is None or url in seen:
                continue  # listed with the article (pptx, zip…), not fetched; or done
            seen.add(url)
            # A link an earlier run stored is asked for where its host answers now; the
            # file keeps its identity (the link), whatever address served it.
            where = at_current_origin(url, self.origins)
            if not on_portal(where, self.allowed_domains):
                stats.inc_value(f"{STAT}offsite")
                self.logger.info("attachment on another host, not fetched: %s", url)
                continue
            headers = {}
            state = (
                session.archive.attachment_state(self.site_id, url) if session.files_known else None
            )
            if state:
                if state.get("etag"):
                    headers["If-None-Match"] = state["etag"]
                if state.get("last_modified"):
                    headers["If-Modified-Since"] = state["last_modified"]
            stats.inc_value(f"{STAT}requested")
            yield Request(
                where,
                headers=headers,
                callback=self.parse_attachment,
                errback=self.attachment_failed,
                cb_kwargs={"key": key, "link": url},
                meta={
                    "attachment_url": url,
                    "download_maxsize": cap,
                    "download_warnsize": cap,
                },
                priority=1,  # as articles: finished before the walk goes deeper
            )

    async def parse_attachment(self, response: Response, key: str, link: str) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        await capture_written(response)  # meta["warc"], when the WARC thread writes it
        capture = self._capture(response.request or Request(link), key, link)
        capture.fetched_url = response.url
        capture.http_status = response.status
        capture.warc = response.meta.get("warc")
        capture.warc_date = response.meta.get("warc_date")
        capture.etag = _header(response, b"ETag")
        capture.last_modified = _header(response, b"Last-Modified")
        if response.status == 304:
            capture.fetch = "not_modified"
        elif response.status in (404, 410):
            capture.fetch, capture.note = "gone", f"gone at source (HTTP {response.status})"
            self.logger.info("attachment %s gone (%s)", link, response.status)
        else:
            body = response.body
            hint = filetext.kind_of_url(link) or filetext.kind_of_url(response.url)
            # A file's text (a PDF's pages, a spreadsheet) is CPU work: off the reactor.
            workers = getattr(self, "extract_workers", 0)
            found = await off_reactor(
                filetext.extract, (body, hint), workers, on_crash=partial(_crashed, hint)
            )
            capture.fetch = "ok"
            capture.sha256 = hashlib.sha256(body).hexdigest()
            capture.size = len(body)
            capture.content_type = _header(response, b"Content-Type")
            capture.filename = file_name(link, _header(response, b"Content-Disposition"))
            capture.kind = found.kind
            capture.text, capture.text_status, capture.text_note = (
                found.text, found.status, found.note,
            )  # fmt: skip
            stats.inc_value(f"{STAT}text_{found.status}")
            if found.status == "failed":
                self.logger.warning("attachment %s: no text (%s)", link, found.note)
        yield capture

    def attachment_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        link = request.meta.get("attachment_url", request.url)
        capture = self._capture(request, request.cb_kwargs.get("key", ""), link)
        stats = self.crawler.stats
        if failure.check(IgnoreRequest):
            # robots.txt or a redirect off the portal: not fetched on purpose, counted.
            stats.inc_value(f"{STAT}not_followed")
            self.logger.info("attachment %s not followed: %s", link, failure.value)
            return
        if failure.check(*_TOO_LARGE):
            cap = self.crawler.settings.getint("LUUTRU_ATTACHMENT_MAXSIZE")
            capture.fetch = "too_large"
            capture.note = f"not fetched: larger than {cap:,} bytes (LUUTRU_ATTACHMENT_MAXSIZE)"
            self.logger.warning("attachment %s skipped: larger than %s bytes", link, f"{cap:,}")
        else:
            capture.fetch = "failed"
            reason = failure.getErrorMessage() or repr(failure.value)
            capture.note = f"failed: {failure.type.__name__}: {reason}"[:300]
            self.logger.warning("attachment %s %s", link, capture.note)
        yield capture

    def _capture(self, request: Request, key: str, link: str) -> AttachmentCapture:
        return AttachmentCapture(
            site=self.site_id,
            article_key=key,
            url=link,
            fetched_url=request.url,
            fetched_at=_now(),
            fetch="failed",
        )


def _crashed(hint: str | None) -> filetext.FileText:
    """A file whose reader's process died under it twice (offload.submit_guarded): kept,
    its text failed, rather than read again in the crawl's own process."""
    return filetext.FileText(hint, None, "failed", "its reader crashed (worker process died)")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None

"""Downloader middleware: every response is captured in the run's WARC series.

It sits next to the downloader (order 901, above HttpCompression at 590), so what it
stores is the payload as the server sent it, Content-Encoding included. A 200 whose payload
is byte-identical to the article's previous capture becomes a ``revisit`` record
(identical-payload-digest profile) instead of a second copy, and a 304 a ``revisit``
(server-not-modified); both name the record holding the payload (archive/warc.py).
A large capture is written by the crawl's WARC thread (crawler/warc_thread.py) while the
response goes on; callbacks that read ``meta["warc"]`` await ``capture_written`` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response

from archive.records import WarcRef
from crawler.session import CrawlSession
from crawler.urls import on_portal
from crawler.warc_thread import on_asyncio

log = logging.getLogger(__name__)

# Twisted hands us a de-chunked body: keeping the header would make replay tools
# de-chunk it again, so it is kept under another name.
_RENAMED = {"transfer-encoding"}
# A body this large is captured in a thread of its own. Gzip is most of a capture's cost
# (~2-3 ms per 100 KB at level 6) and on the reactor thread it delayed every other
# download; zlib lets go of the GIL while it compresses. Smaller bodies cost less than the
# hand-over, unless a capture is in the thread already (then they queue behind it, so the
# reactor never waits on the series' lock).
THREAD_BYTES = 32 * 1024
# The capture the WARC thread is writing, by request: not in request.meta, which a
# redirect or a retry copies into a request that goes to the disk queue (a Future does not
# pickle), and not by response, which later middlewares may replace (decompression).
# Touched on the reactor thread only.
_PENDING: weakref.WeakKeyDictionary[Request, Future] = weakref.WeakKeyDictionary()


def _headers(headers: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, values in headers.items():
        text = name.decode("latin-1")
        if text.lower() in _RENAMED:
            text = f"X-Luutru-Original-{text}"
        out.extend((text, v.decode("latin-1")) for v in values)
    return out


class ScopeMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter with the portal's own hosts exactly: the start URLs' hosts
    and the profile's ``allowed_domains``, www. or not — but not every subdomain (on
    ``hanoi.gov.vn`` each department is a subdomain, and each is a portal of its own).
    It sees every request, redirects included: an article that answers 302 to another
    host is not fetched there. Filtered requests are counted (``offsite/filtered``)."""

    def should_follow(self, request: Request, spider: Any) -> bool:
        return on_portal(request.url, getattr(spider, "allowed_domains", ()))


# Scrapy looks for a <meta http-equiv="refresh"> in a page's first 4,096 characters: at
# most 4 bytes each in UTF-8, one in the portals' single-byte encodings.
_REFRESH_SCAN_BYTES = 4 * 4096


class QuickMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refresh redirects, after a look at the bytes. Scrapy decodes the whole
    body (``response.text``) to read its first 4,096 characters: on a 250 KB page that was
    a twentieth of the reactor's time a page, and the crawl itself never needs the text
    (the extraction worker decodes the page). Without "refresh" in those bytes there is
    no refresh to find; a page with NUL bytes there (UTF-16) gets Scrapy's full look."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if isinstance(response, HtmlResponse):
            head = response.body[:_REFRESH_SCAN_BYTES]
            if b"\x00" not in head and b"refresh" not in head.lower():
                return response
        return super().process_response(request, response)


class WarcCaptureMiddleware:
    def __init__(self, session: CrawlSession | None) -> None:
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        return cls(CrawlSession.of(crawler))

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        session = self.session
        if session is None or not session.is_open or session.stopping:
            return response

        def capture() -> None:
            with session.warc.lock:  # the pipeline writes records beside captures
                self._capture(session, request, response)

        if (len(response.body) >= THREAD_BYTES or session.warc_thread.busy) and on_asyncio():
            # Not awaited here: the request leaves the downloader (and frees its place
            # among CONCURRENT_REQUESTS) while its capture is written; whoever reads
            # meta["warc"] awaits ``capture_written`` first.
            _PENDING[request] = session.warc_thread.submit(capture, f"capture of {request.url}")
            return response
        try:
            capture()
        except OSError as exc:
            if not session.stop_for(exc):
                raise
        return response

    def _capture(self, session: CrawlSession, request: Request, response: Response) -> None:
        from archive.warc import PROFILE_NOT_MODIFIED, payload_digest

        now = datetime.now(UTC)  # one WARC-Date for the capture event's records
        series = session.warc
        url = response.url
        headers = _headers(response.headers)
        # Ids first, so that the response (or revisit) and the request name each other.
        record_id, request_id = series.new_record_id(), series.new_record_id()
        digest: str | None = payload_digest(response.body)
        original = None
        lookup = _earlier_lookup(session, request)
        if response.status in (200, 304) and lookup is not None:
            original = _original(session, url, digest if response.status == 200 else None, lookup)
        if response.status == 304:
            # Not an empty response: a revisit saying the server confirmed the earlier
            # capture (WARC 1.1 §6.7.3), which it names.
            if original is None:
                log.warning("304 for %s, whose earlier capture is unknown", url)
            pointer = series.write_revisit(
                url, now, original.uri if original else None,
                original.date if original else None, None, 304, headers,
                refers_to=original.record_id if original else None,
                profile=PROFILE_NOT_MODIFIED, record_id=record_id, concurrent_to=request_id,
            )  # fmt: skip
            digest = None
        elif response.status == 200 and original and original.payload_digest == digest:
            pointer = series.write_revisit(
                url, now, original.uri, original.date, digest, 200, headers,
                refers_to=original.record_id, record_id=record_id, concurrent_to=request_id,
            )  # fmt: skip
        else:
            pointer, _, digest = series.write_response(
                url, response.status, "", headers, response.body, now,
                concurrent_to=request_id, record_id=record_id, digest=digest,
            )  # fmt: skip
        if request.meta.get("article_key"):  # the pipeline writes records beside it
            session.hand_over(record_id, series.last_written())
        series.write_request(
            request.url,
            request.method,
            _headers(request.headers),
            request.body or b"",
            now,
            concurrent_to=record_id,
            record_id=request_id,
        )
        request.meta["warc_date"] = now  # for records written later beside this capture
        request.meta["warc"] = WarcRef(
            file=session.warc_relative(pointer.file),
            offset=pointer.offset,
            length=pointer.length,
            payload_digest=digest,
            record_id=record_id,
        )


async def capture_written(response: Response) -> None:
    """Wait until the capture of ``response`` is written (``meta["warc"]`` set), when the
    WARC thread writes it. A capture that failed was reported by the session already
    (crawler/session.py); the response goes on without its WARC reference."""
    pending = _PENDING.pop(response.request, None) if response.request is not None else None
    # Most captures are written by the time the page is extracted: then nothing is
    # awaited, as wrapping a finished future still wakes the loop through its self-pipe.
    if pending is not None and not pending.done():
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(pending)


def _earlier_lookup(session: CrawlSession, request: Request) -> Any:
    """How to find the newest earlier capture of what ``request`` fetches: an article's
    (by its URL), an attached file's (by the link's URL, archive/attachments.py), or None."""
    key = request.meta.get("article_key")
    if key:
        # A key the archive has never held (crawl_state has every key of the site, alias
        # keys included) has no earlier capture: a first crawl asks nothing per page.
        return session.archive.latest_payload if key in session.state else None
    link = request.meta.get("attachment_url")
    if link and session.files_known:  # a site with no file archived: nothing to look up
        return lambda site, _url: session.archive.latest_attachment_payload(site, link)
    return None


def _original(session: CrawlSession, url: str, digest: str | None, lookup: Any) -> Any:
    """The record holding the payload of the article's newest 200 capture (its own
    response, or what its revisit names), read back from the WARC so that the revisit's
    WARC-Refers-To-* are exactly that record's; None when there is none, when its payload
    is not ``digest`` (if given: a changed page is written in full anyway) or when it is
    unreadable (the capture is then written in full)."""
    from archive.warc import WarcError, WarcPointer, original_of, read_record

    earlier = lookup(session.site, url)
    if not earlier or not earlier.get("warc_file") or not earlier.get("warc_length"):
        return None
    if digest is not None and earlier["payload_digest"] != digest:
        return None
    pointer = WarcPointer(earlier["warc_file"], earlier["warc_offset"], earlier["warc_length"])
    try:
        return original_of(read_record(session.data_dir / "warc", pointer))
    except WarcError as exc:
        log.warning("earlier capture of %s unreadable, written in full: %s", url, exc)
        return None

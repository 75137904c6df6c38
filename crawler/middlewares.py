"""Downloader middleware: every response is captured in the run's WARC series.

It sits next to the downloader (order 901, above HttpCompression at 590), so what it
stores is the payload as the server sent it, Content-Encoding included. A 200 whose payload
is byte-identical to the article's previous capture becomes a ``revisit`` record
(identical-payload-digest profile) instead of a second copy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from archive.records import WarcRef
from crawler.session import CrawlSession

# Twisted hands us a de-chunked body: keeping the header would make replay tools
# de-chunk it again, so it is kept under another name.
_RENAMED = {"transfer-encoding"}


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
        hosts = {d.lower().removeprefix("www.") for d in getattr(spider, "allowed_domains", ())}
        if not hosts:
            return True
        host = (urlparse_cached(request).hostname or "").lower().removeprefix("www.")
        return host in hosts


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
        try:
            self._capture(session, request, response)
        except OSError as exc:
            if not session.stop_for(exc):
                raise
        return response

    def _capture(self, session: CrawlSession, request: Request, response: Response) -> None:
        from archive.warc import payload_digest

        now = datetime.now(UTC)
        series = session.warc
        url = response.url
        req_headers = _headers(request.headers)
        digest = payload_digest(response.body)
        earlier = None
        if response.status == 200 and request.meta.get("article_key"):
            earlier = session.archive.latest_payload(session.site, url)
            if earlier and earlier["payload_digest"] != digest:
                earlier = None
        if earlier:
            pointer = series.write_revisit(
                url,
                now,
                earlier["fetched_url"],
                earlier["fetched_at"],
                digest,
                response.status,
                _headers(response.headers),
            )
            record_id = series.last_record_id
        else:
            pointer, record_id, digest = series.write_response(
                url,
                response.status,
                "",
                _headers(response.headers),
                response.body,
                now,
            )
        series.write_request(
            request.url,
            request.method,
            req_headers,
            request.body or b"",
            now,
            concurrent_to=record_id,
        )
        request.meta["warc"] = WarcRef(
            file=session.warc_relative(pointer.file),
            offset=pointer.offset,
            length=pointer.length,
            payload_digest=digest,
            record_id=record_id,
        )

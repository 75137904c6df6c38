"""HTTP downloads: a request Twisted would not send again goes on a connection of its own.

Scrapy's HTTP/1.1 handler keeps connections open (Twisted's ``HTTPConnectionPool``) for the
next request to the same host. A server may close such a connection while it waits in the
pool: its keep-alive timeout runs out (5 s by default on Apache), or it is an HTTP/1.0
server that closes after every answer. Twisted keeps that connection anyway: it only
reads ``Connection: close`` and ignores the version. The next request on the connection
then fails before any answer ("Connection was closed cleanly").

Twisted sends a bodyless GET, HEAD, OPTIONS, TRACE, PUT or DELETE again on a fresh
connection by itself. It does not do that for a POST or any request with a body:
twisted/twisted#7843, open since 2015.

On the demo portal under load (then an HTTP/1.0 server), the ASP.NET pager's POST
postback failed 4 times out of 4 with Scrapy's retries; each retry picked another stale
connection from the pool. The walk ended there, 37 listing pages of 51. A real portal's
pager is the same chain of postbacks, each needing the page before, and AutoThrottle's
pauses (up to 30 s) outlast keep-alive timeouts.

So such a request here gets a new connection, closed after its answer. Everything else
reuses connections as before, which on a remote portal saves a round trip per request.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response

# What Twisted's client sends again itself when a kept connection turns out closed
# (twisted.web._newclient, _RetryingHTTP11ClientProtocol._shouldRetry), if bodyless.
_RESENT_BY_TWISTED = frozenset({b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"})


def needs_fresh_connection(request: Request) -> bool:
    """True when a closed kept-alive connection would fail ``request`` for good."""
    return bool(request.body) or request.method.encode("ascii") not in _RESENT_BY_TWISTED


class FreshConnectionForUnsafe:
    """Scrapy's HTTP/1.1 handler twice: one reusing connections, one never."""

    lazy = False

    def __init__(self, crawler: Any) -> None:
        from twisted.internet import reactor
        from twisted.web.client import HTTPConnectionPool

        self._kept = HTTP11DownloadHandler.from_crawler(crawler)
        self._fresh = HTTP11DownloadHandler.from_crawler(crawler)
        pool = HTTPConnectionPool(reactor, persistent=False)  # "Connection: close", no reuse
        pool._factory = self._kept._pool._factory  # Scrapy's lenient response parser
        self._fresh._pool = pool

    @classmethod
    def from_crawler(cls, crawler: Any) -> FreshConnectionForUnsafe:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        handler = self._fresh if needs_fresh_connection(request) else self._kept
        return await handler.download_request(request)

    async def close(self) -> None:
        try:
            await self._kept.close()
        finally:
            await self._fresh.close()

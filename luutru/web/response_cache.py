"""Whole responses of the reading pages, kept per process while the archive is unchanged.

A warm search page still cost ~8 ms of CPU, nearly all of it outside the search: FastAPI
solving the query parameters, the hop to the thread pool, Jinja rendering the page. On
2 CPUs that capped 30 readers at a few hundred requests a second, and their p95 grew with
the queue. Readers of an archive ask for the same few searches and articles; this ASGI
layer answers a repeated GET of a reading page with the bytes sent the first time, before
any of that runs.

When a kept response is still right, using the markers of luutru/web/cache.py:
- article pages and the article API (``/articles/…``, ``/api/articles/…``): while the
  archive's last-write marker has not moved (any commit, a new capture included), or,
  when it has, while what the article's pages show is unchanged
  (luutru/web/article_marker.py: one row of index seeks): beside a crawl, the pages of
  the articles it is not writing stay kept;
- searches (``/``, ``/search``, ``/api/search``): while what a search can show is
  unchanged (``WebCache.content_marker``), so a crawl's commits that add no version keep
  them, once that content has been still for SEARCH_LAG seconds and the search cache
  served nothing lagged meanwhile. A search response the search cache answered with a
  lagged page (versions keep arriving: a crawl writing) is kept too, SEARCH_LAG seconds
  at most whatever the markers say, and only while no removal or site change came (those
  show at once): the search cache answers that far behind anyway, and beside a crawl
  rendering each repeated search again (FastAPI, Jinja) was most of a request's CPU.
- and never longer than RESPONSE_TTL: pages print relative times ("3 phút trước").

Only 200 answers without Set-Cookie, to requests without Authorization or Cookie, are
kept; the key is the path, the query string, the Host (absolute links) and the language
Accept-Language picks. The same page asked by several readers while it is missing is made
once: the others wait for it (single flight), as ``WebCache._once`` does for searches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from cachetools import TTLCache
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luutru.web import article_marker
from luutru.web import cache as web_cache
from luutru.web.cache import WebCache
from luutru.web.i18n import accepted_language

RESPONSE_TTL = 30.0  # seconds; bounds how stale a relative time ("3 phút trước") can get
RESPONSE_BYTES = 64 * 1024 * 1024  # kept bodies per process
MAX_BODY = 2 * 1024 * 1024  # a larger response is not kept
WAIT_S = 10.0  # seconds a reader waits for another making the same page, then makes it too
SEARCH_PATHS = frozenset({"/", "/search", "/api/search"})
PRIVATE_HEADERS = frozenset({b"authorization", b"cookie"})


@dataclass
class _Kept:
    marker: Hashable  # moved on when ``own`` was found unchanged (in place: the TTL stays)
    start: Message
    body: bytes
    made_at: float = 0.0
    lagging: bool = False  # made from a lagged search page: kept SEARCH_LAG at most
    own: Hashable = None  # an article page: what its article's pages showed (None: unknown)

    def valid(self, marker: Hashable) -> bool:
        if not self.lagging:
            return self.marker == marker
        # (base, marks) search markers: the same removals and sites, whatever was added
        same_base = isinstance(marker, tuple) and self.marker[0] == marker[0]  # type: ignore[index]
        return same_base and time.monotonic() - self.made_at < web_cache.SEARCH_LAG


def _language(headers: list[tuple[bytes, bytes]]) -> str:
    """The language the request's Accept-Language picks (?lang= is in the query string,
    so in the key already)."""
    header = next((v for k, v in headers if k == b"accept-language"), b"")
    return accepted_language(header.decode("latin-1"))


class ResponseCache:
    """ASGI middleware in front of the app (see the module doc)."""

    def __init__(self, app: ASGIApp, cache: WebCache) -> None:
        self.app = app
        self.cache = cache
        self._kept: TTLCache = TTLCache(
            RESPONSE_BYTES, RESPONSE_TTL, getsizeof=lambda kept: len(kept.body) + 512
        )
        cache.clear_with(self._kept.clear)
        self._making: dict[Hashable, asyncio.Event] = {}
        self._probes: ThreadPoolExecutor | None = None  # PostgreSQL: article markers' threads
        self._closed = False
        cache.close_with(self.close)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self._kind(scope)
        if kind is None:
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        host = next((v for k, v in headers if k == b"host"), b"")
        key = (scope["path"], scope.get("query_string", b""), host, _language(headers))
        # the article its path names, read once (article pages: None for any other kind)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        ref = article_marker.article_ref(raw_path) if kind == "article" else None
        while True:
            marker = self._marker(kind)
            kept = self._kept.get(key)
            own: Hashable = None
            if kept is not None and kept.own is not None and not kept.valid(marker):
                own = await self._article(ref)  # the archive moved: did this article?
                if own == kept.own:
                    kept.marker = marker
            if kept is not None and kept.valid(marker):
                await send({**kept.start, "headers": [*kept.start["headers"], _HIT]})
                await send({"type": "http.response.body", "body": kept.body})
                return
            making = self._making.get(key)
            if making is None:
                break
            try:  # another reader is making this page: wait for it and look again
                await asyncio.wait_for(making.wait(), WAIT_S)
            except TimeoutError:
                break
        done = self._making[key] = asyncio.Event()
        try:
            if own is None:  # read before the page: never newer
                own = await self._article(ref)
            await self._make(scope, receive, send, kind, key, marker, ref, own)
        finally:
            if self._making.get(key) is done:
                del self._making[key]
            done.set()

    async def _make(
        self, scope: Scope, receive: Receive, send: Send, kind: str, key: Hashable,
        marker: Hashable, ref: str | None = None, own: Hashable = None,
    ) -> None:  # fmt: skip
        lagged_before = self.cache.stale_served
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        complete = False

        async def recording_send(message: Message) -> None:
            nonlocal start, size, complete
            if message["type"] == "http.response.start":
                start = message
                message = {**message, "headers": [*message.get("headers", []), _MISS]}
            elif message["type"] == "http.response.body" and start is not None:
                body = message.get("body", b"")
                size += len(body)
                if size <= MAX_BODY:
                    chunks.append(body)
                complete = not message.get("more_body", False)
            await send(message)

        mine = article_marker.CURRENT.set((ref, own)) if own is not None and ref else None
        try:  # the page's lookups keyed on its article's marker (article_marker.subject)
            await self.app(scope, receive, recording_send)
        finally:
            if mine is not None:
                article_marker.CURRENT.reset(mine)
        if (
            start is None
            or not complete
            or size > MAX_BODY
            or start.get("status") != 200
            or any(name.lower() == b"set-cookie" for name, _ in start.get("headers", []))
        ):
            return
        lagging = False
        if kind == "search" and not self._search_settled(lagged_before):
            if self.cache.stale_served == lagged_before:
                return  # made fresh, but new versions may come any moment: not kept
            lagging = True  # the search cache lagged already
        self._kept[key] = _Kept(marker, start, b"".join(chunks), time.monotonic(), lagging, own)

    async def _article(self, ref: str | None) -> Hashable:
        """What the pages of article ``ref`` show (None: unknown, or no article). On
        SQLite a read of the web process's own connection; on PostgreSQL a round trip,
        made in threads of its own so that the event loop never waits on the server."""
        if ref is None:
            return None
        if self.cache.local_markers:
            return self.cache.article_marker(ref)
        if self._closed:  # the app is ending: unknown, so the page is made again
            return None
        if self._probes is None:  # not the routes' threads: a probe would queue behind them
            self._probes = ThreadPoolExecutor(4, thread_name_prefix="luutru-article-marker")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._probes, self.cache.article_marker, ref)

    def close(self) -> None:
        """Stop the probe threads (the app's end, through ``WebCache.close``)."""
        self._closed = True
        if self._probes is not None:
            self._probes.shutdown(wait=True, cancel_futures=True)
            self._probes = None

    def _search_settled(self, lagged_before: int) -> bool:
        """Whether a search page just made may be kept: no lagged answer was given while it
        was made, and what searches show has not changed for SEARCH_LAG seconds."""
        if self.cache.stale_served != lagged_before:
            return False
        return time.monotonic() - self.cache.content_changed_at >= web_cache.SEARCH_LAG

    def _marker(self, kind: str) -> Hashable:
        return self.cache.content_marker() if kind == "search" else self.cache.marker()

    @staticmethod
    def _kind(scope: Scope) -> str | None:
        """ "search", "article" or None (not kept: another page, a method other than GET,
        a request carrying credentials)."""
        if scope["type"] != "http" or scope.get("method") != "GET":
            return None
        if any(name in PRIVATE_HEADERS for name, _ in scope.get("headers", [])):
            return None
        path = scope["path"]
        if path in SEARCH_PATHS:
            return "search"
        if path.startswith(article_marker.PREFIXES):
            return "article"
        return None


_HIT = (b"x-cache", b"hit")
_MISS = (b"x-cache", b"miss")

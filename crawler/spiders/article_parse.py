"""An article response, from the spider's side: its facts awaited off the reactor
(extraction_step.py), then what the archive is told — a record, a 304, gone, a dead link,
a soft 404 — and the article links it shows. A mixin of the portal spider (portal.py),
which holds the walk's state (``known``, ``seen_keys``, ``aliases``, ``recorded``…)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from archive.records import ArticleRecord, DeadLink, Gone, NotModified
from crawler.listing.identity import declared_canonical, url_key
from crawler.middlewares import capture_written
from crawler.spiders import article_page
from crawler.spiders.extraction_step import article_facts
from crawler.urls import canonical_url

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now_iso() -> str:
    return datetime.now(VN_TZ).isoformat(timespec="seconds")


class ArticleParsing:
    """``parse_article`` and its errback; needs the portal spider's attributes."""

    async def parse_article(self, response: Response, key: str) -> AsyncIterator[Any]:
        self.seen_keys.add(key)  # before the await: other callbacks run meanwhile
        facts = None
        if response.status not in (304, 404, 410) and isinstance(response, TextResponse):
            # Awaited: in a worker process, while the reactor goes on.
            facts = await article_facts(response, response.encoding, self)
        await capture_written(response)  # meta["warc"], when the WARC thread writes it
        for item in self._article_items(response, key, facts):
            yield item

    def _article_items(self, response: Response, key: str, facts: Any) -> Iterator[Any]:
        stats = self.crawler.stats
        self.seen_keys.add(key)  # also when the request came from a resumed JOBDIR queue
        fetched_at = now_iso()
        warc = response.meta.get("warc")
        listing_sig = response.meta.get("listing_sig")
        state = self.known.get(key)
        if response.status == 304:
            yield NotModified(
                self.site_id,
                key,
                response.url,
                fetched_at,
                article_page.header(response, b"ETag"),
                article_page.header(response, b"Last-Modified"),
                warc,
                listing_sig,
            )
            yield from self.attachment_rechecks(key)
            return
        if response.status in (404, 410):
            self.logger.info(
                "article %s gone at source (%s): %s", key, response.status, response.url
            )
            yield from self._check_done(ok=False)
            vanished = response.meta.get("via") == "vanished"
            if state is not None and state.status in ("live", "removed"):
                yield Gone(
                    self.site_id, key, response.url, fetched_at, response.status, vanished, warc
                )
            else:
                yield DeadLink(
                    self.site_id, key, response.url, f"http_{response.status}", fetched_at
                )
            return
        if not isinstance(response, TextResponse):
            stats.inc_value("luutru/articles_failed")
            self.logger.warning("article %s is not an HTML page: %s", key, response.url)
            yield from self._check_done(ok=False)
            return
        extracted = facts.extracted
        reason = article_page.not_an_article(extracted)
        if reason:
            yield from self._not_an_article(response, key, reason, state, fetched_at, warc)
            return
        article_page.count(stats, self.profile, extracted)
        record = self._record(response, facts, key, fetched_at, warc, listing_sig)
        if record is not None:
            yield record
            yield from self.attachment_requests(record)  # its files (attachment_fetch.py)
        yield from self._check_done(ok=True)
        if self.check_articles:
            return
        if self.walk is not None:
            self.walk.learn(response.url)
            yield from self.walk.other_news(facts.items)
        else:
            for href in facts.other_news:
                yield from self.follow_article(response.urljoin(href), via="other_news")

    def _not_an_article(
        self, response: TextResponse, key: str, reason: str, state: Any, fetched_at: str, warc: Any
    ) -> Iterator[Any]:
        """A soft 404 (the page says so) or a page with nothing article-like on it."""
        self.crawler.stats.inc_value("luutru/soft_404")
        self.logger.warning("soft 404, not an article (%s): %s", reason, response.url)
        yield from self._check_done(ok=False)
        if state is not None and state.status == "live":
            yield Gone(self.site_id, key, response.url, fetched_at, 200, False, warc)
        else:
            yield DeadLink(self.site_id, key, response.url, "soft_404", fetched_at)

    def _record(
        self,
        response: TextResponse,
        facts: Any,
        key: str,
        fetched_at: str,
        warc: Any,
        listing_sig: str | None,
    ) -> ArticleRecord | None:
        """The article record; without an id pattern, keyed by the page's own canonical
        URL, the key it was requested under remembered as another key of it."""
        declared = facts.canonical
        canonical = canonical_url(self.profile, response.url, declared)
        key_aliases: list[str] = []
        redirects = [str(u) for u in response.meta.get("redirect_urls", [])]
        if not self.profile.article.url_pattern:
            trusted = declared_canonical(response.url, declared, facts.og_url)
            final_key = url_key(trusted or response.url)
            if final_key != key:
                self.aliases[final_key] |= self.aliases.pop(key, set()) | {response.url}
                if final_key in self.recorded:
                    # Another URL of an article captured in this run: remembered as one
                    # more key of it (at the end of the run), not captured twice.
                    self.rekeyed[key] = final_key
                    return None
                key_aliases.append(key)
                key = final_key
                self.seen_keys.add(key)
        self.recorded.add(key)
        return article_page.record(
            self.site_id, key, canonical, response, facts.extracted, fetched_at,
            warc=warc, listing_sig=listing_sig, key_aliases=key_aliases,
            redirect_urls=redirects,
        )  # fmt: skip

    def article_failed(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest):
            # Out of scope (a redirect to another host) or forbidden by robots.txt: not
            # fetched on purpose, counted (offsite/filtered, robotstxt/forbidden), no error.
            self.crawler.stats.inc_value("luutru/articles_not_followed")
            self.logger.warning("article %s not followed: %s", request.url, failure.value)
            yield from self._check_done(ok=False)
            return
        self.crawler.stats.inc_value("luutru/articles_failed")
        # Some failures (data loss, size limit) carry no message: name the error itself.
        reason = failure.getErrorMessage() or repr(failure.value)
        self.logger.error("article %s failed: %s: %s", request.url, failure.type.__name__, reason)
        yield from self._check_done(ok=False)

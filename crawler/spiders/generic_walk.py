"""Walking listings without listing selectors (crawler/listing/ does the recognising).

Per listing page: the recognised article items go to the spider's ``follow_article``
(with the date and signature the listing shows), the recognised pager to
``follow_listing``/``follow_postback``. Two rules keep the walk bounded when nothing
marks a trap: a chain of listing pages that brings no new article for ``BARREN_PAGES``
pages in a row is left, and from a page that brought nothing only one next page is
taken, never a whole numbered pager.

Articles found elsewhere ("Các tin khác" on article pages) are followed when their URL
has the shape of URLs that already proved to be articles in this crawl.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector
from scrapy.http import Request, TextResponse

from crawler.extract.page import make_selector
from crawler.listing import ListingItem, PagerLink, find_items, find_pager
from crawler.urls import same_site_check

BARREN_PAGES = 2  # listing pages in a row without a new article before a chain is left
# URLs of this shape must have proved to be articles this many times before a link of
# that shape is followed from an article page.
SHAPE_EVIDENCE = 2
_DIGITS = re.compile(r"\d+")
_SLUG = re.compile(r"^[\w%]+(?:-[\w%]+){2,}")


@lru_cache(maxsize=32768)  # asked again for each page linking the same articles
def url_shape(url: str) -> tuple:
    """What article URLs of one site share, whatever their category: the path's depth, its
    last segment with numbers and slugs generalised, the names of the query parameters."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    last = _DIGITS.sub("9", _SLUG.sub("<slug>", segments[-1])) if segments else ""
    names = tuple(sorted(k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)))
    return (len(segments), last, parts.path.endswith("/"), names)


class GenericWalk:
    def __init__(self, spider: Any) -> None:
        self.spider = spider
        self.same_site = same_site_check(spider.profile.allowed_domains)
        self.shapes: Counter[tuple] = Counter()
        self.items = self.dated = 0  # listing items seen, and how many showed a date

    def dated_share(self) -> float:
        return self.dated / self.items if self.items else 0.0

    def learn(self, url: str) -> None:
        """``url`` proved to be an article page."""
        self.shapes[url_shape(url)] += 1

    def listing(
        self, response: TextResponse, is_start: bool, known_run: int, barren: int
    ) -> Iterator[Request]:
        spider = self.spider
        stats = spider.crawler.stats
        # Parsed into lxml's plain elements, as the extraction worker parses articles:
        # Scrapy's selector (lxml.html) looks up a Python class for every element touched,
        # and the recogniser touches every link and its boxes (a fifth of a listing page).
        page = make_selector(response.body, response.encoding)
        items = find_items(page, response.url, self.same_site)
        new = 0
        for item in items:
            stats.inc_value("luutru/listing_links")
            self.items += 1
            self.dated += item.date is not None
            key = spider.key_of(item.url)
            if key is not None and key not in spider.seen_keys:
                new += 1
            requests = list(
                spider.follow_article(
                    item.url, via="listing", listing_date=item.date, listing_sig=item.signature
                )
            )
            fresh = any(r.cb_kwargs.get("key") for r in requests)
            known_run = 0 if fresh else known_run + 1
            yield from requests
        if not items and not is_start:
            spider.logger.warning("listing %s: no article links recognised", response.url)
        if spider.check_articles:
            yield from spider._check_fill()
            return
        barren = 0 if new or is_start else barren + 1
        if barren >= BARREN_PAGES:
            stats.inc_value("luutru/listing_chains_left")
            spider.logger.info(
                "listing %s: %d pages in a row without a new article: not following its "
                "pager (an endless chain?)", response.url, barren,
            )  # fmt: skip
            return
        if not spider.full and known_run >= spider.profile.listing.stop_after:
            stats.inc_value("luutru/incremental_stops")
            return
        yield from self._pager(response, page, {i.url for i in items}, known_run, barren)

    def _pager(
        self,
        response: TextResponse,
        page: Selector,
        item_urls: set[str],
        known_run: int,
        barren: int,
    ) -> Iterator[Request]:
        spider = self.spider
        links = [
            link
            for link in find_pager(page, response.url, self.same_site)
            if link.url not in item_urls  # "Xem tiếp" of an item leads to the article
        ]
        # From a page that brought nothing new, and in incremental walks, one next page
        # at a time: the chain ends where the articles end.
        one_at_a_time = barren > 0 or not spider.full
        if one_at_a_time:
            links = self._next_only(links)
        for link in links:
            if link.postback:
                yield from spider.follow_postback(response, link.postback, known_run, barren)
            elif link.url:
                yield from spider.follow_listing(link.url, known_run=known_run, barren=barren)

    def _next_only(self, links: list[PagerLink]) -> list[PagerLink]:
        seen = self.spider.seen_listings
        for kind in ("rel-next", "next", "more"):
            for link in links:
                if link.kind == kind and (link.postback or link.url not in seen):
                    return [link]
        numbered = sorted(
            (link for link in links if link.number and (link.postback or link.url not in seen)),
            key=lambda link: link.number or 0,
        )
        return numbered[:1]

    def other_news(self, items: list[ListingItem]) -> Iterator[Request]:
        """Of the article links on an article page (recognised in crawler/spiders/
        page_facts.py), those whose URL shape is a proven article shape."""
        for item in items:
            if self.shapes[url_shape(item.url)] >= SHAPE_EVIDENCE:
                yield from self.spider.follow_article(item.url, via="other_news")

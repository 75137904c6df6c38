"""Walking listings with the profile's listing selectors (links, next, categories, item).

What is followed is bounded by the profile's URL rules: start pages, category links it
names, next-page links up to ``max_pages``, article links matching ``url_pattern``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import TextResponse

from crawler.extract import select
from crawler.extract.page import selected_hrefs
from crawler.extract.vietnamese.dates import parse_vietnamese_date
from crawler.urls import article_key


class ProfiledWalk:
    def __init__(self, spider: Any) -> None:
        self.spider = spider

    def listing(self, response: TextResponse, is_start: bool, known_run: int) -> Iterator[Any]:
        spider = self.spider
        rules = spider.profile.listing
        found = 0
        for url, listing_date in self.links(response):
            found += 1
            spider.crawler.stats.inc_value("luutru/listing_links")
            requests = list(spider.follow_article(url, via="listing", listing_date=listing_date))
            fresh = any(r.cb_kwargs.get("key") for r in requests)
            # Counts known-and-unchanged items in a row, across the pages of one listing.
            known_run = 0 if fresh else known_run + 1
            yield from requests
        if found == 0 and not is_start:
            spider.logger.warning("listing %s: no article links matched", response.url)
        if is_start and rules.categories:
            for href in hrefs(response, rules.categories):
                followed = list(spider.follow_listing(response.urljoin(href), category=True))
                yield from followed
                if followed and spider.check_articles:
                    break  # a check looks at one listing
        if spider.check_articles:
            yield from spider._check_fill()
            return  # a check looks at the first listing page only
        if not spider.full and known_run >= rules.stop_after:
            spider.crawler.stats.inc_value("luutru/incremental_stops")
            return  # incremental: the rest of this listing is already archived
        if rules.next:
            for href in hrefs(response, rules.next):
                followed = list(spider.follow_next(response, href, known_run))
                yield from followed
                if followed and not spider.full:
                    # Numbered pagers link every page from page 1: an incremental walk
                    # takes them one at a time, so its stop rule can end the walk.
                    break

    def links(self, response: TextResponse) -> Iterator[tuple[str, str | None]]:
        """(article URL, listing date or None) in listing order."""
        spider = self.spider
        rules = spider.profile.listing
        if rules.item and not spider.check_articles:
            items = select(response.selector, rules.item)
            if items:
                for item in items:
                    targets = item.css("a::attr(href)").getall()
                    urls = [response.urljoin(h) for h in targets]
                    url = next((u for u in urls if article_key(spider.profile, u)), None)
                    if url is None:
                        continue
                    date = None
                    if rules.item_date:
                        text = " ".join(select(item, rules.item_date).css("::text").getall())
                        parsed = parse_vietnamese_date(text)
                        date = parsed.date_iso if parsed else None
                    yield url, date
                return
        for href in hrefs(response, rules.links):
            yield response.urljoin(href), None


def hrefs(response: TextResponse, selector: str) -> list[str]:
    """Link targets under ``selector``: the matched ``a`` elements or links inside them."""
    return selected_hrefs(response.selector, selector)

"""The one profile-driven spider: ``scrapy crawl portal -a site=ID``.

What it follows is bounded by URL rules, never by luck: start pages, category links that
the profile names, next-page links (GET or ASP.NET postback) up to ``max_pages``, and
article links that match ``article.url_pattern``. Nothing else is requested, so a
"Xem tin theo ngày" widget whose next-day links go on forever is never entered. URL
variants of one article (same ``id`` group) are fetched once; the others become aliases.

Walks are full (every listing page, a conditional GET for every known article, then a
revisit of known articles no listing showed) or incremental (newest first, stopping after
``stop_after`` consecutive known and unchanged items; due revisits at the end). The crawl
session (crawler/session.py) says which, and what the archive already knows.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
from form2request import form2request
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from archive.records import ArticleRecord, DeadLink, Gone, NotModified
from crawler.extract import extract_article, is_soft_404, select
from crawler.extract.vietnamese.dates import parse_vietnamese_date
from crawler.profiles import SiteProfile, get_profile
from crawler.revisits import Action, decide, revisit_due
from crawler.runlease import SiteBusy
from crawler.session import CrawlSession
from crawler.urls import article_key, canonical_url, is_denied

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
POSTBACK = re.compile(r"__doPostBack\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)")


def now_iso() -> str:
    return datetime.now(VN_TZ).isoformat(timespec="seconds")


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self,
        site: str = "",
        sites: str | None = None,
        base_url: str | None = None,
        check: int | str = 0,
        profile: SiteProfile | None = None,
        archive: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # An archive the caller already opened (one per command, shared by its sites).
        self.given_archive = archive
        if profile is None:
            if not site:
                raise ValueError("portal spider needs -a site=ID")
            # A Scrapyd worker (`luutru worker`) names its profiles folder in the environment.
            profile = get_profile(site, sites or os.environ.get("LUUTRU_SITES") or None)
        if base_url:
            profile = profile.rebased(base_url)
        self.profile = profile
        self.site_id = profile.id
        # `luutru site check`: one listing page and this many articles, nothing archived.
        self.check_articles = int(check or 0)
        self.session: CrawlSession | None = None
        self.seen_keys: set[str] = set()
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.seen_postbacks: set[tuple[str, str]] = set()
        self.seen_listings: set[str] = set()
        self.listing_walk_complete = True  # False once max_pages cut a pager short
        self.idle_pass_done = False
        self.check_candidates: list[tuple[str, str]] = []
        self.check_pending = 0
        self.check_ok = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Scrapy ≥ 2.11 creates the spider before freezing settings: a profile's own
        # [settings] table (say, a slower delay for a fragile portal) applies here.
        settings = crawler.settings
        if spider.profile.settings:
            settings.setdict(dict(spider.profile.settings), priority="spider")
        contact_priority = settings.getpriority("LUUTRU_CONTACT_URL")
        if contact_priority is not None and settings.getpriority("USER_AGENT") <= contact_priority:
            contact = settings.get("LUUTRU_CONTACT_URL")
            user_agent = settings.get("USER_AGENT_TEMPLATE").format(contact=contact)
            settings.set("USER_AGENT", user_agent, priority=contact_priority)
        if not spider.check_articles:
            spider.session = CrawlSession.of(crawler)
            if spider.session is not None:
                spider.session.given_archive = spider.given_archive
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    @property
    def full(self) -> bool:
        return self.session is None or self.session.mode == "full"

    @property
    def known(self) -> dict[str, Any]:
        return self.session.state if self.session is not None else {}

    # -- listings -------------------------------------------------------------------------

    async def start(self) -> Any:
        if self.session is not None:
            try:
                self.session.open(self.site_id, self.profile.health)
            except SiteBusy as exc:
                self.logger.warning("%s", exc)  # no run: the other crawl owns the site
                self.crawler.stats.set_value("luutru/busy", str(exc))
                return
        for url in self.profile.start_urls:
            self.seen_listings.add(url)
            yield Request(url, callback=self.parse_listing, cb_kwargs={"is_start": True})

    def parse_listing(
        self, response: Response, is_start: bool = False, known_run: int = 0
    ) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.logger.warning("listing %s is not text (%s); skipped", response.url, response)
            return
        if response.status >= 400:
            self.logger.warning("listing %s answered %s", response.url, response.status)
            return
        self.crawler.stats.inc_value("luutru/listing_pages")
        rules = self.profile.listing
        found = 0
        for url, listing_date in self._listing_links(response):
            found += 1
            self.crawler.stats.inc_value("luutru/listing_links")
            requests = list(self.follow_article(url, via="listing", listing_date=listing_date))
            fresh = any(r.cb_kwargs.get("key") for r in requests)
            # Counts known-and-unchanged items in a row, across the pages of one listing.
            known_run = 0 if fresh else known_run + 1
            yield from requests
        if found == 0 and not is_start:
            self.logger.warning("listing %s: no article links matched", response.url)
        if is_start and rules.categories:
            for href in self._hrefs(response, rules.categories):
                followed = list(self.follow_listing(response.urljoin(href), category=True))
                yield from followed
                if followed and self.check_articles:
                    break  # a check looks at one listing
        if self.check_articles:
            yield from self._check_fill()
            return  # a check looks at the first listing page only
        if not self.full and known_run >= rules.stop_after:
            self.crawler.stats.inc_value("luutru/incremental_stops")
            return  # incremental: the rest of this listing is already archived
        if rules.next:
            for href in self._hrefs(response, rules.next):
                followed = list(self.follow_next(response, href, known_run))
                yield from followed
                if followed and not self.full:
                    # Numbered pagers link every page from page 1: an incremental walk
                    # takes them one at a time, so its stop rule can end the walk.
                    break

    def _listing_links(self, response: TextResponse) -> Iterator[tuple[str, str | None]]:
        """(article URL, listing date or None) in listing order."""
        rules = self.profile.listing
        if rules.item and not self.check_articles:
            items = select(response.selector, rules.item)
            if items:
                for item in items:
                    hrefs = item.css("a::attr(href)").getall()
                    urls = [response.urljoin(h) for h in hrefs]
                    url = next((u for u in urls if article_key(self.profile, u)), None)
                    if url is None:
                        continue
                    date = None
                    if rules.item_date:
                        text = " ".join(select(item, rules.item_date).css("::text").getall())
                        parsed = parse_vietnamese_date(text)
                        date = parsed.date_iso if parsed else None
                    yield url, date
                return
        for href in self._hrefs(response, rules.links):
            yield response.urljoin(href), None

    def follow_listing(
        self, url: str, category: bool = False, known_run: int = 0
    ) -> Iterator[Request]:
        rules = self.profile.listing
        if category and rules.url_pattern and not re.search(rules.url_pattern, url):
            return  # a menu link that is not a news category (contact page, trap, …)
        if is_denied(self.profile, url) or url in self.seen_listings:
            return
        if self._listing_budget_spent():
            return
        self.seen_listings.add(url)
        yield Request(url, callback=self.parse_listing, cb_kwargs={"known_run": known_run})

    def follow_next(self, response: TextResponse, href: str, known_run: int) -> Iterator[Request]:
        postback = POSTBACK.search(href)
        if postback:
            if not self.profile.listing.postback:
                return
            target, argument = postback.groups()
            key = (response.url.split("#")[0], argument)
            if key in self.seen_postbacks or self._listing_budget_spent():
                return
            self.seen_postbacks.add(key)
            form = response.xpath("//form[.//input[@name='__VIEWSTATE']]")
            if not form:
                self.logger.warning("postback pager without an ASP.NET form: %s", response.url)
                return
            # The form carries this response's __VIEWSTATE/__EVENTVALIDATION, which change
            # on every request; our own (url, argument) key bounds the walk, not the body.
            # form2request is what Scrapy ≥ 2.19 recommends in place of
            # FormRequest.from_response (same form-filling rules, now a separate library).
            data = {"__EVENTTARGET": target, "__EVENTARGUMENT": argument}
            yield form2request(form[0], data, click=False).to_scrapy(
                callback=self.parse_listing, dont_filter=True, cb_kwargs={"known_run": known_run}
            )
        elif not href.lower().startswith("javascript:"):
            yield from self.follow_listing(response.urljoin(href), known_run=known_run)

    def _listing_budget_spent(self) -> bool:
        queued = len(self.seen_listings) + len(self.seen_postbacks)
        if queued >= self.profile.listing.max_pages:
            if self.listing_walk_complete:
                self.logger.warning(
                    "listing budget spent: %d listing pages (listing.max_pages); the rest of "
                    "the pager is not followed — an endless pager, or raise max_pages",
                    self.profile.listing.max_pages,
                )
            self.listing_walk_complete = False
            self.crawler.stats.inc_value("luutru/listing_budget_spent")
            return True
        return False

    # -- articles -------------------------------------------------------------------------

    def follow_article(
        self, url: str, via: str, listing_date: str | None = None
    ) -> Iterator[Request]:
        url = url.split("#")[0]
        if is_denied(self.profile, url):
            return
        key = article_key(self.profile, url)
        if key is None:
            return
        if key in self.seen_keys:
            self.aliases[key].add(url)  # a URL variant: recorded, never fetched again
            return
        self.seen_keys.add(key)
        if self.check_articles:
            self.check_candidates.append((url, key))  # fetched by _check_fill, N at a time
            return
        state = self.known.get(key)
        action = decide(
            state,
            full=self.full,
            listing_date=listing_date,
            rules=self.profile.revisit,
            now=datetime.now(VN_TZ),
        )
        if action is Action.SKIP and via == "listing" and self._take_canary():
            # The layout canary: one known article re-checked (conditionally) per
            # canary_hours, so a renamed author/date class shows even on a quiet site.
            action = Action.CONDITIONAL
            self.crawler.stats.set_value("luutru/canary", key)
        if action is Action.SKIP:
            self.crawler.stats.inc_value("luutru/articles_skipped_known")
            self.aliases[key].add(url)
            return
        yield self._article_request(url, key, via, state if action is Action.CONDITIONAL else None)

    def _take_canary(self) -> bool:
        session = self.session
        if session is None or not session.canary_due:
            return False
        session.canary_due = False
        return True

    def _article_request(self, url: str, key: str, via: str, state: Any = None) -> Request:
        headers: dict[str, str] = {}
        if state is not None:
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
        return Request(
            url,
            headers=headers,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"key": key},
            meta={"via": via, "article_key": key},
            priority=1,  # finish articles before walking deeper into listings: bounded queue
        )

    def parse_article(self, response: Response, key: str) -> Iterator[Any]:
        stats = self.crawler.stats
        self.seen_keys.add(key)  # also when the request came from a resumed JOBDIR queue
        fetched_at = now_iso()
        warc = response.meta.get("warc")
        state = self.known.get(key)
        if response.status == 304:
            yield NotModified(
                self.site_id,
                key,
                response.url,
                fetched_at,
                _header(response, b"ETag"),
                _header(response, b"Last-Modified"),
                warc,
            )
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
        rules = self.profile.article
        if is_soft_404(response.text, rules):
            stats.inc_value("luutru/soft_404")
            self.logger.warning("soft 404 (a 'not found' page served with 200): %s", response.url)
            yield from self._check_done(ok=False)
            if state is not None and state.status == "live":
                yield Gone(self.site_id, key, response.url, fetched_at, 200, False, warc)
            else:
                yield DeadLink(self.site_id, key, response.url, "soft_404", fetched_at)
            return
        extracted = extract_article(response.body, response.url, rules, _encoding(response))
        declared = response.css('link[rel="canonical"]::attr(href)').get()
        canonical = canonical_url(self.profile, response.url, declared)
        aliases = {response.url, response.request.url} - {canonical}
        yield ArticleRecord(
            site=self.site_id,
            article_key=key,
            url=canonical,
            fetched_url=response.url,
            title=extracted.title,
            body=extracted.body,
            body_html=extracted.body_html,
            date=extracted.date,
            datetime=extracted.datetime,
            author=extracted.author,
            source=extracted.source,
            summary=extracted.summary,
            category=extracted.category,
            attachments=list(extracted.attachments),
            aliases=sorted(aliases),
            fetched_at=fetched_at,
            http_status=response.status,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            warnings=list(extracted.warnings),
            raw_html=response.body,
            warc=warc,
        )
        yield from self._check_done(ok=True)
        if self.profile.listing.other_news and not self.check_articles:
            for href in self._hrefs(response, self.profile.listing.other_news):
                yield from self.follow_article(response.urljoin(href), via="other_news")

    def article_failed(self, failure: Failure) -> Iterator[Request]:
        self.crawler.stats.inc_value("luutru/articles_failed")
        request = failure.request  # type: ignore[attr-defined]
        # Some failures (data loss, size limit) carry no message: name the error itself.
        reason = failure.getErrorMessage() or repr(failure.value)
        self.logger.error("article %s failed: %s: %s", request.url, failure.type.__name__, reason)
        yield from self._check_done(ok=False)

    # -- the end of the walk: revisits --------------------------------------------------

    def on_idle(self, spider: Any) -> None:
        """Once the listings are walked: revisit known live articles no listing showed.

        A full walk revisits every one of them (a 404 there means the article vanished
        from the listings and from the site: removed); an incremental walk only those
        whose decaying revisit is due."""
        if spider is not self or self.idle_pass_done or self.check_articles:
            return
        self.idle_pass_done = True
        now = datetime.now(VN_TZ)
        scheduled = 0
        for key, state in self.known.items():
            if key in self.seen_keys or state.status != "live" or not state.url:
                continue
            if not self.full and not revisit_due(state, self.profile.revisit, now):
                continue
            via = "vanished" if self.full and self.listing_walk_complete else "revisit"
            self.seen_keys.add(key)
            self.crawler.engine.crawl(self._article_request(state.url, key, via, state))
            scheduled += 1
        if scheduled:
            self.crawler.stats.set_value("luutru/revisits_unlisted", scheduled)
            raise DontCloseSpider

    # -- `luutru site check` ---------------------------------------------------------------

    def _check_fill(self) -> Iterator[Request]:
        """Keep N articles in flight until N extracted or no candidate left."""
        while self.check_candidates and self.check_pending + self.check_ok < self.check_articles:
            url, key = self.check_candidates.pop(0)
            self.check_pending += 1
            yield self._article_request(url, key, "check")

    def _check_done(self, ok: bool) -> Iterator[Request]:
        if not self.check_articles:
            return
        self.check_pending -= 1
        self.check_ok += int(ok)
        yield from self._check_fill()

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _hrefs(response: TextResponse, selector: str) -> list[str]:
        """Link targets under ``selector``: the matched ``a`` elements or links inside them."""
        hrefs: list[str] = []
        for node in select(response.selector, selector):
            own = node.attrib.get("href")
            values = [own] if own else node.css("a::attr(href)").getall()
            hrefs.extend(v.strip() for v in values if v and v.strip())
        return hrefs


def _encoding(response: TextResponse) -> str:
    """The page's real encoding. The HTTP header normally wins (as in browsers), but a
    header that says UTF-8 over bytes that are not UTF-8 is a misconfigured server — seen
    on portals serving windows-1258 — and then the page's own <meta charset> is used."""
    declared = response.encoding
    if declared.lower().replace("-", "") in ("utf8",):
        try:
            response.body.decode("utf-8")
        except UnicodeDecodeError:
            from w3lib.encoding import html_body_declared_encoding

            meta = html_body_declared_encoding(response.body)
            if meta and meta.lower().replace("-", "") != "utf8":
                return meta
    return declared


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None

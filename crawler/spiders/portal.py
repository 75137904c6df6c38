"""The one spider: ``scrapy crawl portal -a site=ID``, with or without selectors.

With listing selectors, what it follows is bounded by URL rules: start pages, category
links that the profile names, next-page links (GET or ASP.NET postback) up to
``max_pages``, and article links that match ``article.url_pattern``. Without them, the
listing recogniser (crawler/listing/, walked by generic_walk.py) finds article links and
pagers from the page structure, leaves calendars and date browsing alone and abandons
chains that stop bringing new articles. URL variants of one article are fetched once; the
others become aliases (an ``id`` group, or the canonical URL without a pattern).

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

from crawler import offload, patterns
from crawler.offload import worker_count
from crawler.profile_model import SiteProfile
from crawler.profiles import get_profile
from crawler.revisits import Action, decide, revisit_due
from crawler.runlease import SiteBusy
from crawler.session import CrawlSession
from crawler.spiders.article_parse import ArticleParsing
from crawler.spiders.attachment_fetch import AttachmentFetch
from crawler.spiders.check import SiteCheck
from crawler.spiders.generic_walk import GenericWalk
from crawler.spiders.profiled_walk import ProfiledWalk
from crawler.spiders.sitemaps import SitemapCheck
from crawler.urls import article_key, at_current_origin, current_origins, is_denied

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The next listing page goes before the articles queued from the last one: the walk is a
# chain (each page names the next), and behind a queue of articles every link of it waited
# for the whole queue, leaving all but one download slot idle for a round trip per page.
# The queue is on disk (crawler/scheduler.py), so articles queued ahead cost no memory.
LISTING_PRIORITY = 2
ARTICLE_PRIORITY = 1  # attachments too (attachment_fetch.py); sitemaps and robots: 0
KEY_CACHE_SIZE = 100_000  # URLs whose article key is remembered (a few MB)
POSTBACK = re.compile(r"__doPostBack\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)")


class PortalSpider(ArticleParsing, AttachmentFetch, SiteCheck, scrapy.Spider):
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
        # The portal's hosts: nothing elsewhere is requested (crawler/middlewares.py).
        self.allowed_domains = profile.allowed_domains
        # Where each of its hosts answers now, for URLs earlier runs stored.
        self.origins = current_origins(profile.start_urls)
        # `luutru site check`: one listing page and this many articles, nothing archived.
        self.check_articles = int(check or 0)
        self.session: CrawlSession | None = None
        self.seen_keys: set[str] = set()
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.seen_postbacks: set[tuple[str, str]] = set()
        self.seen_listings: set[str] = set()
        self.listing_walk_complete = True  # False once max_pages cut a pager short
        self.idle_pass_done = False
        self.sitemap_checked = False
        self.check_candidates: list[tuple[str, str]] = []
        self.check_pending = 0
        self.check_ok = 0
        # No listing selectors: the listing recogniser walks the listings.
        self.walk = GenericWalk(self) if not profile.listing.links else None
        self.profiled = ProfiledWalk(self)
        self.recorded: set[str] = set()  # keys captured in this run
        self.requested: set[str] = set()  # keys fetched (not only seen) in this run
        self.rekeyed: dict[str, str] = {}  # a URL's key → the canonical key it proved to be
        self._keys: dict[str, str | None] = {}  # key_of's memo
        self.extract_workers = 0  # from LUUTRU_EXTRACT_WORKERS (from_crawler)

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
        spider.extract_workers = worker_count(settings.getint("LUUTRU_EXTRACT_WORKERS"))
        # Before the reactor starts: the workers' start-up overlaps the crawl's own.
        offload.warm(offload.EXTRACTION_WARM_UP, spider.extract_workers)
        return spider

    @property
    def full(self) -> bool:
        return self.session is None or self.session.mode == "full"

    @property
    def known(self) -> dict[str, Any]:
        return self.session.state if self.session is not None else {}

    def key_of(self, url: str) -> str | None:
        """The article key of ``url`` (None: not an article link of this site). Memoised:
        every article page repeats the same "other news" links, and each costs the deny
        and id patterns (4 % of the reactor's time in a fast crawl, before)."""
        cache = self._keys
        if url in cache:
            return cache[url]
        key = None if is_denied(self.profile, url) else article_key(self.profile, url)
        if len(cache) >= KEY_CACHE_SIZE:
            cache.clear()  # bounded; a miss only costs the patterns again
        cache[url] = key
        return key

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
        self, response: Response, is_start: bool = False, known_run: int = 0, barren: int = 0
    ) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.logger.warning("listing %s is not text (%s); skipped", response.url, response)
            return
        if response.status >= 400:
            self.logger.warning("listing %s answered %s", response.url, response.status)
            return
        self.crawler.stats.inc_value("luutru/listing_pages")
        if self.walk is not None:
            yield from self.walk.listing(response, is_start, known_run, barren)
            return
        yield from self.profiled.listing(response, is_start, known_run)

    def follow_listing(
        self, url: str, category: bool = False, known_run: int = 0, barren: int = 0
    ) -> Iterator[Request]:
        rules = self.profile.listing
        if category and rules.url_pattern and not patterns.search(rules.url_pattern, url):
            return  # a menu link that is not a news category (contact page, trap, …)
        if is_denied(self.profile, url) or url in self.seen_listings:
            return
        if self._listing_budget_spent():
            return
        self.seen_listings.add(url)
        kwargs = {"known_run": known_run, "barren": barren}
        yield Request(url, callback=self.parse_listing, cb_kwargs=kwargs, priority=LISTING_PRIORITY)

    def follow_next(self, response: TextResponse, href: str, known_run: int) -> Iterator[Request]:
        postback = POSTBACK.search(href)
        if postback:
            if self.profile.listing.postback:
                yield from self.follow_postback(response, postback.groups(), known_run, 0)
        elif not href.lower().startswith("javascript:"):
            yield from self.follow_listing(response.urljoin(href), known_run=known_run)

    def follow_postback(
        self, response: TextResponse, target: tuple[str, str], known_run: int, barren: int
    ) -> Iterator[Request]:
        """An ASP.NET pager link: the page's form posted with its event target."""
        event_target, argument = target
        key = (response.url.split("#")[0], argument)
        if key in self.seen_postbacks or self._listing_budget_spent():
            return
        self.seen_postbacks.add(key)
        form = response.xpath("//form[.//input[@name='__VIEWSTATE']]")
        if not form:
            self.logger.warning("postback pager without an ASP.NET form: %s", response.url)
            return
        # The form carries this response's __VIEWSTATE/__EVENTVALIDATION, which change on
        # every request; our own (url, argument) key bounds the walk, not the body.
        # form2request is what Scrapy ≥ 2.19 recommends in place of
        # FormRequest.from_response (same form-filling rules, now a separate library).
        data = {"__EVENTTARGET": event_target, "__EVENTARGUMENT": argument}
        yield form2request(form[0], data, click=False).to_scrapy(
            callback=self.parse_listing,
            dont_filter=True,
            cb_kwargs={"known_run": known_run, "barren": barren},
            priority=LISTING_PRIORITY,
        )

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
        self,
        url: str,
        via: str,
        listing_date: str | None = None,
        listing_sig: str | None = None,
    ) -> Iterator[Request]:
        url = url.split("#")[0]
        key = self.key_of(url)
        if key is None:
            return
        known = self.known.get(key)
        if known is not None and known.status == "alias" and known.target:
            # Another URL of a known article (folded by content or canonical link): it is
            # that article, with that article's state — its edits are seen through it too.
            key = known.target
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
            listing_sig=listing_sig,
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
        conditional = state if action is Action.CONDITIONAL else None
        yield self._article_request(url, key, via, conditional, listing_sig)

    def _take_canary(self) -> bool:
        session = self.session
        if session is None or not session.canary_due:
            return False
        session.canary_due = False
        return True

    def _article_request(
        self, url: str, key: str, via: str, state: Any = None, listing_sig: str | None = None
    ) -> Request:
        self.requested.add(key)
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
            meta={"via": via, "article_key": key, "listing_sig": listing_sig},
            priority=ARTICLE_PRIORITY,
        )

    # -- the end of the walk: revisits --------------------------------------------------

    def on_idle(self, spider: Any) -> None:
        """Once the listings are walked: revisit known live articles no listing showed.

        A full walk revisits every one of them (a 404 there means the article vanished
        from the listings and from the site: removed); an incremental walk only those
        whose decaying revisit is due."""
        if spider is not self or self.check_articles:
            return
        if self.idle_pass_done:
            self._sitemap_pass()
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
            url = at_current_origin(state.url, self.origins)
            self.crawler.engine.crawl(self._article_request(url, key, via, state))
            scheduled += 1
        if scheduled:
            self.crawler.stats.set_value("luutru/revisits_unlisted", scheduled)
            raise DontCloseSpider
        self._sitemap_pass()

    def _sitemap_pass(self) -> None:
        """Incremental walks of profiles without a listing date selector: edits by the
        sitemap's lastmod (many CMSs keep the first publication date on their listings)."""
        if self.sitemap_checked or self.full or self.profile.listing.item_date:
            return
        self.sitemap_checked = True
        requests = list(SitemapCheck(self).requests())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

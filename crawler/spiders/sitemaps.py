"""Edits the listings do not show: the portal's sitemap says when each page last changed.

WordPress and many CMSs keep the date an article was first published on its listing line
forever, but bump ``<lastmod>`` in their sitemap on every edit. An incremental walk of a
profile without a listing date reads the sitemap (named in robots.txt, else at the usual
places) and re-checks, with a conditional GET, the known articles whose ``lastmod`` is
later than their last check — at most ``MAX_RECHECKS`` a run. It is read at the end of
the listing walk, and only when the listings showed no dates to compare.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from scrapy.http import Request, Response
from scrapy.utils.sitemap import Sitemap

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_RECHECKS = 50
MAX_SITEMAPS = 5  # child sitemaps of an index read per run
MAX_BYTES = 10 * 1024 * 1024
_GUESSES = ("sitemap.xml", "wp-sitemap.xml", "sitemap_index.xml")


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        found = datetime.fromisoformat(text if "T" in text else f"{text}T00:00:00")
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=VN_TZ)


class SitemapCheck:
    def __init__(self, spider: Any) -> None:
        self.spider = spider
        self.rechecks = 0
        self.sitemaps_read = 0
        self.pending = 0  # sitemap requests not answered yet
        self.found = False

    def requests(self) -> Iterator[Request]:
        """The sitemaps robots.txt named (noted by crawler/robots.py when Scrapy read it),
        else the usual places — unless the last run found none there (a missing sitemap
        is noted in the run's stats, and not sought again on every run)."""
        named = list(getattr(self.spider.crawler, "luutru_sitemaps", None) or [])
        if not named and self._missing_last_time():
            self.spider.crawler.stats.set_value("luutru/sitemap_missing", 1)
            return
        found = list(dict.fromkeys(named or self._guesses()))
        self.pending = len(found[:2])
        for url in found[:2]:
            yield Request(url, callback=self.parse_sitemap, errback=self.ignore, dont_filter=True)

    def _missing_last_time(self) -> bool:
        session = getattr(self.spider, "session", None)
        if session is None or session.archive is None:
            return False
        for run in session.archive.runs(session.site, limit=2):
            if run["id"] != session.run_id:
                return bool(run["stats"].get("luutru/sitemap_missing"))
        return False

    def _answered(self, found: bool) -> None:
        self.pending -= 1
        if found:
            self.found = True
        if self.pending <= 0 and not self.found:
            self.spider.crawler.stats.set_value("luutru/sitemap_missing", 1)

    def _guesses(self) -> list[str]:
        """Where sitemaps usually are: under the listings' first path segment (a portal
        mounted at /tin-tuc/ or /wp/), then at the root."""
        start = self.spider.profile.start_urls[0]
        parts = urlsplit(start)
        root = f"{parts.scheme}://{parts.netloc}"
        first = parts.path.strip("/").split("/")[0] if parts.path.strip("/") else ""
        found = []
        if first and "." not in first:
            found.append(f"{root}/{first}/{_GUESSES[0]}")
        found.append(f"{root}/{_GUESSES[0]}")
        return found

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        self._answered(response.status == 200)
        if response.status != 200:
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(body)[:MAX_BYTES]
            except OSError:
                return
        try:
            sitemap = Sitemap(body)
        except Exception:
            self.spider.logger.info("sitemap %s is not readable XML", response.url)
            return
        self.sitemaps_read += 1
        self.spider.crawler.stats.inc_value("luutru/sitemaps_read")
        if sitemap.type == "sitemapindex":
            entries = sorted(sitemap, key=lambda e: e.get("lastmod", ""), reverse=True)
            for entry in entries[:MAX_SITEMAPS]:
                yield Request(entry["loc"], callback=self.parse_sitemap, errback=self.ignore)
            return
        yield from self._rechecks(sitemap)

    def _rechecks(self, sitemap: Sitemap) -> Iterator[Request]:
        spider = self.spider
        for entry in sitemap:
            if self.rechecks >= MAX_RECHECKS:
                return
            changed = _when(entry.get("lastmod"))
            key = spider.key_of(entry.get("loc", ""))
            state = spider.known.get(key) if key else None
            if (
                changed is None
                or state is None
                or state.status != "live"
                or key in spider.requested  # the listing walk fetched it already
            ):
                continue
            # The server's own clock first: the Last-Modified it sent with the version we
            # have (our check time is on another clock, and may precede a late lastmod).
            known = _http_date(state.last_modified) or _when(state.last_checked)
            if known is not None and changed <= known:
                continue
            self.rechecks += 1
            spider.seen_keys.add(key)
            spider.crawler.stats.inc_value("luutru/sitemap_rechecks")
            yield spider._article_request(state.url or entry["loc"], key, "sitemap", state)

    def ignore(self, failure: Any) -> None:
        self._answered(False)
        self.spider.logger.info("no sitemap: %s", failure.getErrorMessage())

"""Edits the listings do not show, caught by the sitemap's lastmod (crawler/spiders/sitemaps.py),
and the robots.txt parser that notes the sitemaps (crawler/robots.py)."""

from __future__ import annotations

import gzip
from types import SimpleNamespace
from typing import Any

from scrapy.http import Request, XmlResponse
from scrapy.utils.test import get_crawler

from archive.crawlstate import KeyState
from crawler.robots import SitemapNotingParser
from crawler.spiders.sitemaps import MAX_RECHECKS, SitemapCheck

BASE = "https://portal.example.gov.vn"


def urlset(*entries: tuple[str, str]) -> bytes:
    urls = "".join(f"<url><loc>{BASE}{p}</loc><lastmod>{m}</lastmod></url>" for p, m in entries)
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>"
    ).encode()


class FakeSpider:
    def __init__(self, known: dict[str, KeyState]) -> None:
        self.known = known
        self.seen_keys: set[str] = set()
        self.requested: set[str] = set()
        self.logger = SimpleNamespace(info=lambda *a: None)
        self.crawler = get_crawler()
        self.crawler.stats.open_spider()
        self.profile = SimpleNamespace(start_urls=(f"{BASE}/wp/tin-tuc/",))

    def key_of(self, url: str) -> str:
        return url.removeprefix(BASE)

    def _article_request(self, url: str, key: str, via: str, state: Any) -> Request:
        return Request(url, meta={"via": via, "key": key})


def state(key: str, checked: str, status: str = "live") -> KeyState:
    return KeyState(key, status, '"e"', None, "2024-03-01", checked, checked, BASE + key)


def test_articles_changed_since_their_last_check_are_rechecked() -> None:
    known = {
        "/a/": state("/a/", "2024-03-05T10:00:00+07:00"),
        "/b/": state("/b/", "2024-03-05T10:00:00+07:00"),
        "/c/": state("/c/", "2024-03-05T10:00:00+07:00", status="removed"),
    }
    spider = FakeSpider(known)
    body = urlset(
        ("/a/", "2024-03-06T08:00:00+07:00"),  # edited after the last check
        ("/b/", "2024-03-04"),  # older than the last check
        ("/c/", "2024-03-07"),  # removed: not our business here
        ("/new/", "2024-03-07"),  # unknown: the listings find new articles
    )
    response = XmlResponse(url=f"{BASE}/wp/sitemap.xml", body=body)
    requests = list(SitemapCheck(spider).parse_sitemap(response))
    assert [r.meta["key"] for r in requests] == ["/a/"]
    assert requests[0].meta["via"] == "sitemap"
    assert "/a/" in spider.seen_keys


def test_a_gzipped_sitemap_index_leads_to_its_newest_sitemaps() -> None:
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{BASE}/old.xml</loc><lastmod>2020-01-01</lastmod></sitemap>"
        f"<sitemap><loc>{BASE}/new.xml</loc><lastmod>2024-03-01</lastmod></sitemap>"
        "</sitemapindex>"
    ).encode()
    response = XmlResponse(url=f"{BASE}/sitemap.xml.gz", body=gzip.compress(index))
    requests = list(SitemapCheck(FakeSpider({})).parse_sitemap(response))
    assert [r.url for r in requests] == [f"{BASE}/new.xml", f"{BASE}/old.xml"]


def test_rechecks_are_bounded() -> None:
    known = {f"/{i}/": state(f"/{i}/", "2024-01-01T00:00:00+07:00") for i in range(80)}
    body = urlset(*((f"/{i}/", "2024-03-01") for i in range(80)))
    response = XmlResponse(url=f"{BASE}/sitemap.xml", body=body)
    assert len(list(SitemapCheck(FakeSpider(known)).parse_sitemap(response))) == MAX_RECHECKS


def test_no_sitemap_named_means_the_usual_places() -> None:
    spider = FakeSpider({})
    urls = [r.url for r in SitemapCheck(spider).requests()]
    assert urls == [f"{BASE}/wp/sitemap.xml", f"{BASE}/sitemap.xml"]
    spider.crawler.luutru_sitemaps = [f"{BASE}/wp-sitemap.xml"]
    assert [r.url for r in SitemapCheck(spider).requests()] == [f"{BASE}/wp-sitemap.xml"]


def test_robots_parser_notes_the_sitemaps_and_still_obeys() -> None:
    crawler = get_crawler()
    body = b"User-agent: *\nDisallow: /admin/\nSitemap: https://portal.example.gov.vn/s.xml\n"
    parser = SitemapNotingParser.from_crawler(crawler, body)
    assert crawler.luutru_sitemaps == ["https://portal.example.gov.vn/s.xml"]
    assert not parser.allowed("https://portal.example.gov.vn/admin/x", "luutru")
    assert parser.allowed("https://portal.example.gov.vn/tin-tuc", "luutru")

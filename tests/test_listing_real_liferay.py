"""The spider on real Liferay listing captures (sotttt.hanoi.gov.vn, 2022-08-27; PROVENANCE.md).

A profile that only `extends = "liferay"` must find the article links and the pager of a
real portal, and must never take the visit counter or a soft-404 page for an article.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.extract import is_soft_404
from crawler.profiles import get_profile
from crawler.spiders.portal import PortalSpider

FIXTURES = Path(__file__).parent / "fixtures" / "vn-portals"
BASE = "https://sotttt.hanoi.gov.vn/web/so-tttthn/"


def response(name: str, url: str = BASE + "cong-nghe-thong-tin") -> HtmlResponse:
    body = (FIXTURES / name).read_bytes()
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))


@pytest.fixture
def spider() -> PortalSpider:
    profile = get_profile("bacgiang-cttdt")  # extends the liferay template
    profile = replace(profile, start_urls=(BASE,), deny=())
    crawler = get_crawler(PortalSpider)
    crawler.spider = PortalSpider.from_crawler(crawler, profile=profile)
    return crawler.spider


def requests_from(spider: PortalSpider, resp: HtmlResponse) -> list[Request]:
    return [r for r in spider.parse_listing(resp) if isinstance(r, Request)]


def test_listing_yields_every_article_once(spider: PortalSpider) -> None:
    reqs = requests_from(
        spider, response("liferay_sotttt-hanoi_listing_cong-nghe-thong-tin_paginated.html")
    )
    articles = [r for r in reqs if r.callback == spider.parse_article]
    assert len(articles) == 10
    assert articles[0].cb_kwargs["key"] == "4418033"
    assert len({r.cb_kwargs["key"] for r in articles}) == 10


def test_listing_follows_the_real_pager(spider: PortalSpider) -> None:
    reqs = requests_from(
        spider, response("liferay_sotttt-hanoi_listing_cong-nghe-thong-tin_paginated.html")
    )
    pages = [r for r in reqs if r.callback == spider.parse_listing]
    numbers = sorted(int(r.url.rsplit("_101_cur=", 1)[1]) for r in pages)
    assert numbers == list(range(1, 26))  # every page once, though "next" repeats page 2


def test_pager_is_bounded_by_max_pages(spider: PortalSpider) -> None:
    spider.profile = replace(spider.profile, listing=replace(spider.profile.listing, max_pages=5))
    reqs = requests_from(
        spider, response("liferay_sotttt-hanoi_listing_cong-nghe-thong-tin_paginated.html")
    )
    assert len([r for r in reqs if r.callback == spider.parse_listing]) == 5


def test_second_listing_with_same_links_adds_no_requests(spider: PortalSpider) -> None:
    page = "liferay_sotttt-hanoi_listing_cong-nghe-thong-tin_paginated.html"
    requests_from(spider, response(page))
    assert requests_from(spider, response(page)) == []


def test_trailing_junk_link_still_identified(spider: PortalSpider) -> None:
    reqs = requests_from(spider, response("liferay_sotttt-hanoi_listing_chi-dao-dieu-hanh.html"))
    keys = [r.cb_kwargs["key"] for r in reqs if r.callback == spider.parse_article]
    assert keys == ["3615536"]  # HTTrack left ".586.delaye" where ".html" was


def test_homepage_counter_page_yields_no_article_items(spider: PortalSpider) -> None:
    resp = response("liferay_sotttt-hanoi_homepage_visitor-counter.html", BASE + "trang-chu")
    assert not [x for x in spider.parse_listing(resp) if not isinstance(x, Request)]


def test_real_soft_404_is_recognised() -> None:
    rules = get_profile("bacgiang-cttdt").article
    html = (FIXTURES / "liferay_sotttt-hanoi_soft404_trang-thai.html").read_text(encoding="utf-8")
    assert is_soft_404(html, rules)

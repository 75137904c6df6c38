"""Per-page work the crawl skips: the earlier-capture lookup for a key the archive never
held or for a file of a site with no file archived (crawler/middlewares.py) and the URL
patterns for a link already keyed (PortalSpider.key_of's memo)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler import middlewares
from crawler.profiles import get_profile
from crawler.spiders import portal
from crawler.spiders.portal import PortalSpider


def _session(state: dict[str, Any], files_known: bool = True) -> Any:
    archive = SimpleNamespace(
        latest_payload=lambda site, url: {"asked": url},
        latest_attachment_payload=lambda site, url: {"file asked": url},
    )
    return SimpleNamespace(archive=archive, state=state, site="demo", files_known=files_known)


def test_a_key_the_archive_never_held_is_not_looked_up() -> None:
    request = Request("http://127.0.0.1/a?id=7", meta={"article_key": "7"})
    assert middlewares._earlier_lookup(_session({}), request) is None


def test_a_known_key_is_looked_up_by_its_url() -> None:
    request = Request("http://127.0.0.1/a?id=7", meta={"article_key": "7"})
    lookup = middlewares._earlier_lookup(_session({"7": object()}), request)
    assert lookup is not None and lookup("demo", request.url) == {"asked": request.url}


def test_an_alias_key_counts_as_known() -> None:
    # crawl_state holds alias keys too: a URL once folded into another article.
    request = Request("http://127.0.0.1/a?id=8", meta={"article_key": "8"})
    state = {"8": SimpleNamespace(status="alias", target="7")}
    assert middlewares._earlier_lookup(_session(state), request) is not None


def test_a_file_is_looked_up_only_when_the_site_had_files_archived() -> None:
    url = "http://127.0.0.1/asp/Uploads/qd-1.pdf"
    request = Request(url, meta={"attachment_url": url})
    lookup = middlewares._earlier_lookup(_session({}), request)
    assert lookup is not None and lookup("demo", url) == {"file asked": url}
    # no file of the site in the archive when the run opened (a first crawl)
    assert middlewares._earlier_lookup(_session({}, files_known=False), request) is None


@pytest.fixture
def spider() -> PortalSpider:
    crawler = get_crawler(PortalSpider)
    # Without its [settings] table: get_crawler's settings are already frozen.
    profile = replace(get_profile("demo-liferay"), settings={})
    crawler.spider = PortalSpider.from_crawler(crawler, profile=profile)
    return crawler.spider


def test_key_of_answers_the_same_from_its_memo(spider: PortalSpider) -> None:
    urls = ["http://127.0.0.1/lf/print/view_content/3-a", "http://127.0.0.1/lf/contact",
            "http://127.0.0.1/lf/tin-tuc/view_content/3-bai-ba"]  # fmt: skip
    first = [spider.key_of(u) for u in urls]
    assert first == [None, None, "3"]  # denied, not an article, an article
    assert [spider.key_of(u) for u in urls] == first
    assert set(spider._keys) >= set(urls)


def test_key_of_memo_is_bounded(spider: PortalSpider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portal, "KEY_CACHE_SIZE", 2)
    urls = [f"http://127.0.0.1/lf/tin/view_content/{n}-x" for n in range(5)]
    keys = [spider.key_of(u) for u in urls]
    assert keys == ["0", "1", "2", "3", "4"] and len(spider._keys) <= 2
    assert [spider.key_of(u) for u in urls] == keys  # forgotten URLs are keyed again

"""The on-disk request queue (crawler/squeues.py) writes exactly what Scrapy's writes."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.http import FormRequest, Request
from scrapy.squeues import PickleLifoDiskQueue as ScrapyQueue
from scrapy.utils.test import get_crawler

from crawler.squeues import PickleLifoDiskQueue, callback_owner


class Spider(scrapy.Spider):
    name = "queued"

    def parse_listing(self, response: Any) -> None: ...

    def parse_article(self, response: Any) -> None: ...

    def article_failed(self, failure: Any) -> None: ...


class Other:
    def parse_article(self, response: Any) -> None: ...


def _requests(spider: Spider) -> list[Request]:
    return [
        Request("http://127.0.0.1/a?id=1", callback=spider.parse_article,
                errback=spider.article_failed, priority=1,
                meta={"article_key": "1", "via": "listing"}, cb_kwargs={"key": "1"}),
        Request("http://127.0.0.1/list", callback=spider.parse_listing, dont_filter=True),
        Request("http://127.0.0.1/robots.txt"),  # no callback at all
        FormRequest("http://127.0.0.1/asp/list.aspx", formdata={"__EVENTTARGET": "p$2"},
                    callback=spider.parse_listing, cb_kwargs={"known_run": 3}),
    ]  # fmt: skip


def _queue(cls: type, tmp_path: Path, crawler: Any, name: str) -> Any:
    return cls.from_crawler(crawler, str(tmp_path / name))


@pytest.fixture
def crawler_and_spider() -> tuple[Any, Spider]:
    crawler = get_crawler(Spider)
    spider = Spider()
    crawler.spider = spider
    return crawler, spider


def test_written_bytes_are_scrapys(crawler_and_spider: tuple) -> None:
    _, spider = crawler_and_spider
    for request in _requests(spider):
        owner = callback_owner(spider, request)
        assert owner is not spider  # the fast path, not Scrapy's search of the spider
        ours = request.to_dict(spider=owner)
        assert pickle.dumps(ours, protocol=4) == pickle.dumps(
            request.to_dict(spider=spider), protocol=4
        )


def test_requests_come_back_with_their_callbacks(tmp_path: Path, crawler_and_spider: tuple) -> None:
    crawler, spider = crawler_and_spider
    queue = _queue(PickleLifoDiskQueue, tmp_path, crawler, "ours")
    sent = _requests(spider)
    for request in sent:
        queue.push(request)
    got = [queue.pop() for _ in sent][::-1]  # LIFO
    assert queue.pop() is None
    for before, after in zip(sent, got, strict=True):
        assert after.to_dict(spider=spider) == before.to_dict(spider=spider)
        assert type(after) is type(before)
    assert got[0].callback == spider.parse_article and got[0].errback == spider.article_failed


def test_a_queue_scrapy_wrote_resumes_with_ours(tmp_path: Path, crawler_and_spider: tuple) -> None:
    crawler, spider = crawler_and_spider
    old = _queue(ScrapyQueue, tmp_path, crawler, "q")
    for request in _requests(spider):
        old.push(request)
    old.close()
    resumed = _queue(PickleLifoDiskQueue, tmp_path, crawler, "q")
    assert len(resumed) == len(_requests(spider))
    assert resumed.pop().url == "http://127.0.0.1/asp/list.aspx"


def test_a_same_named_method_of_another_object_is_not_taken_for_the_spiders(
    crawler_and_spider: tuple,
) -> None:
    _, spider = crawler_and_spider
    request = Request("http://127.0.0.1/a", callback=Other().parse_article)
    assert callback_owner(spider, request) is spider  # Scrapy's own search decides
    with pytest.raises(ValueError):
        request.to_dict(spider=callback_owner(spider, request))


def test_a_plain_function_callback_is_refused_as_scrapy_refuses_it(
    tmp_path: Path, crawler_and_spider: tuple
) -> None:
    # Scrapy's scheduler keeps such a request in memory (ValueError from the disk queue).
    crawler, _ = crawler_and_spider
    queue = _queue(PickleLifoDiskQueue, tmp_path, crawler, "q")
    with pytest.raises(ValueError):
        queue.push(Request("http://127.0.0.1/a", callback=lambda r: None))
    assert len(queue) == 0

"""An article response's facts (crawler/spiders/page_facts.py), awaited by the spider
without blocking the reactor: worked out in a worker process when there are workers
(crawler/offload.py), else here."""

from __future__ import annotations

from typing import Any

from scrapy.http import TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from crawler import offload
from crawler.spiders.page_facts import PageFacts, page_facts


async def article_facts(
    response: TextResponse, encoding: str, spider: Any, workers: int
) -> PageFacts:
    profile = spider.profile
    args = (
        response.body,
        response.url,
        profile.article,
        encoding,
        profile.listing.other_news,
        # Without listing selectors the walk follows recognised links (generic_walk.py).
        tuple(profile.allowed_domains) if spider.walk is not None else (),
    )
    future = offload.submit(page_facts, args, workers)
    if future is None:
        return page_facts(*args)
    from twisted.internet import reactor

    done: defer.Deferred = defer.Deferred()
    future.add_done_callback(lambda f: reactor.callFromThread(done.callback, None))
    await maybe_deferred_to_future(done)
    return offload.result_or_local(future, page_facts, args)

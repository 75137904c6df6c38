"""CPU-heavy work on a response, awaited by the spider without blocking the reactor: in a
worker process when there are workers (crawler/offload.py), else here. An article page's
facts (crawler/spiders/page_facts.py) and an attached file's text go this way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from scrapy.http import TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from crawler import offload
from crawler.spiders.page_facts import PageFacts, page_facts

T = TypeVar("T")


async def off_reactor(
    fn: Callable[..., T],
    args: tuple,
    workers: int,
    on_crash: Callable[[], T] | None = None,
) -> T:
    """``fn(*args)`` in a worker while the reactor goes on; in-process without workers
    or when the worker fails (crawler/offload.py). ``on_crash``: the job is never run
    in-process after its worker died under it (twice, see ``offload.submit_guarded``);
    this gives its result instead."""
    submit = offload.submit if on_crash is None else offload.submit_guarded
    future = submit(fn, args, workers)
    if future is None:
        return fn(*args)
    from twisted.internet import reactor

    done: defer.Deferred = defer.Deferred()
    future.add_done_callback(lambda f: reactor.callFromThread(done.callback, None))
    await maybe_deferred_to_future(done)
    crashed = not future.cancelled() and isinstance(future.exception(), offload.WorkerCrashed)
    if on_crash is not None and crashed:
        return on_crash()
    return offload.result_or_local(future, fn, args)


async def article_facts(response: TextResponse, encoding: str, spider: Any) -> PageFacts:
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
    return await off_reactor(page_facts, args, spider.extract_workers)

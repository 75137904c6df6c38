"""Scrapy's on-disk request queue (a run's JOBDIR), with the callback names found fast.

To write a request to disk Scrapy stores its callback and errback by name, and finds each
name by listing every method of the spider (``inspect.getmembers`` in
``Request.to_dict``): about 0.2 ms a request on our portal spider, a few per cent of the
reactor's time in a fast crawl. Here ``to_dict`` is given a stand-in owner that has just
the methods the request names, once each name is checked against the spider itself.
What is written is exactly what Scrapy writes, so queues saved before still resume.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Request
from scrapy.squeues import PickleLifoDiskQueue as _ScrapyPickleLifoDiskQueue


class _CallbackOwner:
    """Looks like the spider to ``Request.to_dict``, with only the named methods."""

    __slots__ = ("_methods",)

    def __init__(self, methods: dict[str, Any]) -> None:
        self._methods = methods

    def __dir__(self) -> list[str]:
        return list(self._methods)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._methods[name]
        except KeyError:
            raise AttributeError(name) from None


def callback_owner(spider: Any, request: Request) -> Any:
    """An owner for ``request.to_dict(spider=…)``: the stand-in when every callable the
    request names is the spider's own method under its own name; else the spider (Scrapy
    then searches it, or raises ValueError and keeps the request in memory, as always)."""
    methods: dict[str, Any] = {}
    for func in (request.callback, request.errback):
        if not callable(func):
            continue
        name = getattr(getattr(func, "__func__", None), "__name__", None)
        own = getattr(spider, name, None) if name else None
        if own is None or getattr(own, "__func__", None) is not func.__func__:  # type: ignore[union-attr]
            return spider
        methods[name] = own  # type: ignore[index]
    return _CallbackOwner(methods)


class PickleLifoDiskQueue(_ScrapyPickleLifoDiskQueue):  # type: ignore[misc,valid-type]
    def push(self, request: Request) -> None:
        # Past Scrapy's push (which would search the whole spider) to its pickling layer.
        data = request.to_dict(spider=callback_owner(self.spider, request))
        super(_ScrapyPickleLifoDiskQueue, self).push(data)

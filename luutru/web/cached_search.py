"""Search through the per-process cache (luutru/web/cache.py).

The page and the facets are two entries: the facets are the same for every page and sort
of a query, and counting them (every match, up to 50,000) costs more than a page. Both
are kept while the archive grows by documents the query does not match
(archive/search_fresh.py), so a crawl writing beside the server does not empty the cache;
while versions keep arriving, the facets are recounted at most every FACETS_LAG seconds
and the page every SEARCH_LAG (luutru/web/cache.py).
Each caller gets hit dicts of its own: a route may add keys to what it got.
"""

from __future__ import annotations

from dataclasses import astuple, replace
from typing import Any

from archive.store import Archive
from luutru.web import cache as web_cache
from luutru.web import service
from luutru.web.cache import WebCache
from luutru.web.service import SearchParams


def cached_search(archive: Archive, params: SearchParams, cache: WebCache) -> dict[str, Any]:
    page = replace(params, facets=False)

    def unchanged(marks: tuple) -> bool:  # nothing added since that this query matches
        from archive.search_fresh import unchanged_since

        return unchanged_since(archive, params.q, params.exact, *marks)

    # service._search looked up at call time (tests replace it)
    result = cache.search(
        ("search", *_key(page)), lambda: service._search(archive, page), unchanged
    )
    result = {**result, "hits": [dict(hit) for hit in result["hits"]]}
    if params.facets:
        counted = replace(params, limit=0, offset=0, sort="relevance")
        result["facets"] = cache.search(
            ("facets", *_key(counted)),
            lambda: service._search(archive, counted, page=False)["facets"],
            unchanged,
            lag=web_cache.FACETS_LAG,  # read at call time (tests change it)
        )
    return result


def _key(params: SearchParams) -> tuple:
    return tuple(_hashable(v) for v in astuple(params))


def _hashable(value: Any) -> Any:
    """A search parameter as part of a cache key (lists and dicts as sorted tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value

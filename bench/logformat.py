"""A Scrapy log formatter shared by both sides of the crawl benchmark.

Scrapy logs one "Crawled (STATUS) <METHOD URL>" line per response that reaches the engine,
at DEBUG. This formatter raises that one line to INFO, so a run at LOG_LEVEL=INFO lists
every page it fetched without the cost of DEBUG logging (which dumps every scraped item).
Both the luutru crawl and the bare spider use it, so their logging cost is the same.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter

CRAWLED = r"Crawled \((\d+)\) <(GET|POST) (\S+)>"


class CrawledAtInfo(LogFormatter):
    def crawled(self, request: Any, response: Any, spider: Any) -> Any:
        entry = dict(super().crawled(request, response, spider))
        entry["level"] = logging.INFO
        return entry

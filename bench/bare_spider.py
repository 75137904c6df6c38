"""The baseline of the crawl benchmark: a plain Scrapy spider that GETs a list of URLs.

No parsing, no extraction, no pipelines, no extensions; the same download settings as
luutru (crawler/settings.py: user agent, robots.txt, retries, timeouts, cookies,
concurrency) plus the same ``-s`` overrides. URLs are split by site prefix (/lf, /asp) into
two crawlers in one CrawlerProcess, as ``luutru crawl demo-liferay demo-aspnet`` runs two.

    python -m bench.bare_spider URLS.txt [-s NAME=VALUE ...]   # prints stats as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response

import crawler  # noqa: F401  (offline tldextract environment, as for luutru)
from luutru.crawling import parse_setting_pairs


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = list(urls)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            yield Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> None:
        return None  # downloaded and dropped: the baseline does no work per page


def group_by_site(urls: Sequence[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for url in urls:
        first = urlsplit(url).path.strip("/").split("/")[0] or "-"
        groups.setdefault(first, []).append(url)
    return groups


def run(urls: Sequence[str], overrides: dict[str, str]) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name in ("ITEM_PIPELINES", "EXTENSIONS"):
        settings.set(name, {}, priority="cmdline")
    settings.set("SPIDER_MODULES", [], priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    process = CrawlerProcess(settings, install_root_handler=True)
    crawlers: dict[str, Any] = {}
    for group, group_urls in group_by_site(urls).items():
        crawlers[group] = c = process.create_crawler(BareSpider)
        process.crawl(c, urls=group_urls)
    started = time.monotonic()
    process.start()
    # Read after the reactor stopped: CoreStats has written elapsed_time_seconds and
    # finish_reason by then (a spider_closed handler may run before it does).
    results = {
        group: {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in c.stats.get_stats().items()
        }
        for group, c in crawlers.items()
    }
    return {"wall_seconds": time.monotonic() - started, "crawlers": results}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_spider")
    parser.add_argument("urls", help="file with one URL per line")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    with open(args.urls, encoding="utf-8") as fh:
        urls = [line.strip() for line in fh if line.strip()]
    result = run(urls, parse_setting_pairs(args.settings))
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

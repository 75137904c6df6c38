"""The baseline of the crawl benchmark: a plain Scrapy spider that GETs a list of URLs.

No parsing, no extraction, no pipelines, no extensions; the same download settings as
luutru (crawler/settings.py: user agent, robots.txt, retries, timeouts, cookies,
concurrency) plus the same ``-s`` overrides. One crawler per luutru site (in one
CrawlerProcess), each with the URLs that site's run fetched: as many download slots as
luutru had. (Until 2026-12-05 URLs were split by their first path segment, which gave the
portal of real pages two bare crawlers, /list and /a, against luutru's one.)

    python -m bench.bare_spider URLS.txt [-s NAME=VALUE ...]   # prints stats as JSON

URLS.txt: one ``URL`` or ``SITE<TAB>URL`` a line (see :func:`group_by_site`).
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


def group_by_site(lines: Sequence[str]) -> dict[str, list[str]]:
    """The crawlers to run and their URLs: a line ``SITE<TAB>URL`` names its crawler (the
    benchmark writes the luutru site whose run fetched the page); a bare URL goes to the
    crawler of its first path segment (/lf, /asp: the demo portal's two sites)."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        site, tab, url = line.partition("\t")
        if not tab:
            url = line
            site = urlsplit(url).path.strip("/").split("/")[0] or "-"
        groups.setdefault(site, []).append(url)
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

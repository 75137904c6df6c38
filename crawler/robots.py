"""Scrapy's robots.txt parser (protego), noting the ``Sitemap:`` lines it reads.

robots.txt is fetched once per host by Scrapy's RobotsTxtMiddleware; an incremental walk
that wants the portal's sitemap (crawler/spiders/sitemaps.py) reads the lines noted here
instead of fetching robots.txt a second time. Configured by ``ROBOTSTXT_PARSER``.
"""

from __future__ import annotations

from typing import Any

from scrapy.robotstxt import ProtegoRobotParser


class SitemapNotingParser(ProtegoRobotParser):
    @classmethod
    def from_crawler(cls, crawler: Any, robotstxt_body: bytes) -> SitemapNotingParser:
        parser = cls(robotstxt_body, getattr(crawler, "spider", None))
        noted = getattr(crawler, "luutru_sitemaps", None)
        if noted is None:
            noted = []
            crawler.luutru_sitemaps = noted
        noted.extend(u for u in parser.rp.sitemaps if u not in noted)
        return parser

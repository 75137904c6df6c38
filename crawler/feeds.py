"""Scrapy's own feed exports (``scrapy crawl portal -O out.jsonl|csv``): one row per article.

The spider yields four kinds of item (``archive/records.py``); only ``ArticleRecord`` is
an article. The other three (a 304, a gone article, a dead link) are the archive's
bookkeeping, and in a CSV they would be worse than noise: the CSV exporter takes its
header from the first item, so a dead link crawled first would cut every article down to
a dead link's five columns. ``ArticleFeeds`` (an add-on, so it sees the feeds ``-o``/``-O``
set on the command line) makes every feed that chooses no ``item_classes`` or
``item_filter`` of its own export articles only. A feed can still ask for the others
(docs/exports.md): ``"item_classes": ["archive.records.DeadLink"]`` in its FEEDS options.

Their CSV is crawler/feed_csv.py's, a module of its own: this add-on is loaded by every
crawl, and Scrapy's exporters (a twentieth of a second of imports) only by one that
exports.
"""

from __future__ import annotations

import dataclasses

from scrapy.settings import BaseSettings

from archive.records import ArticleRecord

ARTICLE_CLASS = f"{ArticleRecord.__module__}.{ArticleRecord.__qualname__}"
# The CSV header: every field of a record but the body's HTML, which repeats ``body`` as
# markup and often exceeds the 32,767 characters a spreadsheet cell holds. JSON feeds
# keep it. FEED_EXPORT_FIELDS (or a feed's ``fields``) still chooses otherwise.
CSV_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(ArticleRecord) if f.name != "body_html"
)


class ArticleFeeds:
    """Add-on (``ADDONS``): feeds without an item choice of their own export articles."""

    def update_settings(self, settings: BaseSettings) -> None:
        feeds = settings.getdict("FEEDS")
        if not feeds:
            return
        chosen = {
            uri: options
            if options.get("item_classes") or options.get("item_filter")
            else {**options, "item_classes": [ARTICLE_CLASS]}
            for uri, options in feeds.items()
        }
        # At the priority the feeds were set with (the command line's for -o/-O): an
        # add-on's own priority is lower and would be ignored.
        settings.set("FEEDS", chosen, priority=settings.getpriority("FEEDS") or "addon")

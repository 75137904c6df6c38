"""Scrapy settings for luutru. Every changed setting names Scrapy's default beside it.

Politeness first: these are small government servers. Benchmarks may override with -s.
"""

from __future__ import annotations

import os

BOT_NAME = "luutru"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are, with a contact URL a portal's administrator can follow. Set your own with
# -s LUUTRU_CONTACT_URL=...; the spider builds USER_AGENT from it unless USER_AGENT is set.
LUUTRU_CONTACT_URL = "https://github.com/luutru/luutru"
USER_AGENT_TEMPLATE = "luutru/0.1 (+{contact}; archive of public government news)"
# default "Scrapy/VERSION (+https://scrapy.org)"
USER_AGENT = USER_AGENT_TEMPLATE.format(contact=LUUTRU_CONTACT_URL)

ROBOTSTXT_OBEY = True  # default False
# protego, as by default, also noting the Sitemap: lines (edits seen in sitemaps).
ROBOTSTXT_PARSER = (
    "crawler.robots.SitemapNotingParser"  # default scrapy.robotstxt.ProtegoRobotParser
)
# CONCURRENT_REQUESTS stays Scrapy's 16. Politeness is the per-portal limit below; the
# global one counts a request until its response has been through every downloader
# middleware, so at 8 a portal allowed 8 at a time (the benchmarks) had 5-7 in transfer
# while the others' responses waited on a busy reactor: real pages at 50 ms, x0.754,
# 0.768, 0.794 of bare Scrapy at 8, x0.878, 0.848 at 16 (docs/performance.md).
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # default 8
DOWNLOAD_DELAY = 0.25  # default 0; AutoThrottle never goes below it
# Scrapy starts this many tasks for every response's output, however few items it has:
# at 100, 200 event-loop callbacks per page, a fifth of the reactor's time in a fast
# crawl. A page yields one record and a few links; 8 still lets the links go on while
# the record waits for its batch to commit.
CONCURRENT_ITEMS = 8  # default 100
DOWNLOAD_TIMEOUT = 30  # default 180: a portal that takes longer is down, retry later
# Per profile in [settings]: no news page is this big.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # default 1024 MB
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024  # default 32 MB

AUTOTHROTTLE_ENABLED = True  # default False
AUTOTHROTTLE_START_DELAY = 1.0  # default 5.0
AUTOTHROTTLE_MAX_DELAY = 30.0  # default 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # default 1.0 (kept; stated for the record)

RETRY_ENABLED = True  # default True
RETRY_TIMES = 3  # default 2: portals answer 503 under load more often than most sites
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # default the same list

# 304 answers our conditional GETs; 404 and 410 reach the spider too: a vanished article
# is news for the archive, not an error.
HTTPERROR_ALLOWED_CODES = [304, 404, 410]  # default []

REDIRECT_MAX_TIMES = 5  # default 20: a redirect loop should end fast
DEPTH_LIMIT = 0  # default 0; traps are bounded by URL rules in the spider, not by depth
# The spider deduplicates by its own keys (article id, listing URL, postback argument).
# A fingerprint file in JOBDIR would outlive a killed run and hide the articles that were
# in flight when it died; without it, the resumed (full) walk finds them again.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"  # default RFPDupeFilter
# Scrapy's scheduler, except that a disk queue that fails (disk full) falls back to memory.
SCHEDULER = "crawler.scheduler.DiskSafeScheduler"  # default scrapy.core.scheduler.Scheduler
# The same queue on disk, written without searching the spider for callback names.
SCHEDULER_DISK_QUEUE = (
    "crawler.squeues.PickleLifoDiskQueue"  # default scrapy.squeues.PickleLifoDiskQueue
)
COOKIES_ENABLED = True  # default True: ASP.NET postbacks need the session cookie
TELNETCONSOLE_ENABLED = False  # default True: nothing should listen on a port during a crawl
REMOTE_CONTROL_ENABLED = False  # default True (Scrapy ≥ 2.19): same reason
LOG_LEVEL = "INFO"  # default "DEBUG"
FEED_EXPORT_ENCODING = "utf-8"  # default None (ASCII escapes): Vietnamese text stays readable
# `scrapy crawl portal -O out.csv|jsonl`: feeds hold articles only, and the CSV opens in a
# spreadsheet as it is (BOM, lists as JSON): crawler/feeds.py and feed_csv.py say why.
FEED_EXPORTERS = {"csv": "crawler.feed_csv.ArticleCsvItemExporter"}  # default {} (Scrapy's own)
# Feeds of articles only (crawler/feeds.py); the extensions turned off above not even
# imported (crawler/lean_extensions.py).
ADDONS = {  # default {}
    "crawler.feeds.ArticleFeeds": 0,
    "crawler.lean_extensions.LeanExtensions": 0,
}

ITEM_PIPELINES = {
    # Normalise first so dedup and hashing see NFC text with decoded entities.
    "crawler.pipelines.NormalisePipeline": 100,
    # Drop a second capture of one article in one run before it costs a write.
    "crawler.pipelines.DedupPipeline": 200,
    # Archive last: only clean, unique records reach the store.
    "crawler.pipelines.ArchivePipeline": 300,
    # Attached files, after their article (ArchivePipeline passes them on untouched).
    "crawler.attachment_pipeline.AttachmentPipeline": 310,
}

# A POST (an ASP.NET postback) on a connection of its own: one the server closed while it
# waited in the pool fails it for good (crawler/download.py says why).
DOWNLOAD_HANDLERS = {
    "http": "crawler.download.FreshConnectionForUnsafe",  # default Scrapy's HTTP11DownloadHandler
    "https": "crawler.download.FreshConnectionForUnsafe",  # default the same
}

DOWNLOADER_MIDDLEWARES = {
    # The portal's own hosts, exactly (not every subdomain): replaces Scrapy's offsite filter.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # default 50
    "crawler.middlewares.ScopeMiddleware": 50,
    # Scrapy's, after a look at the bytes: it decoded every page to find none.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,  # default 580
    "crawler.middlewares.QuickMetaRefreshMiddleware": 580,
    # Next to the downloader (above HttpCompression at 590, Retry at 550): every response,
    # retried 503s included, is captured as the server sent it.
    "crawler.middlewares.WarcCaptureMiddleware": 901,
}

EXTENSIONS = {
    "crawler.extensions.ProgressLine": 500,
    # The start-up's objects kept out of the cyclic collector's passes (crawler/longlived.py).
    "crawler.longlived.FreezeStartup": 0,
}

# Where the archive lives; the CLI sets it from --data, `scrapy crawl` reads the environment.
LUUTRU_DATA = os.environ.get("LUUTRU_DATA", "luutru-data")
LUUTRU_DB = os.environ.get("LUUTRU_DB") or None  # archive database URL (default SQLite)
# Print a progress line to stderr while crawling (the CLI turns it on).
LUUTRU_PROGRESS = False
# Archive what is crawled (off for `luutru site check`); walk everything (`--full`).
LUUTRU_ARCHIVE = True
LUUTRU_FULL = False
# Files an article links to (pdf, doc(x), xls(x), odt on the portal's hosts) are fetched,
# archived and searched (crawler/spiders/attachment_fetch.py); larger ones are skipped and
# counted (luutru/attachments_too_large). Per profile in [settings] like any setting.
LUUTRU_ATTACHMENTS = True
LUUTRU_ATTACHMENT_MAXSIZE = 50 * 1024 * 1024
# Processes working out article pages off the reactor (crawler/offload.py): -1 = one per
# core besides the reactor's, at most 4; 0 = in the crawl's own process.
LUUTRU_EXTRACT_WORKERS = -1
# Nice value added to a `luutru crawl` process (luutru/crawling.py): readers of `luutru
# serve` on the same machine go first; 0 = unchanged. At 5, a crawl flat out beside 30
# readers of a 100,000-article archive left them a p95 of 384-457 ms; at 10, 175-216 ms
# (docs/performance.md, twelfth pass). With no reader busy it changes nothing.
LUUTRU_CRAWL_NICE = 10
# Seconds the archive writer waits for more items to join a batch (crawler/archivewriter.py):
# one transaction per batch instead of one per article when the crawl is fast.
LUUTRU_WRITE_LINGER = 0.2
# Roll to the next WARC file of a run's series past this size.
LUUTRU_WARC_MAX_BYTES = 1_000_000_000
# A crawl renews its site's lease every third of this; a crawl machine that dies loses
# the site after at most this long (crawler/runlease.py).
LUUTRU_LEASE_SECONDS = 300
# Run log files kept per site when a crawl opens its own (a worker, `scrapy crawl`); the
# application passes its configuration's [logs] keep.
LUUTRU_LOG_KEEP = 100

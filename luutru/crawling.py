"""Running crawls in-process: settings from crawler.settings, the CLI's overrides, the profile.

The Twisted reactor starts once per process, so every site of one command is crawled in
the same CrawlerProcess (a scheduler runs each crawl in its own subprocess).
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import crawler  # noqa: F401  (sets the offline tldextract environment before Scrapy loads)
from crawler import runlog
from crawler.profiles import SiteProfile
from luutru.workspace import Workspace

log = logging.getLogger(__name__)
LEASE_MARGIN = 300  # seconds a lease outlives the max duration: time to close and write
JOBS_DIR = "jobs"  # <data>/jobs/<site>: Scrapy JOBDIR of an unfinished run, resumed next time


@dataclass
class CrawlSummary:
    site: str
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    items: list[Any] = field(default_factory=list)  # only for `site check`

    def count(self, name: str) -> int:
        return int(self.stats.get(f"luutru/articles_{name}", 0) or 0)

    @property
    def requests(self) -> int:
        return int(self.stats.get("downloader/request_count", 0) or 0)

    @property
    def soft_404(self) -> int:
        return int(self.stats.get("luutru/soft_404", 0) or 0)

    def line(self) -> str:
        unchanged = self.count("unchanged") + self.count("not_modified")
        mode = self.stats.get("luutru/mode", "check")
        return (
            f"{self.site} ({mode}): {self.count('new')} new, {self.count('updated')} updated, "
            f"{unchanged} unchanged, {self.count('removed')} removed, {self.count('gone')} gone, "
            f"{self.count('failed')} failed, {self.soft_404} soft-404 skipped · "
            f"{self.requests} requests · {self.stats.get('luutru/listing_pages', 0)} listing "
            f"pages · {self.seconds:.1f} s"
        )


def parse_setting_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs as a dict; a pair without '=' is refused clearly."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"-s expects NAME=VALUE, got {pair!r}")
        result[name.strip()] = value
    return result


def build_settings(
    data_dir: str | Path, overrides: Mapping[str, Any] | None = None, db: str | None = None
) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("LUUTRU_DATA", str(data_dir), priority="cmdline")
    if db:
        settings.set("LUUTRU_DB", db, priority="cmdline")
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    return settings


def run_crawls(
    profiles: list[SiteProfile],
    workspace: Workspace,
    overrides: Mapping[str, Any] | None = None,
    check: int = 0,
    resumable: bool = True,
) -> list[CrawlSummary]:
    """Crawl each profile (concurrently, one process); returns one summary per site.
    Every crawl writes through the workspace's archive, opened once for all of them."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from archive.records import ArticleRecord
    from crawler.spiders.portal import PortalSpider

    data_dir = workspace.data
    settings = build_settings(data_dir, overrides, workspace.db)
    settings.set("LUUTRU_LOG_KEEP", workspace.config.logs.keep, "cmdline")
    if check:
        # A check archives nothing: items are collected and printed by the caller.
        settings.set("ITEM_PIPELINES", {"crawler.pipelines.NormalisePipeline": 100}, "cmdline")
        settings.set("LUUTRU_ARCHIVE", False, "cmdline")
    process = CrawlerProcess(settings)
    summaries: list[CrawlSummary] = []
    receivers: list[Any] = []
    started = time.monotonic()
    for profile in profiles:
        summary = CrawlSummary(site=profile.id)
        summaries.append(summary)
        crawler_obj = process.create_crawler(PortalSpider)
        if not check and resumable:
            # A stopped run (Ctrl-C, SIGTERM) leaves its queue here and the next run
            # resumes from it; a killed one leaves nothing trustworthy (see below).
            discard_killed_jobdir(workspace, profile.id)
            crawler_obj.settings.set("JOBDIR", str(job_dir(data_dir, profile.id)), "cmdline")

        def collect(item: Any, summary: CrawlSummary = summary) -> None:
            if isinstance(item, ArticleRecord):  # not dead links or 404s
                summary.items.append(item)

        def closed(
            spider: Any, reason: str, summary: CrawlSummary = summary, c: Any = crawler_obj
        ) -> None:
            summary.stats = dict(c.stats.get_stats())
            summary.stats["finish_reason"] = reason
            summary.seconds = time.monotonic() - started

        if check:
            crawler_obj.signals.connect(collect, signal=signals.item_scraped)
        crawler_obj.signals.connect(closed, signal=signals.spider_closed)
        receivers.extend((collect, closed))  # Scrapy holds signal receivers weakly
        archive = None if check else workspace.archive
        process.crawl(crawler_obj, profile=profile, check=check, archive=archive)
    process.start()
    for summary in summaries:
        if summary.stats.get("finish_reason") == "finished":
            # A finished walk must not leave its dupefilter behind: the next run would
            # take every URL it saw for already requested.
            shutil.rmtree(job_dir(data_dir, summary.site), ignore_errors=True)
    return summaries


def job_dir(data_dir: str | Path, site: str) -> Path:
    return Path(data_dir) / JOBS_DIR / site


def discard_killed_jobdir(workspace: Workspace, site: str) -> None:
    """Before a run: a saved queue is resumed only when the run that wrote it finished its
    pause (crawler/jobstate.py); otherwise it is discarded and the walk is full."""
    from crawler.jobstate import prepare

    interrupted = workspace.archive.interrupt_stale_runs(site)
    if interrupted:
        log.warning("run(s) %s of %s were killed: marked interrupted", interrupted, site)
    reason = prepare(job_dir(workspace.data, site))
    if reason:
        log.warning("the saved queue of %s is not resumed (%s): walking fully", site, reason)


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


def crawl_sites(
    site_ids: list[str],
    workspace: Workspace,
    sites_dir: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    base_url: str | None = None,
    trigger: str = "manual",
) -> int:
    """`luutru crawl`: leases, per-run log files, a failed run for a profile that cannot
    load, max duration; prints one summary line per site. Returns the exit code."""
    import traceback

    from crawler.profiles import ProfileError, get_profile

    config, data_dir, archive = workspace.config, workspace.data, workspace.archive
    max_seconds = int(config.schedule.max_duration_minutes * 60)
    settings = {"LUUTRU_TRIGGER": trigger, "CLOSESPIDER_TIMEOUT": max_seconds, **(overrides or {})}
    profiles: list[SiteProfile] = []
    code = EXIT_OK
    for site in site_ids:
        try:
            profile = get_profile(site, sites_dir)
        except ProfileError as exc:
            # The run happened and failed: it is recorded, with its log, like any other.
            path = runlog.new_log_path(data_dir, site)
            runlog.write_failure(path, f"site profile cannot be used: {exc}")
            run = archive.start_run(site, trigger=trigger, log_path=path)
            archive.finish_run(run, "failed", {"error": str(exc)})
            print(f"luutru: error: {exc} (run {run}, log {path})", file=sys.stderr)
            code = EXIT_USAGE
            continue
        profiles.append(profile.rebased(base_url) if base_url else profile)
    if not profiles:
        return code

    leased: list[SiteProfile] = []
    for profile in profiles:
        lease = archive.acquire_lease(profile.id, max_seconds + LEASE_MARGIN)
        if lease is None:
            held = archive.lease(profile.id)
            print(
                f"luutru: {profile.id} is being crawled by {held.holder if held else '?'} "
                f"since {held.acquired_at if held else '?'}: not starting a second run",
                file=sys.stderr,
            )
            code = max(code, EXIT_BUSY)
            continue
        leased.append(profile)
    if not leased:
        return code
    paths = {p.id: runlog.new_log_path(data_dir, p.id) for p in leased}
    settings["LUUTRU_LOG_FILES"] = {site: str(path) for site, path in paths.items()}
    handlers = runlog.attach(paths)
    try:
        summaries = run_crawls(leased, workspace, settings)
    except Exception:
        log.error("crawl crashed:\n%s", traceback.format_exc())
        archive.fail_runs_of_this_process("crawl crashed: see the log")
        raise
    finally:
        runlog.detach(handlers)
        for profile in leased:
            archive.release_lease(profile.id)
        for profile in leased:
            runlog.prune(data_dir, profile.id, config.logs.keep)
    from luutru.notify import notify

    for summary in summaries:
        print(summary.line())
        run = archive.run(int(summary.stats.get("luutru/run_id") or 0))
        if run is None:
            continue
        for reason in run["reasons"]:
            print(f"  {run['status'].upper()}: {reason}")
        notify(config.notify, run)
        if run["status"] != "succeeded" and run["status"] != "unhealthy":
            code = max(code, EXIT_FAILED)
    return code

"""Running crawls in-process: settings from crawler.settings, the CLI's overrides, the profile.

The Twisted reactor starts once per process, so every site of one command is crawled in
the same CrawlerProcess (a scheduler runs each crawl in its own subprocess).

What `luutru crawl` shows: a progress line while it runs (luutru/progress.py), then one
summary line per site with the run's reasons. Scrapy's log goes to each site's run log
file (`luutru log RUN`), and on screen only with ``--verbose``. A site that answered
nothing (every request refused, timed out, not resolved) is named unreachable, and the
command exits 1.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import crawler  # noqa: F401  (sets the offline tldextract environment before Scrapy loads)
from crawler import runlog
from crawler.profile_model import SiteProfile
from luutru.crawl_summary import (
    EXIT_BUSY,
    EXIT_OK,
    EXIT_USAGE,
    CrawlSummary,
    portal_hosts,
    report_site,
)
from luutru.workspace import Workspace

log = logging.getLogger(__name__)
LEASE_MARGIN = 300  # seconds a lease outlives the max duration: time to close and write
JOBS_DIR = "jobs"  # <data>/jobs/<site>: Scrapy JOBDIR of an unfinished run, resumed next time


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
    progress: Any = None,
) -> list[CrawlSummary]:
    """Crawl each profile (concurrently, one process); returns one summary per site.
    Every crawl writes through the workspace's archive, opened once for all of them.
    ``progress`` (luutru/progress.py ``Progress``) is ticked while the crawls run."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from archive.records import ArticleRecord
    from crawler.spiders.portal import PortalSpider

    data_dir = workspace.data
    settings = build_settings(data_dir, overrides, workspace.db)
    settings.set("LUUTRU_LOG_KEEP", workspace.config.logs.keep, "cmdline")
    screen = _screen_log(settings)
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
            discard_killed_jobdir(workspace, profile.id, profile.start_urls)
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
        running = process.crawl(crawler_obj, profile=profile, check=check, archive=archive)
        running.addErrback(_could_not_run, summary, crawler_obj)
        if progress is not None:
            progress.watch(profile.id, crawler_obj)
    _start(process, screen, progress)
    for summary in summaries:
        if summary.stats.get("finish_reason") == "finished":
            # A finished walk must not leave its dupefilter behind: the next run would
            # take every URL it saw for already requested.
            shutil.rmtree(job_dir(data_dir, summary.site), ignore_errors=True)
    return summaries


def _could_not_run(failure: Any, summary: CrawlSummary, crawler_obj: Any) -> None:
    """A crawl whose start failed (a bad setting, a component that cannot load): kept on
    its summary and logged to its run log, instead of Twisted printing "Unhandled error in
    Deferred" and a traceback on the screen at exit."""
    summary.error = failure.value
    log.error(
        "the crawl of %s could not run:\n%s",
        summary.site,
        failure.getTraceback(),
        extra={"crawler": crawler_obj},
    )


def _screen_log(settings: Any) -> str:
    """What of the crawl's log reaches the screen (``LUUTRU_SCREEN_LOG``): Scrapy's own
    log ("full"), one line per record at LOG_LEVEL without tracebacks ("brief", the
    default: `site check`, `demo`), or nothing ("none": `luutru crawl`, which shows its
    progress and summary; the run logs have everything)."""
    screen = str(settings.get("LUUTRU_SCREEN_LOG") or "brief")
    if screen != "full":
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, "cmdline")
    return screen


def _start(process: Any, screen: str, progress: Any) -> None:
    """Run the crawls to their end, with the screen's log handler and the progress line."""
    from luutru.progress import BriefLines

    brief = BriefLines(process.settings.get("LOG_LEVEL") or "INFO") if screen == "brief" else None
    if brief is not None:
        logging.getLogger().addHandler(brief)
    if progress is not None:
        _tick_while_running(progress)
    try:
        process.start()
    finally:
        if brief is not None:
            logging.getLogger().removeHandler(brief)
        if progress is not None:
            progress.finish()


def _tick_while_running(progress: Any) -> None:
    from twisted.internet import reactor, task

    loop = task.LoopingCall(progress.tick)

    def start() -> None:
        loop.start(progress.interval, now=False)

    reactor.callWhenRunning(start)  # type: ignore[attr-defined]


def job_dir(data_dir: str | Path, site: str) -> Path:
    return Path(data_dir) / JOBS_DIR / site


def discard_killed_jobdir(workspace: Workspace, site: str, start_urls: Iterable[str]) -> None:
    """Before a run: a saved queue is resumed only when the run that wrote it finished its
    pause and reached the portal where this one does (crawler/jobstate.py); otherwise it
    is discarded and the walk is full."""
    from crawler.jobstate import portal_origins, prepare

    interrupted = workspace.archive.interrupt_stale_runs(site)
    if interrupted:
        log.warning("run(s) %s of %s were killed: marked interrupted", interrupted, site)
    reason = prepare(job_dir(workspace.data, site), portal_origins(start_urls))
    if reason:
        log.warning("the saved queue of %s is not resumed (%s): walking fully", site, reason)


def _lower_priority(settings: Mapping[str, Any]) -> None:
    """A crawl is background work: below ``luutru serve`` and other interactive work in
    the CPU's queue (``LUUTRU_CRAWL_NICE``, added to this process's nice value; its
    extraction workers inherit it). On an idle machine it changes nothing."""
    from crawler import settings as defaults

    nice = int(settings.get("LUUTRU_CRAWL_NICE", defaults.LUUTRU_CRAWL_NICE))
    if nice > 0 and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError as exc:  # not permitted here: the crawl runs as it is
            log.info("crawl priority unchanged: %s", exc)


def _warm_workers(settings: Mapping[str, Any]) -> None:
    """Start the extraction workers before Scrapy is even imported here: their own
    start-up (~0.5 s of CPU) then runs beside this process's, on another core. After
    ``_lower_priority``, which they inherit. The spider asks again (for `scrapy crawl`)
    and finds them started."""
    from crawler import offload
    from crawler import settings as defaults

    setting = settings.get("LUUTRU_EXTRACT_WORKERS", defaults.LUUTRU_EXTRACT_WORKERS)
    try:
        workers = offload.worker_count(int(setting))
    except (TypeError, ValueError):
        return  # a bad value is reported by the crawl's own settings check
    offload.warm(offload.EXTRACTION_WARM_UP, workers)


def crawl_sites(
    site_ids: list[str],
    workspace: Workspace,
    sites_dir: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    base_url: str | None = None,
    trigger: str = "manual",
    progress: bool = True,
    verbose: bool = False,
) -> int:
    """`luutru crawl`: leases, per-run log files, a failed run for a profile that cannot
    load, max duration; a progress line (unless not ``progress``), then one summary line
    per site. Scrapy's log goes to the run log files, and to the screen when ``verbose``.
    Returns the exit code."""
    import traceback

    from crawler.profile_model import ProfileError
    from crawler.profiles import get_profile
    from luutru.errors import CommandFailed, UsageError, describe
    from luutru.progress import ErrorTally, Progress

    config, data_dir, archive = workspace.config, workspace.data, workspace.archive
    max_seconds = int(config.schedule.max_duration_minutes * 60)
    settings = {
        "LUUTRU_TRIGGER": trigger,
        "CLOSESPIDER_TIMEOUT": max_seconds,
        # Scrapy's log on the screen only when asked (the run logs get it all).
        "LUUTRU_SCREEN_LOG": "full" if verbose else "none",
        **(overrides or {}),
        "LUUTRU_PROGRESS": False,  # crawler/extensions.py ProgressLine: ours replaces it
    }
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
    tally = ErrorTally()
    logging.getLogger().addHandler(tally)
    _lower_priority(settings)
    _warm_workers(settings)
    try:
        shown = Progress() if progress else None
        summaries = run_crawls(leased, workspace, settings, progress=shown)
    except Exception as exc:
        log.error("crawl crashed:\n%s", traceback.format_exc())
        message, status = describe(exc)
        started = archive.fail_runs_of_this_process(f"crawl crashed: {message}")
        if not started:  # it crashed before any run began: each is recorded, failed
            for profile in leased:
                _record_failed(archive, profile.id, trigger, paths[profile.id], message)
        what = "crawl crashed" if started else "the crawl could not start"
        logs = ", ".join(str(path) for path in paths.values())
        hint = "; check the -s settings" if _user_settings(overrides) else ""
        text = f"{what}: {message} (the traceback is in {logs}{hint})"
        raise (UsageError(text) if status == EXIT_USAGE else CommandFailed(text)) from exc
    finally:
        logging.getLogger().removeHandler(tally)
        runlog.detach(handlers)
        for profile in leased:
            archive.release_lease(profile.id)
        for profile in leased:
            runlog.prune(data_dir, profile.id, config.logs.keep)
    from luutru.notify import notify

    for summary in summaries:
        path = str(paths[summary.site])
        run = archive.run(int(summary.stats.get("luutru/run_id") or 0))
        if run is None and summary.error is not None:
            message, status = describe(summary.error)
            hint = "; check the -s settings" if _user_settings(overrides) else ""
            run_id = _record_failed(archive, summary.site, trigger, Path(path), message)
            print(f"{summary.site}: the crawl could not start: {message}")
            print(f"  FAILED: run {run_id}; the traceback is in luutru log {run_id}, {path}{hint}")
            code = max(code, status)
            continue
        print(summary.line())
        hosts = portal_hosts(next(p for p in leased if p.id == summary.site))
        code = max(code, report_site(summary, run, tally, path, hosts))
        if run is not None:
            notify(config.notify, run)
    shared = tally.first.get(None)
    if shared:
        print(f"errors not tied to one site ({tally.counts[None]}): {shared[0]}")
    return code


def _user_settings(overrides: Mapping[str, Any] | None) -> bool:
    """Whether the command line set Scrapy settings of its own (``-s``)."""
    return any(not name.startswith("LUUTRU_") for name in overrides or {})


def _record_failed(archive: Any, site: str, trigger: str, path: Path, message: str) -> int:
    """A run that never began, recorded as failed with why, so `runs` and `health` show it."""
    if not path.exists():
        runlog.write_failure(path, f"the crawl could not start: {message}")
    run = archive.start_run(site, trigger=trigger, log_path=path)
    archive.finish_run(run, "failed", {"error": message}, [f"the crawl could not start: {message}"])
    return run

"""`luutru schedule`: run every site's crawl on its cron, in the foreground (APScheduler 3).

One job per site profile (job id = site id) in a persistent job store beside the archive
(`<data>/scheduler.sqlite`), so a restart keeps the jobs and their next run times; runs
missed while the scheduler was down coalesce into one if they are younger than
`[schedule] misfire_grace_seconds`. Each run is `luutru crawl SITE --trigger schedule` in a
subprocess (Twisted's reactor cannot restart in one process); that command takes the site's
lease in the archive database, so a scheduler and a manual crawl never crawl a site twice
at once (the second one exits 3 and is logged as skipped). With `[cluster] scrapyd_nodes`
the crawl goes to a Scrapyd worker instead (luutru/cluster.py). Only one scheduler per
archive is active, the others wait as hot standbys (luutru/standby.py).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from luutru.config import Config, load_config
from luutru.schedule_plan import (
    JOB_FUNC,
    Plan,
    SyncReport,
    add_broken_jobs,
    broken_trigger,
    plan_jobs,
    sync_jobs,
)
from luutru.schedule_runs import (  # noqa: F401  (run_site: the jobs' function, by name)
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    _stopping,
    crawl_command,
    run_site,
    running_sites,
    stop_children,
)
from luutru.standby import Heartbeat, SchedulerLease, wait_until_active
from luutru.triggers import TIMEZONE, trigger_signature
from luutru.workspace import Workspace, shared_workspace

log = logging.getLogger("luutru.scheduler")

STORE_NAME = "scheduler.sqlite"
STORE_TABLE = "luutru_schedule_jobs"  # in a PostgreSQL archive's database


def _job_store(data: str, config: Config) -> Any:
    """Where the jobs live: beside a SQLite archive, or in the archive's server database
    (its own table), so every scheduler of the archive — the active one and its standbys,
    on any machine — shares the jobs and their next run times."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    db = os.environ.get("LUUTRU_DB") or config.database.url
    if db and not db.startswith("sqlite"):
        return SQLAlchemyJobStore(url=db, tablename=STORE_TABLE)
    return SQLAlchemyJobStore(url=f"sqlite:///{Path(data) / STORE_NAME}")


def _make_scheduler(cls: type, data: str, config: Config, workers: int) -> Any:
    from apscheduler.executors.pool import ThreadPoolExecutor

    return cls(
        jobstores={"default": _job_store(data, config)},
        # One thread per site: each only waits on its crawl subprocess.
        executors={"default": ThreadPoolExecutor(max_workers=max(workers, 1))},
        job_defaults={
            "coalesce": True,  # runs missed during downtime: one run, not a burst
            "max_instances": 1,  # never two runs of one site from this scheduler
            "misfire_grace_time": config.schedule.misfire_grace_seconds,
        },
        timezone=TIMEZONE,
    )


def _store_editor() -> type:
    from apscheduler.schedulers.base import BaseScheduler

    class StoreEditor(BaseScheduler):
        """A scheduler without a loop: it reads and edits the job store, never runs a job.

        (A paused BackgroundScheduler would do until its shutdown: its thread then wakes
        and processes due jobs once, failing to submit them to the stopped executor and
        moving their next run times on: the runs missed during downtime would be lost.)"""

        def wakeup(self) -> None:
            pass

        def shutdown(self, wait: bool = True) -> None:
            super().shutdown(wait)

    return StoreEditor


def prepare(
    data: str,
    sites: str | None,
    config_path: str | None,
    *,
    every: float | None = None,
    only: Sequence[str] = (),
) -> tuple[Config, Plan, SyncReport, list[tuple[str, datetime | None, str]]]:
    """Sync the persistent job store with the profiles (a paused scheduler: nothing runs);
    returns the jobs as (site, next run time, trigger)."""
    Path(data).mkdir(parents=True, exist_ok=True)
    config = load_config(data, config_path)
    plan = plan_jobs(data, sites, config_path, config, every=every, only=only)
    grace = config.schedule.misfire_grace_seconds
    scheduler = _make_scheduler(_store_editor(), data, config, 1)
    scheduler.start(paused=True)
    try:
        report = sync_jobs(scheduler, plan, grace)
        add_broken_jobs(scheduler, plan, report, grace, every)
        jobs = [(j.id, j.next_run_time, str(j.trigger)) for j in scheduler.get_jobs()]
    finally:
        scheduler.shutdown(wait=False)
    return config, plan, report, sorted(jobs)


def _stored_jobs(data: str, config: Config) -> dict[str, dict[str, Any]]:
    """The job store's jobs as APScheduler pickled them (their state, and the next run time
    under ``next_run_time``), read without creating or changing anything: no store, or no
    table in it, is no jobs."""
    import pickle

    from sqlalchemy import create_engine, inspect

    db = os.environ.get("LUUTRU_DB") or config.database.url
    if db and not db.startswith("sqlite"):
        url, table = db, STORE_TABLE
    else:
        path = Path(data) / STORE_NAME
        if not path.is_file():
            return {}
        url, table = f"sqlite:///{path}", "apscheduler_jobs"  # SQLAlchemyJobStore's default
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(table):
                return {}
            rows = conn.exec_driver_sql(f"SELECT id, job_state FROM {table}").fetchall()
    finally:
        engine.dispose()
    jobs: dict[str, dict[str, Any]] = {}
    for job_id, state in rows:
        try:
            jobs[job_id] = pickle.loads(state)
        except Exception as exc:  # a store written by another APScheduler: say, go on
            log.warning("%s: stored job cannot be read (%s)", job_id, exc)
    return jobs


def list_jobs(
    data: str,
    sites: str | None,
    config_path: str | None,
    *,
    every: float | None = None,
    only: Sequence[str] = (),
) -> list[tuple[str, datetime | None, str]]:
    """What `luutru schedule --list` prints: each site's job as the scheduler would run it
    (site, next run time, trigger), computed without writing anything. A job the store
    keeps unchanged shows its stored next run time (a run missed while the scheduler was
    down shows as due); a new or changed one, its trigger's next fire time."""
    from zoneinfo import ZoneInfo

    config = load_config(data, config_path)
    plan = plan_jobs(data, sites, config_path, config, every=every, only=only)
    stored = _stored_jobs(data, config)
    now = datetime.now(ZoneInfo(TIMEZONE))
    grace = config.schedule.misfire_grace_seconds
    jobs: list[tuple[str, datetime | None, str]] = []
    for site, spec in sorted(plan.specs.items()):
        state = stored.get(site)
        same = (
            state is not None
            and state.get("func") == JOB_FUNC
            and state.get("kwargs") == spec.kwargs
            and not state.get("args")
            and state.get("misfire_grace_time") == grace
            and trigger_signature(state.get("trigger")) == trigger_signature(spec.trigger)
        )
        if same:
            jobs.append((site, state.get("next_run_time"), str(state["trigger"])))
        else:
            jobs.append((site, spec.trigger.get_next_fire_time(None, now), str(spec.trigger)))
    for site, error in sorted(plan.broken.items()):
        log.error("site profile cannot be used: %s", error)
        state = stored.get(site)
        if state is not None:  # its job stays, and its run will be recorded as failed
            jobs.append((site, state.get("next_run_time"), str(state.get("trigger"))))
            continue
        trigger = broken_trigger(site, error.path, every)
        if trigger is None:
            continue
        jobs.append((site, trigger.get_next_fire_time(None, now), str(trigger)))
    return sorted(jobs, key=lambda job: job[0])


# ----------------------------------------------------------------- the command


class _Stop(BaseException):
    """Raised by the signal handler to leave BlockingScheduler.start() (the pattern of
    APScheduler's own examples with KeyboardInterrupt), never caught by job code."""


def _local(when: datetime | None) -> str:
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo(TIMEZONE)).isoformat() if when else "paused"


def _absolute(path: str | None) -> str | None:
    # Stored in the persistent jobs: must not depend on the working directory.
    return str(Path(path).resolve()) if path else None


def _log_jobs(
    report: SyncReport, jobs: list[tuple[str, datetime | None, str]], config: Config
) -> None:
    log.info(
        "jobs: %d (added %s, replaced %s, removed %s, broken profile %s)",
        len(jobs),
        report.added or "-",
        report.replaced or "-",
        report.removed or "-",
        report.broken or "-",
    )
    for site, next_run, trigger in jobs:
        log.info("%s: next run %s (%s)", site, _local(next_run), trigger)
    nodes = config.cluster.scrapyd_nodes
    log.info("crawls run %s", f"on Scrapyd workers {', '.join(nodes)}" if nodes else "here")


def schedule_command(
    workspace: Workspace,
    sites: str | None = None,
    *,
    list_only: bool = False,
    every: float | None = None,
    only: Sequence[str] = (),
) -> int:
    from apscheduler.schedulers.blocking import BlockingScheduler

    # The scheduler's jobs are pickled into its store, so the workspace travels as plain
    # strings below; each crawl subprocess opens its own archive.
    data, config_path, db = str(workspace.data), workspace.config_path, workspace.db
    if db:
        # Jobs keep their pickled (data, sites, config) arguments: the database reaches the
        # crawl subprocesses (and _interrupt_stale) through the environment, like --data's
        # LUUTRU_DATA would.
        os.environ["LUUTRU_DB"] = db

    if every is not None and every <= 0:
        raise ValueError("--every expects a positive number of seconds")
    _stopping.clear()
    data, sites, config_path = _absolute(data) or "", _absolute(sites), _absolute(config_path)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s"
        )
    if list_only:
        # Read-only: the job store is neither created nor synced (`luutru schedule` does).
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # stdout is the listing
        jobs = list_jobs(data, sites, config_path, every=every, only=only)
        for site, next_run, trigger in jobs:
            print(f"{site:<18} {_local(next_run):<32} {trigger}")
        return 0

    hurry, lost = threading.Event(), threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        if _stopping.is_set():
            hurry.set()  # a second signal: stop the crawls now, without the grace
            return
        log.info("%s: stopping (no new crawls)", signal.Signals(signum).name)
        _stopping.set()
        raise _Stop

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    # The daemon's lease and its jobs share one open archive (jobs find it by name).
    daemon = shared_workspace(data, config_path)
    config = daemon.config
    lease = SchedulerLease(daemon, config.cluster.scheduler_lease_seconds)
    scheduler: Any = None
    heartbeat: Heartbeat | None = None
    try:
        if not wait_until_active(lease, _stopping):
            return 0
        config, _plan, report, jobs = prepare(data, sites, config_path, every=every, only=only)
        _log_jobs(report, jobs, config)
        scheduler = _make_scheduler(BlockingScheduler, data, config, len(jobs))

        def on_lost(why: str) -> None:
            log.error("lost the scheduler lease (%s): stopping this scheduler", why)
            lost.set()
            _stopping.set()
            scheduler.shutdown(wait=False)

        heartbeat = Heartbeat(lease, on_lost)
        heartbeat.start()
        scheduler.start()
    except _Stop:
        pass
    finally:
        _stopping.set()
        if heartbeat is not None:
            heartbeat.stop()
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        grace = config.schedule.shutdown_grace_seconds
        if running_sites():
            log.info("waiting up to %.0f s for: %s", grace, ", ".join(running_sites()))
        stop_children(daemon, grace, hurry)
        if heartbeat is not None and not lost.is_set():
            lease.release()  # a standby takes over at once
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if lost.is_set():
        return 1
    log.info("scheduler stopped")
    return 0

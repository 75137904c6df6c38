"""Operators' commands: `luutru runs`, `luutru runs show ID`, `luutru log ID`, `luutru health`."""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.core import ArchiveCore

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LEVEL_IN_LINE = re.compile(r"\] (DEBUG|INFO|WARNING|ERROR|CRITICAL): ")
STAT_LINES = (
    ("requests", "downloader/request_count"),
    ("responses 200", "downloader/response_status_count/200"),
    ("responses 304", "downloader/response_status_count/304"),
    ("responses 404", "downloader/response_status_count/404"),
    ("responses 503", "downloader/response_status_count/503"),
    ("retries", "retry/count"),
    ("bytes", "downloader/response_bytes"),
    ("listing pages", "luutru/listing_pages"),
    ("new", "luutru/articles_new"),
    ("updated", "luutru/articles_updated"),
    ("unchanged", "luutru/articles_unchanged"),
    ("not modified (304)", "luutru/articles_not_modified"),
    ("removed", "luutru/articles_removed"),
    ("gone", "luutru/articles_gone"),
    ("failed", "luutru/articles_failed"),
    ("errors logged", "log_count/ERROR"),
    ("seconds", "elapsed_time_seconds"),
)


def _json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _counts(run: dict) -> str:
    stats = run["stats"]
    return (
        f"new {stats.get('luutru/articles_new', 0)}, "
        f"updated {stats.get('luutru/articles_updated', 0)}, "
        f"requests {stats.get('downloader/request_count', 0)}"
    )


def cmd_runs(args: argparse.Namespace) -> int:
    if getattr(args, "runs_command", None) == "show":
        return cmd_runs_show(args)
    archive = args.workspace.archive_core
    runs = archive.runs(args.site, limit=None)
    if args.status:
        runs = [r for r in runs if r["status"] == args.status]
    runs = runs[: args.limit]
    if args.format == "json":
        _json(runs)
        return 0
    for run in runs:
        print(
            f"{run['id']:>6}  {run['site']:<18} {run['trigger']:<8} {run['status']:<11} "
            f"{run['started_at']}  {run['mode'] or '-':<11} {_counts(run)}"
        )
        for reason in run["reasons"]:
            print(f"{'':>8}{reason}")
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    archive = args.workspace.archive_core
    run = archive.run(args.id)
    if run is None:
        raise KeyError(f"no run {args.id}")
    if args.format == "json":
        _json(run)
        return 0
    print(f"run {run['id']} of {run['site']} ({run['trigger']}, {run['mode'] or '-'} walk)")
    print(f"status   : {run['status']}")
    for reason in run["reasons"]:
        print(f"reason   : {reason}")
    print(f"started  : {run['started_at']}")
    print(f"finished : {run['finished_at'] or '-'}")
    print(f"log      : {run['log_path'] or '-'}")
    for label, key in STAT_LINES:
        if key in run["stats"]:
            print(f"  {label:<20} {run['stats'][key]}")
    return 0


def _lines(path: Path, min_level: int) -> list[str]:
    keep, out = False, []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _LEVEL_IN_LINE.search(line)
        if match:
            keep = LEVELS.index(match.group(1)) >= min_level
        if keep:  # continuation lines (tracebacks) follow their record
            out.append(line)
    return out


def cmd_log(args: argparse.Namespace) -> int:
    archive = args.workspace.archive_core
    run = archive.run(args.id)
    if run is None:
        raise KeyError(f"no run {args.id}")
    if not run["log_path"] or not Path(run["log_path"]).is_file():
        raise KeyError(f"run {args.id} has no log file (it may have been pruned)")
    path = Path(run["log_path"])
    min_level = LEVELS.index(args.level)
    for line in _lines(path, min_level):
        print(line)
    if not args.follow:
        return 0
    size = path.stat().st_size
    try:
        while True:  # `tail -f` until the run has finished and the file is quiet
            time.sleep(0.5)
            if path.stat().st_size > size:
                with path.open(encoding="utf-8", errors="replace") as fh:
                    fh.seek(size)
                    chunk = fh.read()
                size = path.stat().st_size
                for line in chunk.splitlines():
                    match = _LEVEL_IN_LINE.search(line)
                    if not match or LEVELS.index(match.group(1)) >= min_level:
                        print(line, flush=True)
            elif archive.run(args.id)["status"] != "running":
                return 0
    except KeyboardInterrupt:
        return 0


BAD_STATUSES = ("unhealthy", "failed", "broken profile")
NEVER_RUN = "never run"
# A run may be recorded a little before its fire time (clocks of other machines).
CLOCK_SLACK = timedelta(minutes=5)


def _fires_before(schedule: str, now: datetime, count: int = 2) -> list[datetime]:
    """The ``count`` latest fire times of cron ``schedule`` (Asia/Ho_Chi_Minh) at or before
    ``now``, newest first (fewer for a schedule that fires less than once in two years)."""
    from luutru.triggers import cron_trigger

    trigger = cron_trigger(schedule)
    window = timedelta(hours=1)
    tick = timedelta(microseconds=1)
    while True:
        fires: list[datetime] = []
        at = now - window
        while True:
            at = trigger.get_next_fire_time(None, at + tick)
            if at is None or at > now:
                break
            fires.append(at)
        if len(fires) >= count or window > timedelta(days=800):
            return fires[::-1][:count]
        window *= 2


def overdue(schedule: str, started_at: str | None, now: datetime) -> list[datetime]:
    """The fire times a site missed when it is overdue, else ``[]``: overdue means no run
    started since the fire time before the latest one (one missed fire is tolerated: the
    scheduler may be restarting, a run may be starting). Newest first."""
    if not started_at:
        return []
    try:
        started = datetime.fromisoformat(started_at)
        fires = _fires_before(schedule, now)
    except ValueError:  # an unreadable schedule is the profile's problem, reported there
        return []
    if started.tzinfo is None:
        started = started.replace(tzinfo=now.tzinfo)
    if len(fires) < 2 or started >= fires[1] - CLOCK_SLACK:
        return []
    return fires


def _local(when: datetime) -> str:
    return when.isoformat(timespec="minutes")


def health_report(
    archive: ArchiveCore, sites_dir: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """Every site's last run (and every broken profile): what `luutru health` prints and
    `/api/health` returns. ``ok`` is false when any site needs attention: its last run
    failed or was unhealthy, its profile is broken, it never ran, or it is overdue by its
    schedule. Each row says so in ``attention``; ``schedule`` is the profile's cron,
    ``overdue`` and ``due`` (the missed fire time) say when a run was expected."""
    from zoneinfo import ZoneInfo

    from crawler.profiles import load_profiles
    from luutru.triggers import TIMEZONE

    now = (now or datetime.now(ZoneInfo(TIMEZONE))).astimezone(ZoneInfo(TIMEZONE))
    errors: list = []
    profiles = load_profiles(sites_dir, errors)
    rows = []
    for site in sorted(set(profiles) | {r["site"] for r in archive.runs(limit=500)}):
        last = archive.runs(site, limit=1)
        run = last[0] if last else None
        profile = profiles.get(site)
        row: dict[str, Any] = {
            "site": site,
            "last_run": run["id"] if run else None,
            "started_at": run["started_at"] if run else None,
            "status": run["status"] if run else NEVER_RUN,
            "reasons": list(run["reasons"]) if run else [],
            "profile": "ok" if profile else "missing or broken",
            "schedule": profile.schedule if profile else None,
            "overdue": False,
            "due": None,
        }
        if profile is not None and run is None:
            row["reasons"].append(
                f"never ran: no run of this site in the archive (schedule {profile.schedule})"
            )
        elif profile is not None and run is not None:
            missed = overdue(profile.schedule, run["started_at"], now)
            if missed:
                row["overdue"], row["due"] = True, missed[1].isoformat()
                row["reasons"].append(
                    f"overdue: no run since {run['started_at']}, runs were due at "
                    f"{_local(missed[1])} and {_local(missed[0])} (schedule {profile.schedule},"
                    f" {TIMEZONE}): is `luutru schedule` running?"
                )
        row["attention"] = (
            row["status"] in BAD_STATUSES or row["overdue"] or (profile is not None and run is None)
        )
        rows.append(row)
    for error in errors:
        rows.append({"site": Path(error.path).stem, "status": "broken profile",
                     "reasons": [str(error)], "last_run": None, "started_at": None,
                     "profile": "broken", "schedule": None, "overdue": False, "due": None,
                     "attention": True})  # fmt: skip
    return {"ok": not any(r["attention"] for r in rows), "sites": rows, "notes": _notes(archive)}


def _notes(archive: ArchiveCore) -> list[str]:
    """Advice about the database that does not make a site need attention."""
    if archive.engine.dialect.name != "postgresql":
        return []
    from archive.pg_memory import advice, search_memory

    try:
        with archive.engine.connect() as conn:
            note = advice(*search_memory(conn))
    except Exception as exc:  # advice only: the sites' health is still reported
        return [f"could not read PostgreSQL's shared_buffers and search table size: {exc}"]
    return [note] if note else []


def cmd_health(args: argparse.Namespace) -> int:
    archive = args.workspace.archive_core
    report = health_report(archive, args.sites)
    if args.format == "json":
        _json(report)
    else:
        for row in report["sites"]:
            status = f"{row['status']}, overdue" if row["overdue"] else row["status"]
            mark = "!" if row["attention"] else " "
            print(f"{mark} {row['site']:<20} {status:<20} run {row['last_run'] or '-':<6} "
                  f"{row['started_at'] or ''}")  # fmt: skip
            for reason in row["reasons"]:
                print(f"{'':<24}{reason}")
        bad = [r for r in report["sites"] if r["attention"]]
        if bad:
            never = sum(1 for r in bad if r["status"] == NEVER_RUN)
            late = sum(1 for r in bad if r["overdue"])
            parts = [f"{never} never ran" if never else "", f"{late} overdue" if late else ""]
            detail = ", ".join(p for p in parts if p)
            print(f"{len(bad)} site(s) need attention" + (f" ({detail})" if detail else ""))
        elif report["sites"]:
            print(f"all {len(report['sites'])} sites healthy")
        else:
            print("no sites: no site profile and no run in the archive")
        for note in report["notes"]:
            print(f"note: {note}")
    return 0 if report["ok"] else 1


def add_parsers(sub: Any, common: Any) -> None:
    runs = sub.add_parser("runs", help="crawl runs: status, stats, reasons")
    runs.add_argument("--site")
    runs.add_argument("--status", choices=["running", "succeeded", "failed", "interrupted",
                                           "unhealthy"])  # fmt: skip
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--format", choices=["text", "json"], default="text")
    common(runs)
    runs_sub = runs.add_subparsers(dest="runs_command")
    show = runs_sub.add_parser("show", help="one run with its stats")
    show.add_argument("id", type=int)
    show.add_argument("--format", choices=["text", "json"], default="text")
    common(show)

    log = sub.add_parser("log", help="a run's log")
    log.add_argument("id", type=int)
    log.add_argument("--level", choices=LEVELS, default="INFO", type=str.upper)
    log.add_argument("--follow", "-f", action="store_true", help="keep printing while it runs")
    common(log)

    health = sub.add_parser("health", help="every site's last run; exit 1 if any needs attention")
    health.add_argument("--format", choices=["text", "json"], default="text")
    common(health)


COMMANDS = {"runs": cmd_runs, "log": cmd_log, "health": cmd_health}

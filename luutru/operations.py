"""Operators' commands: `luutru runs`, `luutru runs show ID`, `luutru log ID`, `luutru health`."""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

from archive.store import Archive

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
    archive = args.workspace.archive
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
    archive = args.workspace.archive
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
    archive = args.workspace.archive
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


def health_report(archive: Archive, sites_dir: str | None) -> dict[str, Any]:
    """Every site's last run (and every broken profile): what `luutru health` prints and
    `/api/health` returns. ``ok`` is false when any site needs attention."""
    from crawler.profiles import load_profiles

    errors: list = []
    profiles = load_profiles(sites_dir, errors)
    rows = []
    for site in sorted(set(profiles) | {r["site"] for r in archive.runs(limit=500)}):
        last = archive.runs(site, limit=1)
        run = last[0] if last else None
        rows.append(
            {
                "site": site,
                "last_run": run["id"] if run else None,
                "started_at": run["started_at"] if run else None,
                "status": run["status"] if run else "never run",
                "reasons": run["reasons"] if run else [],
                "profile": "ok" if site in profiles else "missing or broken",
            }
        )
    for error in errors:
        rows.append({"site": Path(error.path).stem, "status": "broken profile",
                     "reasons": [str(error)], "last_run": None, "started_at": None,
                     "profile": "broken"})  # fmt: skip
    bad = [r for r in rows if r["status"] in BAD_STATUSES]
    return {"ok": not bad, "sites": rows}


def cmd_health(args: argparse.Namespace) -> int:
    archive = args.workspace.archive
    report = health_report(archive, args.sites)
    if args.format == "json":
        _json(report)
    else:
        for row in report["sites"]:
            print(f"{row['site']:<20} {row['status']:<14} run {row['last_run'] or '-':<6} "
                  f"{row['started_at'] or ''}")  # fmt: skip
            for reason in row["reasons"]:
                print(f"{'':<22}{reason}")
        bad = sum(1 for r in report["sites"] if r["status"] in BAD_STATUSES)
        print(f"{bad} site(s) need attention" if bad else "all sites healthy")
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

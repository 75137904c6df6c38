"""What the operators' pages show, gathered without HTTP: each site's schedule with its next
and last run, status and health reasons (the schedules page), and one site's activity over
the last days (the site page's charts). The queries live in archive/activity.py and
luutru/operations.py; this module only joins them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from archive.activity import DayActivity, RunActivity, daily_activity, run_activity
from archive.store import Archive
from luutru import operations
from luutru.web.schedules import scheduled_jobs
from luutru.web.service import VIETNAM, NotFound

WINDOWS = (30, 90)  # days the site page offers


@dataclass
class ScheduleRow:
    site: str
    name: str | None  # the profile's display name; None without a profile
    schedule: str | None  # cron, Vietnam time
    next_run: str | None  # ISO 8601 +07:00
    next_source: str  # "scheduler" (its job store), "cron" (computed), "paused", "none"
    last_run: int | None
    last_started: str | None
    status: str
    reasons: list[str] = field(default_factory=list)
    attention: bool = False


def next_fire(schedule: str, now: datetime) -> str | None:
    """The cron's next fire time after ``now`` (Vietnam time), None when unreadable."""
    from luutru.triggers import cron_trigger

    try:
        when = cron_trigger(schedule).get_next_fire_time(None, now)
    except ValueError:
        return None
    return when.astimezone(VIETNAM).isoformat() if when else None


def schedule_rows(
    archive: Archive, sites_dir: str | None, data_dir: str | Path, db: str | None,
    now: datetime | None = None,
) -> tuple[list[ScheduleRow], bool]:  # fmt: skip
    """Every site (profiles, sites with runs, broken profiles, scheduler jobs) and whether
    a scheduler job store exists. The next run is the scheduler's when it has a job for
    the site, otherwise the cron's next fire time (what a running scheduler would do)."""
    now = (now or datetime.now(VIETNAM)).astimezone(VIETNAM)
    health = operations.health_report(archive, sites_dir, now)
    jobs = scheduled_jobs(data_dir, db)
    by_job = {j.id: j for j in jobs or []}
    profiles = operations_profiles(sites_dir)
    rows = []
    for h in health["sites"]:
        site = h["site"]
        job = by_job.pop(site, None)
        if job is not None:
            next_run, source = job.next_run_time, "scheduler" if job.next_run_time else "paused"
        elif h.get("schedule"):
            next_run, source = next_fire(h["schedule"], now), "cron"
        else:
            next_run, source = None, "none"
        profile = profiles.get(site)
        rows.append(ScheduleRow(
            site=site, name=profile.name if profile else None, schedule=h.get("schedule"),
            next_run=next_run, next_source=source, last_run=h.get("last_run"),
            last_started=h.get("started_at"), status=h["status"],
            reasons=list(h.get("reasons") or []), attention=bool(h.get("attention")),
        ))  # fmt: skip
    for job in by_job.values():  # a job whose site is gone: the scheduler still runs it
        rows.append(ScheduleRow(
            site=job.id, name=None, schedule=None, next_run=job.next_run_time,
            next_source="scheduler" if job.next_run_time else "paused", last_run=None,
            last_started=None, status=operations.NEVER_RUN,
            reasons=["no site profile for this scheduled job"], attention=True,
        ))  # fmt: skip
    return rows, jobs is not None


def operations_profiles(sites_dir: str | None) -> dict:
    from crawler.profiles import load_profiles

    return load_profiles(sites_dir, [])


@dataclass
class SiteActivity:
    site: str
    days: int
    first: date
    last: date
    daily: list[DayActivity]
    runs: list[RunActivity]
    schedule: ScheduleRow | None
    totals: dict[str, int]


def site_activity(
    archive: Archive, sites_dir: str | None, data_dir: str | Path, db: str | None, site: str,
    days: int, now: datetime | None = None,
) -> SiteActivity:  # fmt: skip
    """The last ``days`` days (today included) of one site; :class:`NotFound` for a site
    with neither a profile nor a run."""
    now = (now or datetime.now(VIETNAM)).astimezone(VIETNAM)
    rows, _ = schedule_rows(archive, sites_dir, data_dir, db, now)
    row = next((r for r in rows if r.site == site), None)
    if row is None:
        raise NotFound(f"no site {site!r}: no profile and no run")
    last = now.date()
    first = last - timedelta(days=days - 1)
    daily = daily_activity(archive, site, first, last)
    runs = run_activity(archive, site, first)
    totals = {
        "published": sum(d.published for d in daily),
        "archived": sum(d.archived for d in daily),
        "updated": sum(d.updated for d in daily),
        "runs": len(runs),
        "failed": sum(r.status in operations.BAD_STATUSES for r in runs),
    }
    return SiteActivity(site, days, first, last, daily, runs, row, totals)

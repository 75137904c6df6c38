"""The jobs `luutru schedule` keeps (luutru/scheduler.py): one per site profile, planned from
the profiles, then synced into the job store so that a restart keeps what did not change
(with its next run time) and replaces what did. A broken profile keeps its job, and one
without a job gets one when its schedule can still be read: its runs then fail loudly,
naming the file and key, instead of the site dropping off the schedule in silence.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.profile_model import ProfileError, SiteProfile
from crawler.profiles import load_profiles
from luutru.config import Config
from luutru.triggers import cron_trigger, interval_trigger, trigger_signature

log = logging.getLogger("luutru.scheduler")

JOB_FUNC = "luutru.scheduler:run_site"  # textual: the persistent store pickles a reference


@dataclass
class JobSpec:
    site: str
    trigger: Any
    kwargs: dict[str, Any]


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # profile broken: existing job left alone


def _declared_id(path: str) -> str:
    import tomllib

    try:
        return str(tomllib.loads(Path(path).read_text(encoding="utf-8")).get("id"))
    except (OSError, tomllib.TOMLDecodeError, AttributeError):
        return Path(path).stem


def raw_schedule(path: str) -> str | None:
    import tomllib

    try:
        value = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("schedule")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) else None


@dataclass
class Plan:
    specs: dict[str, JobSpec]
    broken: dict[str, ProfileError]  # site id → why its profile cannot load
    kwargs: dict[str, Any]  # the job arguments every site shares (data, sites, config)


def plan_jobs(
    data: str,
    sites: str | None,
    config_path: str | None,
    config: Config,
    *,
    every: float | None = None,
    only: Sequence[str] = (),
) -> Plan:
    """The job each site profile should have (``only``: these sites and no others)."""
    errors: list[ProfileError] = []
    profiles: dict[str, SiteProfile] = load_profiles(sites, errors)
    kwargs = {"data": data, "sites": sites, "config": config_path}
    wanted = set(only)
    specs: dict[str, JobSpec] = {}
    broken: dict[str, ProfileError] = {}
    for error in errors:
        site = _declared_id(error.path)
        if site not in profiles and (not wanted or site in wanted):
            broken[site] = error
    unknown = wanted - set(profiles) - set(broken)
    if unknown:
        raise KeyError(f"no site profile with id(s) {', '.join(sorted(unknown))}")
    for site, profile in profiles.items():
        if wanted and site not in wanted:
            continue
        jitter = profile.schedule_jitter or config.schedule.jitter_seconds
        try:
            trigger = interval_trigger(every) if every else cron_trigger(profile.schedule, jitter)
        except ValueError as exc:
            broken[site] = ProfileError(profile.source_path, "schedule", str(exc))
            continue
        specs[site] = JobSpec(site, trigger, {"site": site, **kwargs})
    return Plan(specs, broken, kwargs)


def sync_jobs(scheduler: Any, plan: Plan, misfire_grace: int) -> SyncReport:
    """Make the job store match the profiles: add new sites, replace changed jobs (their
    next run time is recomputed), remove jobs of deleted profiles, keep the rest untouched
    (with their stored next run times).

    A broken profile keeps its existing job unchanged: its scheduled run then happens and
    is recorded as a failed run whose log names the file and the key, so the breakage
    shows up in `runs`/notifications instead of the site silently dropping off the
    schedule. A broken profile without a job gets one if its schedule is still readable
    (or with ``--every``), for the same reason."""
    report = SyncReport()
    existing = {job.id: job for job in scheduler.get_jobs()}
    for site, error in sorted(plan.broken.items()):
        log.error("site profile cannot be used: %s", error)
        report.broken.append(site)
    for site in existing:
        if site not in plan.specs and site not in plan.broken:
            scheduler.remove_job(site)
            report.removed.append(site)
    for site, spec in sorted(plan.specs.items()):
        job = existing.get(site)
        same = (
            job is not None
            and job.func_ref == JOB_FUNC
            and job.kwargs == spec.kwargs
            and not job.args
            and job.misfire_grace_time == misfire_grace
            and trigger_signature(job.trigger) == trigger_signature(spec.trigger)
        )
        if same:
            report.kept.append(site)
            continue
        scheduler.add_job(
            JOB_FUNC,
            trigger=spec.trigger,
            id=site,
            name=f"crawl {site}",
            kwargs=spec.kwargs,
            replace_existing=True,
            misfire_grace_time=misfire_grace,
        )
        (report.replaced if job is not None else report.added).append(site)
    return report


def add_broken_jobs(
    scheduler: Any, plan: Plan, report: SyncReport, misfire_grace: int, every: float | None
) -> None:
    """Broken profiles without a job: schedule them anyway when the schedule is known."""
    existing = {job.id for job in scheduler.get_jobs()}
    for site, error in sorted(plan.broken.items()):
        if site in existing:
            continue
        trigger = broken_trigger(site, error.path, every)
        if trigger is None:
            continue
        scheduler.add_job(
            JOB_FUNC,
            trigger=trigger,
            id=site,
            name=f"crawl {site}",
            kwargs={"site": site, **plan.kwargs},
            misfire_grace_time=misfire_grace,
        )
        report.added.append(site)


def broken_trigger(site: str, path: str, every: float | None) -> Any | None:
    """The trigger of a broken profile's job, from its schedule line alone (or ``--every``);
    None, logged, when that cannot be read either."""
    try:
        return interval_trigger(every) if every else cron_trigger(raw_schedule(path) or "")
    except ValueError:
        log.error("%s: not scheduled: its schedule cannot be read", site)
        return None

"""The operators' pages: the schedules page (each site's schedule, next and last run,
status and health reasons) and one site's page (articles published, archived and updated
per day; runs per day by status; each run's duration) with server-drawn SVG charts.

Data comes from operator_data.py (queries in archive/activity.py); this module turns it
into charts (charts.py) and pages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from archive.activity import DayActivity, RunActivity
from luutru.web import operator_data
from luutru.web.charts import BarChart, Series, render
from luutru.web.i18n import translator
from luutru.web.pages import ArchiveDep, _render, _settings, pick_language
from luutru.web.schedules import job_store_name
from luutru.web.service import RUN_STATUSES, BadRequest
from luutru.web.timefmt import local_text, parse

router = APIRouter(include_in_schema=False)


def _day_label(day: str) -> str:
    return f"{day[8:10]}/{day[5:7]}"


def articles_chart(daily: list[DayActivity], lang: str) -> Markup:
    t = translator(lang)
    labels = [_day_label(d.day) for d in daily]
    return render(BarChart(
        title=t("site.chart.articles"), chart_id="chart-articles",
        categories=[d.day for d in daily], x_labels=labels,
        series=[Series("published", t("site.published"), [d.published for d in daily]),
                Series("archived", t("site.archived"), [d.archived for d in daily]),
                Series("updated", t("site.updated"), [d.updated for d in daily])],
        y_label=t("site.axis.articles"), x_label=t("site.axis.day"),
    ))  # fmt: skip


def runs_per_day_chart(daily: list[DayActivity], runs: list[RunActivity], lang: str) -> Markup:
    """Runs started per day, stacked by final status: failures stand out in time."""
    t = translator(lang)
    days = [d.day for d in daily]
    counts = {s: dict.fromkeys(days, 0) for s in RUN_STATUSES}
    for run in runs:
        day, status = run.started_at[:10], run.status if run.status in counts else "failed"
        if day in counts[status]:
            counts[status][day] += 1
    return render(BarChart(
        title=t("site.chart.runs"), chart_id="chart-runs", stacked=True,
        categories=days, x_labels=[_day_label(d) for d in days],
        series=[Series(s, t("run.status." + s), list(counts[s].values()))
                for s in RUN_STATUSES],
        y_label=t("site.axis.runs"), x_label=t("site.axis.day"),
    ))  # fmt: skip


def _duration_unit(longest: float) -> tuple[float, str]:
    """(seconds per unit, message key): seconds under 2 min, minutes under 2 h, hours."""
    if longest < 120:
        return 1.0, "site.unit.s"
    if longest < 7200:
        return 60.0, "site.unit.min"
    return 3600.0, "site.unit.h"


def durations_chart(runs: list[RunActivity], lang: str) -> Markup | None:
    """One bar per run (oldest left), coloured by status; None without runs."""
    if not runs:
        return None
    t = translator(lang)
    per, unit = _duration_unit(max((r.seconds or 0.0) for r in runs))
    values = [None if r.seconds is None else round(r.seconds / per, 2) for r in runs]
    labels, tips = [], []
    for run, value in zip(runs, values, strict=True):
        started = parse(run.started_at)
        labels.append(local_text(started)[:5] if started else run.started_at[:10])
        shown = "—" if value is None else f"{value:g} {t(unit)}"
        when = local_text(started) if started else run.started_at
        tips.append(f"#{run.id} {when}: {shown} · {t('run.status.' + run.status)}")
    present = [s for s in RUN_STATUSES if any(r.status == s for r in runs)]
    return render(BarChart(
        title=t("site.chart.durations"), chart_id="chart-durations", integer=False,
        categories=[str(r.id) for r in runs], x_labels=labels,
        series=[Series("duration", t("site.duration"), values)],
        bar_classes=[r.status for r in runs], tooltips=tips,
        legend=[(s, t("run.status." + s)) for s in present],
        y_label=f"{t('site.duration')} ({t(unit)})", x_label=t("site.axis.started"),
    ))  # fmt: skip


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request, archive: ArchiveDep) -> HTMLResponse:
    settings = _settings(request)
    rows, has_store = operator_data.schedule_rows(
        archive, settings.sites, settings.data, settings.db
    )
    return _render(request, "schedules.html", rows=rows, has_store=has_store,
                   store=job_store_name(settings.data, settings.db))  # fmt: skip


@router.get("/sites/{site}", response_class=HTMLResponse)
def site_page(
    request: Request,
    archive: ArchiveDep,
    site: str,
    days: Annotated[int, Query(description="30 or 90")] = 30,
) -> HTMLResponse:
    settings = _settings(request)
    if days not in operator_data.WINDOWS:
        raise BadRequest(f"days must be one of {', '.join(map(str, operator_data.WINDOWS))}")
    activity = operator_data.site_activity(
        archive, settings.sites, settings.data, settings.db, site, days
    )
    lang = pick_language(request)
    return _render(
        request, "site.html", activity=activity, row=activity.schedule,
        windows=operator_data.WINDOWS,
        articles_chart=articles_chart(activity.daily, lang),
        runs_chart=runs_per_day_chart(activity.daily, activity.runs, lang),
        durations_chart=durations_chart(activity.runs, lang),
        recent_runs=list(reversed(activity.runs))[:20],
    )  # fmt: skip

"""The "Thay đổi / Changes" page and /api/changes: new, edited and removed articles of the
runs in a window of days, grouped by day and site (archive/changes.py), and the list of
what one run changed, shown on that run's page (the ``run_changes`` template global).

Dates are read as the CLI reads them (luutru/dates.py: today, yesterday, Nd, DD/MM/YYYY,
YYYY-MM-DD); a bad one is a 400 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from archive.changes import by_day_and_site, changes, counts
from luutru.changes_cli import DEFAULT_SINCE, with_links
from luutru.web import service
from luutru.web.pages import ArchiveDep, _profiles, _render, templates
from luutru.web.service import BadRequest

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["api"])
RUN_PAGE_MAX = 500  # changes listed on a run's page (a first full crawl adds thousands)


class ChangeOut(BaseModel):
    day: str
    site: str
    kind: str
    id: str
    title: str
    version: int
    previous: int | None = None
    at: str
    run_id: int | None = None
    url: str
    link: str
    diff: str | None = None


class ChangesOut(BaseModel):
    since: str | None
    until: str | None
    counts: dict[str, int]
    changes: list[ChangeOut]


def _window(since: str | None, until: str | None) -> tuple[str, str | None]:
    first = service.parse_day(since or DEFAULT_SINCE, "since")
    last = service.parse_day(until, "until")
    assert first is not None  # a default always names a day
    if last and first > last:
        raise BadRequest(f"since {first} is after until {last}: nothing to list")
    return first, last


def _query(archive: Any, since: str | None, until: str | None, site: list[str] | None) -> dict:
    first, last = _window(since, until)
    found = changes(archive, since=first, until=last, sites=[s for s in site or [] if s] or None)
    return {"since": first, "until": last, "found": found, "counts": counts(found)}


@api_router.get("/changes", response_model=ChangesOut, responses={400: {"model": dict}})
def api_changes(
    archive: ArchiveDep,
    since: Annotated[str | None, Query(description="day: YYYY-MM-DD, DD/MM/YYYY, Nd…")] = None,
    until: Annotated[str | None, Query(description="last day (inclusive)")] = None,
    site: Annotated[list[str] | None, Query(description="site id (repeatable)")] = None,
) -> dict[str, Any]:
    """New, edited and removed articles of the runs started in the window (default 7d)."""
    result = _query(archive, since, until, site)
    return {"since": result["since"], "until": result["until"], "counts": result["counts"],
            "changes": [with_links(c) for c in result["found"]]}  # fmt: skip


@router.get("/changes", response_class=HTMLResponse)
def changes_page(
    request: Request,
    archive: ArchiveDep,
    since: str | None = None,
    until: str | None = None,
    site: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    error = None
    try:
        result = _query(archive, since, until, site)
    except BadRequest as exc:
        error, result = str(exc), {"since": None, "until": None, "found": [], "counts": {}}
    rows = {(c.id, c.version, c.kind): with_links(c) for c in result["found"]}
    names = sorted(set(_profiles(request)) | {r["site"] for r in archive.runs(limit=500)})
    return _render(
        request,
        "changes.html",
        status=400 if error else 200,
        error=error,
        since=since or DEFAULT_SINCE,
        until=until or "",
        chosen=site or [],
        sites=names,
        window=result,
        days=by_day_and_site(result["found"]),
        rows=rows,
    )


def run_changes(request: Request, run_id: int) -> dict[str, Any]:
    """What run ``run_id`` changed, for run.html (a template global)."""
    found = changes(request.app.state.archive, run_id=run_id)
    return {"counts": counts(found), "rows": [with_links(c) for c in found[:RUN_PAGE_MAX]],
            "more": max(0, len(found) - RUN_PAGE_MAX)}  # fmt: skip


templates.env.globals["run_changes"] = run_changes

"""The JSON API under /api. Typed routes and response models: FastAPI derives
/openapi.json from them. Errors are ``{"error": message}`` with 400 / 404 / 503."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict

from archive.lookup import article_ref_for_url, is_web_url
from archive.store import Archive
from luutru.operations import LEVELS
from luutru.web import service
from luutru.web.cached_search import cached_search
from luutru.web.service import SearchParams

router = APIRouter(prefix="/api", tags=["api"])


def archive_of(request: Request) -> Archive:
    return request.app.state.archive


ArchiveDep = Annotated[Archive, Depends(archive_of)]


# --------------------------------------------------------------------------- models


class ErrorOut(BaseModel):
    error: str


class _Open(BaseModel):
    # Archive rows grow columns over time; new ones pass through instead of vanishing.
    model_config = ConfigDict(extra="allow")


class HitOut(_Open):
    id: str
    site: str
    title: str
    date: str | None = None
    author: str | None = None
    category: str | None = None
    status: str | None = None
    url: str | None = None
    version: int | None = None
    score: float | None = None
    snippet: str | None = None
    snippet_html: str | None = None
    title_html: str | None = None
    link: str


class SearchOut(BaseModel):
    total: int
    total_is_lower_bound: bool = False
    # relevance ranked the newest this many matches first, older ones after (null: all)
    ranking_window: int | None = None
    limit: int
    offset: int
    hits: list[HitOut]
    # matches per site, province, department, category, author, year and month:
    # {"site": [{"value", "label", "count"}], …, "counted", "partial", "undated"}
    facets: dict[str, Any] | None = None


class NearDuplicateOut(_Open):
    id: str
    title: str | None = None
    similarity: float
    link: str


class ArticleOut(_Open):
    id: str
    site: str
    article_key: str
    url: str
    aliases: list[str]
    title: str
    date: str | None = None
    author: str | None = None
    status: str
    removed_at: str | None = None
    version: int
    version_count: int
    warc: str | None = None
    citation: str
    capture: str | None = None
    near_duplicates: list[NearDuplicateOut]


class VersionOut(_Open):
    number: int
    fetched_at: str
    content_hash: str
    title: str
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    citation: str
    capture: str | None = None


class VersionsOut(BaseModel):
    id: str
    version_count: int
    versions: list[VersionOut]


class DiffOpOut(BaseModel):
    op: str  # equal | delete | insert
    text: str


class FieldDiffOut(BaseModel):
    field: str
    changed: bool
    ops: list[DiffOpOut]


class DiffOut(BaseModel):
    id: str
    a: int
    b: int
    a_fetched_at: str
    b_fetched_at: str
    changed: list[str]
    summary: str = ""  # "title changed; 1 paragraph rewritten; date moved 24/01 → 26/01"
    summary_items: list[dict[str, Any]] = []  # the same as {code, …values}, to word it anew
    fields: list[FieldDiffOut]


class RunOut(_Open):
    id: int
    site: str
    trigger: str
    started_at: str
    finished_at: str | None = None
    status: str
    mode: str | None = None
    stats: dict[str, Any]
    reasons: list[str]
    log_path: str | None = None


class LastRunOut(BaseModel):
    id: int
    status: str
    started_at: str
    finished_at: str | None = None
    reasons: list[str]


class SiteOut(BaseModel):
    id: str
    name: str
    province: str
    department: str
    cms: str
    schedule: str
    start_urls: list[str]
    verified_offline: bool
    last_run: LastRunOut | None


class HealthSiteOut(_Open):  # `luutru health` grows fields: they pass through as it adds them
    site: str
    last_run: int | None
    started_at: str | None
    status: str
    reasons: list[str]
    profile: str
    schedule: str | None = None
    overdue: bool = False  # no run since the fire time before the latest one
    due: str | None = None
    attention: bool = False  # unhealthy, failed, never run or overdue


class HealthOut(BaseModel):
    ok: bool
    sites: list[HealthSiteOut]
    notes: list[str] = []  # advice about the database (archive/pg_memory.py), not a fault


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}}
BAD: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}}


# --------------------------------------------------------------------------- routes


# the exact filters, fed by the facets (archive/search_filters.py)
EXACT_HELP = "exactly this value, as a facet lists it (case and diacritics folded; repeatable)"


def search_params(
    q: Annotated[
        str, Query(description="query, as the search syntax; empty: the newest articles")
    ] = "",
    site: Annotated[list[str] | None, Query(description="site id (repeatable)")] = None,
    province: str | None = None,
    department: str | None = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    author: Annotated[str | None, Query(description="author contains (typed input)")] = None,
    category: Annotated[str | None, Query(description="category contains (typed input)")] = None,
    author_is: Annotated[list[str] | None, Query(description=EXACT_HELP)] = None,
    category_is: Annotated[list[str] | None, Query(description=EXACT_HELP)] = None,
    province_is: Annotated[list[str] | None, Query(description=EXACT_HELP)] = None,
    department_is: Annotated[list[str] | None, Query(description=EXACT_HELP)] = None,
    status: Annotated[str | None, Query(description="live | removed")] = None,
    exact: Annotated[bool, Query(description="match diacritics exactly")] = False,
    all_versions: Annotated[bool, Query(description="search old versions too")] = False,
    sort: Annotated[str, Query(description="relevance, or an order search accepts")] = "relevance",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    facets: Annotated[bool, Query(description="count matches per site, province, …")] = True,
) -> SearchParams:
    return SearchParams(
        q=q,
        sites=[s for s in site or [] if s],
        province=province,
        department=department,
        date_from=date_from,
        date_to=date_to,
        author=author,
        category=category,
        exact_values={
            "author": author_is or [],
            "category": category_is or [],
            "province": province_is or [],
            "department": department_is or [],
        },
        status=status,
        exact=exact,
        all_versions=all_versions,
        sort=sort,
        limit=limit,
        offset=offset,
        facets=facets,
    )


@router.get("/search", response_model=SearchOut, responses={**BAD, 503: {"model": ErrorOut}})
def api_search(
    request: Request,
    archive: ArchiveDep,
    params: Annotated[SearchParams, Depends(search_params)],
) -> dict[str, Any]:
    """Full-text search with filters; a query syntax error is a 400 with its message.
    Without a query: the newest articles (publication date, then archive order) under
    the same filters and paging."""
    return cached_search(archive, params, request.app.state.cache)


@router.get("/articles", response_model=ArticleOut, responses={**NOT_FOUND, **BAD})
def api_article_by_url(
    archive: ArchiveDep,
    url: Annotated[str, Query(description="any URL the article was seen under (http/https)")],
) -> dict[str, Any]:
    """The article seen under ``url``: its canonical URL, a URL it was fetched under or
    any alias (also the other scheme or a lower-case host); 404 when none was."""
    url = url.strip()
    if not is_web_url(url):
        raise service.BadRequest(f"url must be an absolute http(s) URL, not {url[:80]!r}")
    ref = article_ref_for_url(archive, url)
    if ref is None:
        raise service.NotFound(f"no article was seen under {url}")
    with archive.reading():  # one connection for its reads (archive/core.py)
        return service.article_payload(archive, ref)


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=NOT_FOUND)
def api_article(archive: ArchiveDep, article_id: str) -> dict[str, Any]:
    """The current version of an article ("site:key"), its aliases, status, version count
    and near-duplicates."""
    with archive.reading():
        return service.article_payload(archive, article_id)


@router.get("/articles/{article_id}/versions", response_model=VersionsOut, responses=NOT_FOUND)
def api_versions(archive: ArchiveDep, article_id: str) -> dict[str, Any]:
    """Every version, oldest first, with its capture time, WARC pointer and citation link."""
    with archive.reading():
        article, versions = service.versions_payload(archive, article_id)
    return {"id": article["id"], "version_count": len(versions), "versions": versions}


@router.get("/articles/{article_id}/diff", response_model=DiffOut, responses={**NOT_FOUND, **BAD})
def api_diff(
    archive: ArchiveDep,
    article_id: str,
    a: Annotated[int | None, Query(description="old version (default: b - 1)")] = None,
    b: Annotated[int | None, Query(description="new version (default: current)")] = None,
) -> dict[str, Any]:
    """Word-level diff a → b, changed fields first."""
    with archive.reading():
        return service.diff_payload(archive, article_id, a, b)


@router.get("/runs", response_model=list[RunOut])
def api_runs(
    archive: ArchiveDep,
    site: str | None = None,
    status: Annotated[str | None, Query(description=" | ".join(service.RUN_STATUSES))] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[dict[str, Any]]:
    """Crawl runs, newest first."""
    return service.runs_payload(archive, site, status, limit)


@router.get("/runs/{run_id}", response_model=RunOut, responses=NOT_FOUND)
def api_run(archive: ArchiveDep, run_id: int) -> dict[str, Any]:
    return service.get_run(archive, run_id)


@router.get(
    "/runs/{run_id}/log",
    response_class=PlainTextResponse,
    responses={**NOT_FOUND, **BAD, 200: {"content": {"text/plain": {}}}},
)
def api_run_log(
    archive: ArchiveDep,
    run_id: int,
    level: Annotated[str, Query(description=" | ".join(LEVELS))] = "INFO",
) -> PlainTextResponse:
    """The run's log at ``level`` and above, as `luutru log ID --level LEVEL`."""
    lines = service.run_log(archive, run_id, level)
    return PlainTextResponse("\n".join(lines) + ("\n" if lines else ""))


@router.get("/sites", response_model=list[SiteOut])
def api_sites(request: Request, archive: ArchiveDep) -> list[dict[str, Any]]:
    """Site profiles with their last run."""
    return service.sites_payload(archive, request.app.state.settings.sites)


@router.get("/health", response_model=HealthOut)
def api_health(request: Request, archive: ArchiveDep) -> dict[str, Any]:
    """`luutru health --format json`; HTTP 200 even when ``ok`` is false (a monitor reads
    the body: the service itself is up)."""
    return service.health_report(archive, request.app.state.settings.sites)

"""Server-rendered pages (Jinja2, autoescape on, no JavaScript): search, article with
versions and diffs, the isolated capture, runs, a run's log; and the one write action,
"run now". The schedules and site pages are in operators.py.

Archived text only ever reaches HTML escaped. The two exceptions are built here, not
trusted: search highlights (re-escaped, only ``<mark>`` survives, :func:`safe_highlight`)
and diff markup (``<del>``/``<ins>`` around escaped text, in the template). URLs from
captured pages (canonical URL, aliases, attachments) become links only through the
``url_link`` filter (:func:`url_link`): http(s) only, any other scheme shown as text.
"""

from __future__ import annotations

import hmac
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from archive.export import csv_chunks
from archive.store import Archive
from luutru.operations import LEVELS
from luutru.web import service, timefmt
from luutru.web.api import archive_of, search_params
from luutru.web.attachments import files_of
from luutru.web.cached_search import cached_search
from luutru.web.feeds import feed_link
from luutru.web.highlight import safe_highlight
from luutru.web.i18n import LANGUAGES, pick_language, translator
from luutru.web.service import BadRequest, SearchParams, SearchUnavailable
from luutru.web.settings import CAPTURE_HEADERS, WebSettings

router = APIRouter(include_in_schema=False)
# The one write action is part of the OpenAPI description (scripts call it with Bearer).
operator_router = APIRouter(tags=["operator"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# Jinja2Templates turns autoescape on for .html; say so explicitly, it is the XSS defence.
templates.env.autoescape = True

PAGE_SIZE = 20
EXPORT_MAX = 10_000  # rows in one CSV/JSONL export of a result set
EXPORT_PAGE = 200
CHART_RUNS = 20  # runs per site in the dashboard's bar chart
EXPORT_FIELDS = ("id", "site", "title", "date", "author", "category", "status", "url",
                 "version", "score", "snippet", "link")  # fmt: skip


# --------------------------------------------------------------------------- helpers


# What a browser reads as an http(s) URL, from the first character: it strips leading
# spaces and control characters and tabs or newlines anywhere before it reads a scheme, so
# "java\tscript:" and " javascript:" are scripts to it, and only an exact, literal
# "http://" or "https://" at position 0 (any case) is let through.
_WEB_URL = re.compile(r"https?://", re.IGNORECASE | re.ASCII)


def is_web_url(value: Any) -> bool:
    return isinstance(value, str) and _WEB_URL.match(value) is not None


def url_link(value: Any) -> Markup:
    """A URL from a captured page (canonical URL, alias, attachment) as a link when it is
    http(s); anything else (``javascript:``, ``data:``, ``vbscript:``, a relative or
    protocol-relative path …) as text, never in an ``href``. The one place stored URLs
    reach markup: the ``url_link`` filter in the templates."""
    text = "" if value is None else str(value)
    if is_web_url(text):
        return Markup(
            '<a href="{0}" rel="noopener noreferrer nofollow" class="external">{0}</a>'
        ).format(text)
    return Markup('<span class="url not-a-link">{0}</span>').format(text)


templates.env.filters["url_link"] = url_link
timefmt.install(templates.env)  # `when` / `when_text`: local time with "3 giờ trước"


def _settings(request: Request) -> WebSettings:
    return request.app.state.settings


def _context(request: Request, **values: Any) -> dict[str, Any]:
    lang = pick_language(request)
    explicit = request.query_params.get("lang") in LANGUAGES

    def link(path: str, **params: Any) -> str:
        """A URL of ours that keeps an explicit ?lang= choice."""
        query = [(k, v) for k, v in params.items() if v not in (None, "", False)]
        if explicit:
            query.append(("lang", lang))
        return path + ("?" + urlencode(query, doseq=True) if query else "")

    other = "en" if lang == "vi" else "vi"
    switch = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    switch.append(("lang", other))
    return {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "link": link,
        "switch_url": request.url.path + "?" + urlencode(switch),
        "writes_enabled": bool(_settings(request).operator_token),
        **values,
    }


def _render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, _context(request, **values), status_code=status
    )
    response.headers["Content-Language"] = pick_language(request)
    return response


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return _render(request, "error.html", status=status, status_code=status, message=message)


def _profiles(request: Request) -> dict:
    return request.app.state.cache.profiles(_settings(request).sites)


ArchiveDep = Annotated[Archive, Depends(archive_of)]


# --------------------------------------------------------------------------- search


def _page_params(
    params: Annotated[SearchParams, Depends(search_params)],
    page: Annotated[int, Query(ge=1)] = 1,
) -> SearchParams:
    params.limit = PAGE_SIZE
    params.offset = (page - 1) * PAGE_SIZE
    return params


@router.get("/", response_class=HTMLResponse)
@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    archive: ArchiveDep,
    params: Annotated[SearchParams, Depends(_page_params)],
) -> HTMLResponse:
    result, error, unavailable = None, None, None
    if params.q.strip():  # an empty box is the start page, not a syntax error
        try:
            result = cached_search(archive, params, request.app.state.cache)
        except BadRequest as exc:
            error = str(exc)
        except SearchUnavailable as exc:
            unavailable = str(exc)
    for hit in result["hits"] if result else []:
        hit["title_markup"] = safe_highlight(hit.get("title_html") or escape(hit["title"]))
        hit["snippet_markup"] = safe_highlight(hit.get("snippet_html"))
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "format")]
    page = params.offset // PAGE_SIZE + 1
    pages = math.ceil(result["total"] / PAGE_SIZE) if result else 0
    profiles = _profiles(request)
    return _render(
        request,
        "search.html",
        status=400 if error else 200,
        params=params,
        result=result,
        error=error,
        unavailable=unavailable,
        page=page,
        pages=pages,
        query=query,
        page_url=lambda n: "/search?" + urlencode([*query, ("page", n)]),
        export_url=lambda fmt: "/search/export?" + urlencode([("format", fmt), *query]),
        profiles=sorted(profiles.values(), key=lambda p: p.id),
        provinces=sorted({p.province for p in profiles.values() if p.province}),
        departments=sorted({p.department for p in profiles.values() if p.department}),
        feed_url=feed_link(params.q, params.sites),  # this search as a saved-search feed
    )


@router.get("/search/export")
def search_export(
    archive: ArchiveDep,
    params: Annotated[SearchParams, Depends(search_params)],
    format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "csv",
) -> Response:
    """The whole result set (up to EXPORT_MAX rows), not just the page on screen."""
    params.limit, params.offset, params.facets = EXPORT_PAGE, 0, False
    first = service.run_search(archive, params)  # errors surface before streaming starts

    def hits() -> Iterator[dict[str, Any]]:
        batch, sent = first, 0
        while batch["hits"] and sent < EXPORT_MAX:
            for hit in batch["hits"][: EXPORT_MAX - sent]:
                yield hit
                sent += 1
            params.offset += EXPORT_PAGE
            batch = service.run_search(archive, params)

    def lines() -> Iterator[str]:
        if format == "jsonl":
            for hit in hits():
                row = {k: hit.get(k) for k in EXPORT_FIELDS}
                yield json.dumps(row, ensure_ascii=False) + "\n"
            return
        # A BOM so Excel reads it as UTF-8; lists as JSON (archive/export.py).
        rows = ({k: hit.get(k) for k in EXPORT_FIELDS} for hit in hits())
        yield from csv_chunks(rows, EXPORT_FIELDS)

    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(
        lines(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="luutru-search.{format}"'},
    )


# --------------------------------------------------------------------------- articles


def _article_page(
    request: Request, archive: Archive, ref: str, number: int | None, a: int | None,
    b: int | None,
) -> HTMLResponse:  # fmt: skip
    with archive.reading():  # its reads on one connection (archive/core.py says why)
        return _article_page_read(request, archive, ref, number, a, b)


def _article_page_read(
    request: Request, archive: Archive, ref: str, number: int | None, a: int | None,
    b: int | None,
) -> HTMLResponse:  # fmt: skip
    article = service.article_payload(archive, ref)
    _, versions = service.versions_payload(archive, ref)
    if number is None:
        shown = versions[-1]
    else:
        shown = next((v for v in versions if v["number"] == number), None)
        if shown is None:
            raise service.NotFound(f"article {article['id']} has no version {number}")
    diff = None
    if len(versions) > 1:
        diff = service.diff_payload(archive, ref, a, b)
    cluster = archive.near_duplicate_cluster(service.find_article(archive, ref)["article_id"])
    paragraphs = [p for p in (shown.get("body") or "").split("\n\n") if p.strip()]
    return _render(
        request,
        "article.html",
        article=article,
        versions=versions,
        shown=shown,
        is_current=shown["number"] == article["version"],
        paragraphs=paragraphs,
        diff=diff,
        cluster=cluster,
        article_path=service.article_path,
        files=files_of(archive, ref),  # attached files as archived (luutru/web/attachments.py)
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    archive: ArchiveDep,
    article_id: str,
    a: int | None = None,
    b: int | None = None,
) -> HTMLResponse:
    return _article_page(request, archive, article_id, None, a, b)


@router.get("/articles/{article_id}/versions/{number}", response_class=HTMLResponse)
def version_page(
    request: Request,
    archive: ArchiveDep,
    article_id: str,
    number: int,
    a: int | None = None,
    b: int | None = None,
) -> HTMLResponse:
    """The stable citation URL of one version: its text as captured, with the timeline."""
    return _article_page(request, archive, article_id, number, a, b)


@router.get("/captures/{article_id}/{number}")
def capture(request: Request, archive: ArchiveDep, article_id: str, number: int) -> Response:
    """The archived page as served, for ``<iframe sandbox>`` only: the CSP's ``sandbox``
    keeps its scripts from running even when this URL is opened directly."""
    _, version = service.version_payload(archive, article_id, number)
    captured = service.read_capture(_settings(request).data, version)
    return Response(
        captured.payload,
        media_type=captured.content_type,
        headers=CAPTURE_HEADERS,
    )


# --------------------------------------------------------------------------- runs


def _chart(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars (oldest left) of items per run, as numbers the template draws in SVG."""
    runs = list(reversed(runs[:CHART_RUNS]))
    height, bar, gap = 40, 8, 2
    top = max([service.items_per_run(r) for r in runs] + [1])
    bars = []
    for i, run in enumerate(runs):
        items = service.items_per_run(run)
        h = max(round(items / top * height), 1)
        bars.append({"x": i * (bar + gap), "y": height - h, "w": bar, "h": h, "items": items,
                     "run": run})  # fmt: skip
    return {"width": max(len(runs) * (bar + gap), 1), "height": height, "bars": bars}


@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request, archive: ArchiveDep, site: str | None = None) -> HTMLResponse:
    _settings(request).reap()
    profiles = _profiles(request)
    names = sorted(set(profiles) | {r["site"] for r in archive.runs(limit=500)})
    if site:
        names = [n for n in names if n == site]
    rows = []
    for name in names:
        runs = archive.runs(name, limit=CHART_RUNS)
        for run in runs:
            run["counts"] = service.run_counts(run)
            run["items"] = service.items_per_run(run)
        rows.append({"site": name, "profile": profiles.get(name), "runs": runs,
                     "last": runs[0] if runs else None, "chart": _chart(runs)})  # fmt: skip
    return _render(request, "runs.html", rows=rows, site=site)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request,
    archive: ArchiveDep,
    run_id: int,
    level: Annotated[str, Query()] = "INFO",
) -> HTMLResponse:
    run = service.get_run(archive, run_id)
    try:
        log, log_error = service.run_log(archive, run_id, level), None
    except service.NotFound as exc:
        log, log_error = None, str(exc)
    run["counts"] = service.run_counts(run)
    return _render(
        request, "run.html", run=run, log=log, log_error=log_error, level=level.upper(),
        levels=LEVELS,
    )  # fmt: skip


def _token_from(request: Request, form: dict[str, list[str]]) -> tuple[str, bool]:
    """(token, came as a Bearer header)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), True
    return (form.get("token") or [""])[0], False


@operator_router.post("/runs/now", status_code=202)
async def run_now(request: Request) -> Response:
    """Start a crawl of ``site`` now (a background `luutru crawl SITE --quiet`).

    Needs the operator token (``Authorization: Bearer TOKEN`` or a form field ``token``);
    403 when none is configured. Form posts are redirected to the runs page; Bearer
    callers get 202 JSON."""
    settings = _settings(request)
    form: dict[str, list[str]] = {}
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # Parsed by hand: FastAPI's Form() would pull in python-multipart for one field.
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token, bearer = _token_from(request, form)
    if not settings.operator_token:
        raise HTTPException(403, "writes are disabled: no [server] operator_token configured")
    if not hmac.compare_digest(token.encode(), settings.operator_token.encode()):
        raise HTTPException(403, "wrong or missing operator token")
    site = (form.get("site") or [request.query_params.get("site", "")])[0]
    if site not in _profiles(request):
        raise HTTPException(404, f"no site profile {site!r}")
    settings.reap()
    command = settings.crawl_command(site)
    child = settings.launcher(command)
    settings.children.append(child)
    if bearer:
        return JSONResponse(
            {"site": site, "pid": getattr(child, "pid", None), "command": command},
            status_code=202,
        )
    return RedirectResponse("/runs?" + urlencode({"site": site}), status_code=303)

"""What the API and the pages share: reads over one archive, shaped as plain dicts.

No HTTP here: every function takes an :class:`~archive.store.Archive` (or a data
directory) and returns JSON-ready data or raises :class:`NotFound` / :class:`BadRequest`,
which app.py turns into 404 / 400 (JSON for the API, a page for the UI).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from archive.diff import diff_versions, to_json
from archive.diff_view import summary, summary_text
from archive.store import Archive
from archive.warc import WarcError, WarcPointer, read_record
from luutru import operations
from luutru.dates import parse_date
from luutru.operations import LEVELS, _lines

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
RUN_STATUSES = ("running", "succeeded", "failed", "interrupted", "unhealthy")


class NotFound(LookupError):
    """An unknown article, version, run or log: 404."""


class BadRequest(ValueError):
    """A request the archive cannot answer as asked (bad version numbers …): 400."""


class SearchUnavailable(RuntimeError):
    """archive/search.py is missing or broken: 503, the rest of the UI keeps working."""


# --------------------------------------------------------------------------- links


def quote_id(article_id: str) -> str:
    """A public id ("site:key") as one path segment."""
    return quote(article_id, safe=":")


def article_path(article_id: str) -> str:
    return f"/articles/{quote_id(article_id)}"


def version_path(article_id: str, number: int) -> str:
    """The stable citation link of one version: it never changes meaning (append-only)."""
    return f"{article_path(article_id)}/versions/{number}"


def capture_path(article_id: str, number: int) -> str:
    return f"/captures/{quote_id(article_id)}/{number}"


# --------------------------------------------------------------------------- articles


def find_article(archive: Archive, ref: str) -> dict[str, Any]:
    article = archive.find(ref)
    if article is None:
        raise NotFound(f"no article {ref!r}")
    return article


def _version_public(article_id: str, version: Mapping[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in version.items() if k not in ("minhash", "id", "article_id")}
    number = int(version["number"])
    data["citation"] = version_path(article_id, number)
    data["capture"] = capture_path(article_id, number) if version.get("warc_file") else None
    return data


def article_payload(archive: Archive, ref: str) -> dict[str, Any]:
    """The current version with status, aliases, version count and near-duplicates."""
    article = find_article(archive, ref)
    internal = article.pop("article_id")
    article["near_duplicates"] = [
        {**dup, "link": article_path(dup["id"])} for dup in archive.near_duplicates_of(internal)
    ]
    article["citation"] = version_path(article["id"], article["version"])
    article["capture"] = (
        capture_path(article["id"], article["version"]) if article.get("warc") else None
    )
    return article


def versions_payload(archive: Archive, ref: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    article = find_article(archive, ref)
    versions = archive.versions(article["article_id"])
    return article, [_version_public(article["id"], v) for v in versions]


def version_payload(archive: Archive, ref: str, number: int) -> tuple[dict, dict]:
    article = find_article(archive, ref)
    version = archive.version(article["article_id"], number)
    if version is None:
        raise NotFound(f"article {article['id']} has no version {number}")
    return article, _version_public(article["id"], version)


def diff_payload(archive: Archive, ref: str, a: int | None, b: int | None) -> dict[str, Any]:
    """Word-level diff of versions ``a`` → ``b`` (default: the previous → the current)."""
    article = find_article(archive, ref)
    current = int(article["version"])
    b = current if b is None else b
    a = max(b - 1, 1) if a is None else a
    found = {}
    for number in (a, b):
        if number < 1:
            raise BadRequest(f"version numbers start at 1, not {number}")
        version = archive.version(article["article_id"], number)
        if version is None:
            raise NotFound(f"article {article['id']} has no version {number}")
        found[number] = version
    diffs = diff_versions(found[a], found[b])
    items = summary(found[a], found[b])
    return {
        "id": article["id"],
        "a": a,
        "b": b,
        "a_fetched_at": found[a]["fetched_at"],
        "b_fetched_at": found[b]["fetched_at"],
        "changed": [d.field for d in diffs if d.changed],
        # "title changed; 1 paragraph rewritten; date moved 24/01 → 26/01"
        "summary": summary_text(items),
        "summary_items": [{"code": code, **values} for code, values in items],
        "fields": to_json(diffs),
    }


@dataclass
class Capture:
    payload: bytes
    content_type: str
    target_uri: str | None
    date: str | None


def read_capture(data_dir: str | Path, version: Mapping[str, Any]) -> Capture:
    """The archived HTTP payload of a version, from its WARC record."""
    if not version.get("warc_file"):
        raise NotFound("this version has no WARC record")
    pointer = WarcPointer(
        version["warc_file"], int(version["warc_offset"]), int(version["warc_length"])
    )
    try:
        record = read_record(Path(data_dir) / "warc", pointer)
    except WarcError as exc:
        raise NotFound(f"WARC record unreadable: {exc}") from exc
    return Capture(
        payload=record.payload,
        content_type=record.header("Content-Type") or "text/html",
        target_uri=record.target_uri,
        date=record.date,
    )


# --------------------------------------------------------------------------- runs


def runs_payload(
    archive: Archive, site: str | None = None, status: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    runs = archive.runs(site, limit=None if status else limit)
    if status:
        runs = [r for r in runs if r["status"] == status]
    return runs[:limit]


def get_run(archive: Archive, run_id: int) -> dict[str, Any]:
    run = archive.run(run_id)
    if run is None:
        raise NotFound(f"no run {run_id}")
    return run


def run_log(archive: Archive, run_id: int, level: str = "INFO") -> list[str]:
    """The run's log lines at ``level`` or above (tracebacks follow their record), as
    `luutru log` prints them."""
    run = get_run(archive, run_id)
    level = level.upper()
    if level not in LEVELS:
        raise BadRequest(f"level must be one of {', '.join(LEVELS)}")
    path = Path(run["log_path"]) if run["log_path"] else None
    if path is None or not path.is_file():
        raise NotFound(f"run {run_id} has no log file (it may have been pruned)")
    return _lines(path, LEVELS.index(level))


def items_per_run(run: Mapping[str, Any]) -> int:
    stats = run.get("stats") or {}
    return int(stats.get("item_scraped_count") or stats.get("luutru/records") or 0)


def run_counts(run: Mapping[str, Any]) -> dict[str, int]:
    stats = run.get("stats") or {}

    def get(name: str) -> int:
        return int(stats.get(f"luutru/articles_{name}", 0) or 0)

    return {
        "new": get("new"),
        "updated": get("updated"),
        "unchanged": get("unchanged") + get("not_modified"),
        "removed": get("removed"),
        "failed": get("failed"),
    }


# --------------------------------------------------------------------------- sites, health


def _load_profiles(sites_dir: str | None) -> tuple[dict, list]:
    from crawler.profiles import load_profiles

    errors: list = []
    return load_profiles(sites_dir, errors), errors


def health_report(archive: Archive, sites_dir: str | None) -> dict[str, Any]:
    """Exactly `luutru health --format json`: the same function."""
    return operations.health_report(archive, sites_dir)


def sites_payload(archive: Archive, sites_dir: str | None) -> list[dict[str, Any]]:
    """Every profile (as `luutru sites --format json`) with its last run."""
    profiles, _ = _load_profiles(sites_dir)
    rows = []
    for p in profiles.values():
        last = archive.runs(p.id, limit=1)
        run = last[0] if last else None
        rows.append(
            {
                **p.describe(),
                "last_run": None
                if run is None
                else {
                    "id": run["id"],
                    "status": run["status"],
                    "started_at": run["started_at"],
                    "finished_at": run["finished_at"],
                    "reasons": run["reasons"],
                },
            }
        )
    return rows


# --------------------------------------------------------------------------- search


@dataclass
class SearchParams:
    """Every filter of ``archive.search.search`` (the API's query parameters)."""

    q: str = ""
    sites: list[str] = field(default_factory=list)
    province: str | None = None
    department: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    author: str | None = None
    category: str | None = None
    # exact values, as the facets list them: {author|category|province|department: [any of]}
    exact_values: dict[str, list[str]] = field(default_factory=dict)
    status: str | None = None
    exact: bool = False
    all_versions: bool = False
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0
    facets: bool = False  # also count the matches per site, province, … (archive/search_facets)


def parse_day(value: str | None, what: str, now: datetime | None = None) -> str | None:
    """A date filter as YYYY-MM-DD, read as the CLI reads ``--from``/``--to``
    (luutru/dates.py: YYYY-MM-DD of a real calendar day, DD/MM/YYYY, today, yesterday,
    Nd; Vietnam time); None when empty, :class:`BadRequest` with one line otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return parse_date(value, now).isoformat()
    except ValueError as exc:
        shown = value if len(value) <= 40 else value[:40] + "…"
        message = str(exc).replace(repr(value), repr(shown))
        raise BadRequest(f"{what}: {message}") from None


def _search_module() -> Any:
    try:
        from archive import search as module
    except ImportError as exc:  # the search index ships separately; keep the UI up
        raise SearchUnavailable(str(exc)) from exc
    return module


def run_search(archive: Archive, params: SearchParams) -> dict[str, Any]:
    """``_search`` uncached (the routes go through luutru/web/cached_search.py)."""
    return _search(archive, params)


def _search(archive: Archive, params: SearchParams, page: bool = True) -> dict[str, Any]:
    """Call ``archive.search.search``; its SearchSyntaxError (a ValueError: a mistyped
    query, a query past a limit or its time budget, a bad filter) and any other
    ValueError about the arguments become :class:`BadRequest` (400) with its message.
    A search stopped by its time budget is a 400 too, not a 503: the same query would be
    stopped again, so what helps is changing it, which the message says how to do."""
    module = _search_module()
    date_from = parse_day(params.date_from, "date_from")
    date_to = parse_day(params.date_to, "date_to")
    try:
        result = module.search(
            archive,
            params.q,
            sites=params.sites or None,
            province=params.province or None,
            department=params.department or None,
            date_from=date_from,
            date_to=date_to,
            author=params.author or None,
            category=params.category or None,
            **{f"{name}_is": values for name, values in params.exact_values.items() if values},
            status=params.status or None,
            exact=params.exact,
            all_versions=params.all_versions,
            sort=params.sort,
            limit=params.limit,
            offset=params.offset,
            blank_lists_latest=True,  # no query: the newest articles, under the filters
            **({"facets": True} if params.facets else {}),
            **({} if page else {"page": False}),  # the facets alone (cached_search)
        )
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    hits = []
    for hit in result.hits:
        data = hit.as_dict() if hasattr(hit, "as_dict") else asdict(hit)
        data.pop("article_id", None)  # internal row number, not part of the public contract
        # An old version's hit cites that version; a current one the article page.
        old = params.all_versions and data.get("version")
        data["link"] = (
            version_path(data["id"], data["version"]) if old else article_path(data["id"])
        )
        hits.append(data)
    return {
        "total": int(result.total),
        # Counting stops at a cap (archive.search.COUNT_CAP): "1000+" is then the truth.
        "total_is_lower_bound": bool(getattr(result, "total_is_lower_bound", False)),
        # Relevance ranked only the newest this many matches together (archive.search_plan).
        "ranking_window": getattr(result, "ranking_window", None),
        "limit": params.limit,
        "offset": params.offset,
        "hits": hits,
        "facets": getattr(result, "facets", None),
    }

"""Memento (RFC 7089) under the URL shapes pywb users know: ``/timemap/link/{url}``,
``/timegate/{url}`` and ``/web/{timestamp}/{url}``.

A memento is an archived version with a WARC record (archive/lookup.py); the article is
found under any URL it was seen under. Mementos are served exactly as ``/captures/…``
serves an archived page (settings.CAPTURE_HEADERS: a CSP with ``sandbox``), so no script
of an archived page runs in our origin whichever route reached it.

The URL is read from the raw request path (with its query string), so percent-escapes
reach the lookup as the portal wrote them; the decoded spelling is tried after it (a
client that escaped the whole URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from archive.lookup import (
    TIMESTAMP,
    Memento,
    article_ref_for_url,
    closest,
    is_web_url,
    mementos,
    repair_url,
    timestamp_datetime,
)
from archive.store import Archive
from luutru.web import service
from luutru.web.service import BadRequest, NotFound
from luutru.web.settings import CAPTURE_HEADERS

router = APIRouter(tags=["memento"])
LINK_FORMAT = "application/link-format"
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"  # what stays as it is when a URL goes into a header


@dataclass
class Target:
    """The original resource asked about: its URL as we name it, the article, mementos."""

    url: str
    article: dict
    mementos: list[Memento]


def http_date(when: datetime) -> str:
    """RFC 1123 in GMT, as Memento-Datetime and the link-format ``datetime`` want it."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _asked_url(request: Request, prefix: str) -> list[str]:
    """The URL after ``prefix`` in the path (raw, then decoded), query string included."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    raw = raw_path.decode("latin-1")
    raw = raw[raw.index(prefix) + len(prefix) :] if prefix in raw else ""
    query = request.url.query
    spellings = []
    for candidate in (raw, unquote(raw)):
        url = repair_url(candidate) + (f"?{query}" if query else "")
        if url not in spellings:
            spellings.append(url)
    return spellings


def find_target(request: Request, prefix: str) -> Target:
    """The article asked about; 400 when no spelling is an http(s) URL, 404 when the
    archive never saw it (or holds no capture of it)."""
    spellings = [u for u in _asked_url(request, prefix) if is_web_url(u)]
    if not spellings:
        raise BadRequest("the URL after the prefix must be an absolute http(s) URL")
    archive: Archive = request.app.state.archive
    for url in spellings:
        ref = article_ref_for_url(archive, url)
        if ref is not None:
            break
    else:
        raise NotFound(f"no archived page was seen under {spellings[0]}")
    article = service.find_article(archive, ref)
    found = mementos(archive, article["article_id"])
    if not found:
        raise NotFound(f"no archived capture of {spellings[0]} (archived without WARC)")
    return Target(quote(spellings[0], safe=_URL_SAFE), article, found)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def memento_url(request: Request, target: Target, memento: Memento) -> str:
    return f"{_base(request)}/web/{memento.timestamp}/{target.url}"


def _rel(target: Target, memento: Memento) -> str:
    first, last = memento is target.mementos[0], memento is target.mementos[-1]
    return " ".join([*(["first"] if first else []), *(["last"] if last else []), "memento"])


def _links(request: Request, target: Target, *shown: Memento) -> str:
    """The Link header: original, timegate, timemap, and the mementos ``shown``."""
    base = _base(request)
    links = [
        f'<{target.url}>; rel="original"',
        f'<{base}/timegate/{target.url}>; rel="timegate"',
        f'<{base}/timemap/link/{target.url}>; rel="timemap"; type="{LINK_FORMAT}"',
    ]
    for m in shown:
        links.append(
            f'<{memento_url(request, target, m)}>; rel="{_rel(target, m)}"; '
            f'datetime="{http_date(m.when)}"'
        )
    return ", ".join(links)


@router.get("/timemap/link/{url:path}", response_class=Response)
@router.head("/timemap/link/{url:path}", include_in_schema=False)
def timemap(request: Request, url: str) -> Response:
    """Every memento of the URL, oldest first, as an RFC 7089 TimeMap in link format."""
    target = find_target(request, "/timemap/link/")
    base = _base(request)
    first, last = target.mementos[0], target.mementos[-1]
    lines = [
        f'<{target.url}>; rel="original"',
        f'<{base}/timegate/{target.url}>; rel="timegate"',
        f'<{base}/timemap/link/{target.url}>; rel="self"; type="{LINK_FORMAT}"; '
        f'from="{http_date(first.when)}"; until="{http_date(last.when)}"',
    ]
    for m in target.mementos:
        lines.append(
            f'<{memento_url(request, target, m)}>; rel="{_rel(target, m)}"; '
            f'datetime="{http_date(m.when)}"'
        )
    return Response(",\n".join(lines) + "\n", media_type=LINK_FORMAT)


def accept_datetime(request: Request) -> datetime | None:
    """The ``Accept-Datetime`` header (RFC 1123), None when absent; 400 when malformed."""
    value = request.headers.get("accept-datetime")
    if value is None or not value.strip():
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        raise BadRequest(
            f"Accept-Datetime must be an RFC 1123 date such as "
            f"'Wed, 01 May 2024 08:00:00 GMT', not {value[:60]!r}"
        )
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@router.get("/timegate/{url:path}", response_class=Response, status_code=302)
@router.head("/timegate/{url:path}", include_in_schema=False)
def timegate(request: Request, url: str) -> Response:
    """302 to the memento closest to ``Accept-Datetime`` (the newest without one)."""
    when = accept_datetime(request)
    target = find_target(request, "/timegate/")
    chosen = closest(target.mementos, when)
    return RedirectResponse(
        memento_url(request, target, chosen),
        status_code=302,
        headers={"Vary": "accept-datetime", "Link": _links(request, target)},
    )


@router.get("/web/{timestamp}/{url:path}", response_class=Response)
@router.head("/web/{timestamp}/{url:path}", include_in_schema=False)
def memento(request: Request, timestamp: str, url: str) -> Response:
    """The archived page of the capture closest to ``timestamp`` (1 to 14 digits, UTC,
    read as pywb reads it); a redirect to its exact timestamp when that differs."""
    if not TIMESTAMP.match(timestamp):
        raise BadRequest(f"a timestamp is 1 to 14 digits (YYYYMMDDhhmmss), not {timestamp[:20]!r}")
    target = find_target(request, f"/web/{timestamp}/")
    chosen = closest(target.mementos, timestamp_datetime(timestamp))
    if chosen.timestamp != timestamp:
        return RedirectResponse(
            memento_url(request, target, chosen),
            status_code=302,
            headers={"Link": _links(request, target, chosen)},
        )
    archive: Archive = request.app.state.archive
    version = archive.version(target.article["article_id"], chosen.number)
    if version is None:  # versions are never deleted: only a broken archive gets here
        raise NotFound(f"article {target.article['id']} has no version {chosen.number}")
    captured = service.read_capture(request.app.state.settings.data, version)
    return Response(
        captured.payload,
        media_type=captured.content_type,
        headers={
            **CAPTURE_HEADERS,
            "Memento-Datetime": http_date(chosen.when),
            "Link": _links(request, target, chosen),
        },
    )

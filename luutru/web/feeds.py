"""Atom feeds (RFC 4287): ``/feeds/changes.atom`` lists what ``luutru changes`` lists
(new, edited and removed articles: ``archive.changes.latest``, the same definitions),
newest first, each linking to its version page and, for an edit, to the diff against the
version before; a removal links to the article page. ``?site=`` (repeatable) narrows it
to sites; ``?q=`` makes it a saved search: the versions matching the query (every
version searched), and the removals of articles whose last version matches.

Built with lxml (already a dependency): the element tree escapes and encodes, and text
an archived page smuggled in (control characters XML cannot carry) is dropped first.
Entry ids are ``urn:uuid:`` names derived from the article, the version and its content
hash, so they never change and two archives of different content never share one.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from lxml import etree
from lxml.builder import ElementMaker

from archive.change_details import Details, details
from archive.changes import Change, latest
from archive.store import Archive
from archive.times import now_iso
from luutru.web import service
from luutru.web.api import archive_of
from luutru.web.i18n import pick_language, translator
from luutru.web.service import SearchParams

router = APIRouter(tags=["feeds"])
ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
FEED_PATH = "/feeds/changes.atom"
FEED_SIZE = 50  # entries, unless ?limit= asks for fewer or more (up to 200)
# A saved search looks at this many matching versions (newest publication dates first)
# and lists the most recently archived of them.
SEARCH_POOL = 1000
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
A = ElementMaker(namespace=ATOM, nsmap={None: ATOM})


def feed_link(q: str = "", sites: list[str] | None = None) -> str:
    """The feed of a search (its query and sites), as our pages advertise it."""
    pairs = [("q", q)] if q.strip() else []
    pairs += [("site", s) for s in sites or [] if s]
    return FEED_PATH + ("?" + urlencode(pairs) if pairs else "")


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _name(text: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'luutru:' + text)}"


def _changes(archive: Archive, q: str, sites: list[str], limit: int) -> list[Change]:
    if not q.strip():
        return latest(archive, sites=sites or None, limit=limit)
    params = SearchParams(q=q, sites=sites, all_versions=True, sort="date", limit=SEARCH_POOL)
    hits = service.run_search(archive, params)["hits"]  # a bad query: 400 with its message
    found = [(h["site"], h["id"][len(h["site"]) + 1 :], int(h["version"])) for h in hits]
    return latest(archive, sites=sites or None, only=found, limit=limit)


def _entry(base: str, change: Change, about: Details | None, t) -> etree._Element:
    version = base + service.version_path(change.id, change.version)
    removed = change.kind == "removed"
    if removed:  # a removal is its own event: the article, and when it was seen gone
        key = f"{change.id}/removed#{change.at}"
    else:
        key = f"{change.id}/versions/{change.version}#{about.content_hash if about else ''}"
    entry = A.entry(
        A.id(_name(key)),
        A.title(_text(change.title) or change.id),
        A.updated(change.at),
        A.link(
            rel="alternate",
            type="text/html",
            href=base + service.article_path(change.id) if removed else version,
        ),
    )
    if change.previous:
        query = urlencode({"a": change.previous, "b": change.version})
        diff = f"{version}?{query}#diff"
        entry.append(A.link(rel="related", type="text/html", title=t("feed.diff"), href=diff))
    if about and about.author:
        entry.append(A.author(A.name(_text(about.author))))
    entry.append(A.category(term={"edited": "updated"}.get(change.kind, change.kind)))
    entry.append(A.category(term=change.site, label=change.site))
    if removed:
        what = t("feed.removed", n=change.version)
    elif change.kind == "new":
        what = t("feed.new")
    else:
        fields = ", ".join(about.changed) if about else ""
        what = t("feed.updated", n=change.version, fields=fields or "-")
    summary = about.summary if about and not removed else None
    entry.append(A.summary(_text(" ".join(p for p in (what, summary) if p)), type="text"))
    return entry


@router.get(FEED_PATH, response_class=Response, responses={200: {"content": {ATOM_TYPE: {}}}})
def changes_feed(
    request: Request,
    archive: Annotated[Archive, Depends(archive_of)],
    q: Annotated[str, Query(description="a saved search: only versions matching it")] = "",
    site: Annotated[list[str] | None, Query(description="site id (repeatable)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = FEED_SIZE,
) -> Response:
    """New, edited and removed articles, newest first, as an Atom feed."""
    sites = [s for s in site or [] if s]
    changes = _changes(archive, q, sites, limit)
    about = details(archive, changes)
    lang = pick_language(request)
    t = translator(lang)
    base = str(request.base_url).rstrip("/")
    title = " · ".join(
        [t("feed.title"), *(t("feed.site", site=s) for s in sites)]
        + ([t("feed.query", q=q.strip())] if q.strip() else [])
    )
    own = feed_link(q, sites)
    page = "/search?" + urlencode([("q", q), *(("site", s) for s in sites)]) if q.strip() else "/"
    feed = A.feed(
        A.id(_name(own)),
        A.title(_text(title)),
        A.updated(max(c.at for c in changes) if changes else now_iso()),
        A.link(rel="self", type=ATOM_TYPE, href=base + own),
        A.link(rel="alternate", type="text/html", href=base + page),
        A.author(A.name("luutru")),
        A.generator("luutru"),
        *(_entry(base, c, about.get((c.id, c.version)), t) for c in changes),
    )
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    body = etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return Response(body, media_type=f"{ATOM_TYPE}; charset=utf-8")

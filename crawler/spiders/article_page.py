"""What an answered article page becomes: an article record, or the reason it is none.

A page is not an article only when it says so (a profile's soft-404 text) or when nothing
article-like is on it (the generic verdict: a listing, an error or login page, no text).
A page whose profile selectors find nothing but that holds an article is a *layout
change*: it is archived with generic extraction, marked so with the reason, and counted
for the run's health (crawler/health.py) — never taken for a soft 404.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import TextResponse

from archive.records import ArticleRecord
from crawler.extract import ExtractedArticle
from crawler.profile_model import SiteProfile

CORE_FIELDS = ("title", "date", "body")
LAYOUT_PREFIX = "luutru/layout/"  # + "body/div.entry-content": pages of that layout
_MISSED = " selector found nothing"


def not_an_article(extracted: ExtractedArticle) -> str | None:
    """Why the page holds no article, or None."""
    if extracted.no_article:
        return extracted.no_article
    if not extracted.title:
        return "no title"
    if not extracted.body:
        return "no text"
    return None


def missed_fields(extracted: ExtractedArticle) -> list[str]:
    """Core fields whose profile selector matched nothing on this page."""
    return [f for f in CORE_FIELDS if f"{f}{_MISSED}" in extracted.warnings]


def extraction_note(extracted: ExtractedArticle) -> str:
    """ "profile", "generic", or "generic (layout changed: … selectors found nothing)"."""
    missed = missed_fields(extracted)
    if missed:
        return f"generic (layout changed: {', '.join(missed)} selectors found nothing)"
    return extracted.extraction


def count(stats: Any, profile: SiteProfile, extracted: ExtractedArticle) -> None:
    """Per-run counts the health check reads: pages a profile selector was tried on, and
    pages where it matched nothing, per core field."""
    rules = profile.article
    for name in CORE_FIELDS:
        if getattr(rules, name):
            stats.inc_value(f"luutru/profile_pages/{name}")
    for name in missed_fields(extracted):
        stats.inc_value(f"luutru/profile_miss/{name}")
    if extracted.extraction == "generic":
        stats.inc_value("luutru/records_generic")
    for part, sig in extracted.layout.items():
        stats.inc_value(f"{LAYOUT_PREFIX}{part}/{sig}")


def record(
    site: str,
    key: str,
    canonical: str,
    response: TextResponse,
    extracted: ExtractedArticle,
    fetched_at: str,
    **extra: Any,
) -> ArticleRecord:
    aliases = {response.url, response.request.url} - {canonical}
    return ArticleRecord(
        site=site,
        article_key=key,
        url=canonical,
        fetched_url=response.url,
        title=extracted.title,
        body=extracted.body,
        body_html=extracted.body_html,
        date=extracted.date,
        datetime=extracted.datetime,
        author=extracted.author,
        source=extracted.source,
        summary=extracted.summary,
        category=extracted.category,
        attachments=list(extracted.attachments),
        aliases=sorted(aliases | set(extra.pop("redirect_urls", ()))),
        fetched_at=fetched_at,
        http_status=response.status,
        etag=header(response, b"ETag"),
        last_modified=header(response, b"Last-Modified"),
        warnings=list(extracted.warnings),
        extraction=extraction_note(extracted),
        **extra,
    )


def header(response: Any, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None

"""`luutru site check`: what a profile extracts, with warnings an archivist can act on."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from archive.records import ArticleRecord
from crawler.profile_model import SiteProfile

FIELDS_SHOWN = ("title", "date", "datetime", "author", "source", "category", "summary")
BODY_PREVIEW = 240  # characters of body shown per article
SHORT_BODY = 200  # characters: a body this short is likely a wrong body selector


def field_warnings(item: ArticleRecord, today: date | None = None) -> list[str]:
    """Warnings for one extracted article: missing fields, a future date, a tiny body."""
    today = today or date.today()
    warnings = list(item.warnings)
    for name in ("title", "date", "author", "body"):
        if not getattr(item, name):
            warnings.append(f"{name} missing")
    if item.date and item.date > today.isoformat():
        warnings.append(f"date {item.date} is in the future")
    if item.body and len(item.body) < SHORT_BODY:
        warnings.append(f"body only {len(item.body)} characters: is the body selector right?")
    if item.author and item.body and item.body.rstrip().endswith(item.author):
        warnings.append("author still at the end of the body")
    return list(dict.fromkeys(warnings))


def render_check(
    profile: SiteProfile, summary: Any, records: list[tuple[ArticleRecord, list[str]]]
) -> str:
    lines = [f"{profile.id} — {profile.name}", f"profile: {profile.source_path}"]
    if not profile.verified_offline:
        lines.append("note: this profile is NOT verified offline")
    lines.append(
        f"listing pages fetched: {summary.stats.get('luutru/listing_pages', 0)}, "
        f"requests: {summary.requests}, articles extracted: {len(records)}"
    )
    if summary.unreachable:
        lines.append(f"UNREACHABLE: {summary.unreachable}")
    if not records:
        lines.append(
            "WARNING: no article extracted: check start_urls, listing.links, article.url_pattern"
        )
    for item, warnings in records:
        lines.append("")
        lines.append(f"• {item.url}")
        for name in FIELDS_SHOWN:
            lines.append(f"  {name:<9} {getattr(item, name)!s}")
        preview = item.body[:BODY_PREVIEW].replace("\n\n", " ¶ ")
        lines.append(f"  {'body':<9} {preview}{'…' if len(item.body) > BODY_PREVIEW else ''}")
        if item.attachments:
            lines.append(f"  {'files':<9} {', '.join(item.attachments)}")
        for warning in warnings:
            lines.append(f"  WARNING: {warning}")
    return "\n".join(lines)


def cmd_site_check(args: argparse.Namespace) -> int:
    from crawler.profiles import get_profile
    from luutru.crawling import run_crawls

    profile = get_profile(args.site, args.sites)
    if args.base_url:
        profile = profile.rebased(args.base_url)
    summary = run_crawls([profile], args.workspace, {"LOG_LEVEL": "WARNING"}, check=args.articles)[
        0
    ]
    records = [(item, field_warnings(item)) for item in summary.items]
    if args.format == "json":
        print(
            json.dumps(
                [{**item.as_dict(), "warnings": w} for item, w in records],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(render_check(profile, summary, records))
    return 0 if records else 1

"""Exports of the archive's current state: JSONL (one article per line) and CSV.

Each row is an article with its CURRENT version. ``id`` is the stable public id
``"{site}:{article_key}"``; ``aliases`` are the other URLs seen (sorted, without ``url``).
"""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from archive.store import Archive

EXPORT_FIELDS: tuple[str, ...] = (
    "id",
    "site",
    "article_key",
    "url",
    "aliases",
    "title",
    "date",
    "datetime",
    "author",
    "source",
    "summary",
    "body",
    "category",
    "attachments",
    "status",
    "removed_at",
    "version",
    "version_count",
    "content_hash",
    "first_seen",
    "last_seen",
    "fetched_at",
)

LIST_SEPARATOR = " | "


def export_row(article: dict[str, Any]) -> dict[str, Any]:
    """The exported subset of an ``Archive.articles()`` dict, in column order."""
    return {name: article.get(name) for name in EXPORT_FIELDS}


def write_jsonl(archive: Archive, out: TextIO, site: str | None = None) -> int:
    """Write one JSON object per article (UTF-8 text, not \\u-escaped). Returns the count."""
    n = 0
    for article in archive.articles(site):
        out.write(json.dumps(export_row(article), ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


def write_csv(archive: Archive, out: TextIO, site: str | None = None) -> int:
    """CSV with the JSONL columns; lists joined with " | ", None as "". Returns the count.

    Open ``out`` with ``newline=""`` (the csv module writes its own line endings).
    """
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    n = 0
    for article in archive.articles(site):
        row = export_row(article)
        writer.writerow([_cell(row[name]) for name in EXPORT_FIELDS])
        n += 1
    return n

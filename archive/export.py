"""Exports: JSONL, CSV and Parquet rows (one per article, or per version with
``all_versions``), and WARC files of a selection's captures.

``id`` is the stable public id ``"{site}:{article_key}"``; ``aliases`` are the other URLs
seen (sorted, without ``url``); ``warc`` is ``file#offset`` of the version's capture,
``file`` relative to the archive's ``warc/`` folder.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from archive.store import Archive
from archive.times import normalize_iso

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
    "warc",
)

LIST_SEPARATOR = " | "
_VERSION_FIELDS = (
    "title",
    "date",
    "datetime",
    "author",
    "source",
    "summary",
    "body",
    "category",
    "attachments",
    "content_hash",
    "fetched_at",
)


def _warc_ref(data: dict[str, Any]) -> str | None:
    if data.get("warc_file") is None:
        return None
    return f"{data['warc_file']}#{data['warc_offset']}"


def export_row(article: dict[str, Any]) -> dict[str, Any]:
    """The exported subset of an article dict, in column order."""
    return {name: article.get(name) for name in EXPORT_FIELDS}


def _since_floor(since: str | None) -> str | None:
    if not since:
        return None
    return normalize_iso(since if "T" in since else f"{since}T00:00:00+07:00")


def selection(
    archive: Archive,
    site: str | None = None,
    since: str | None = None,
    all_versions: bool = False,
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(article, version) pairs: each article's current version, or every version.

    ``since`` keeps articles seen (or versions fetched) at or after that date/time."""
    floor = _since_floor(since)
    for article in archive.articles(site):
        if not all_versions:
            if floor is None or article["last_seen"] >= floor:
                yield article, archive.version(article["article_id"])
            continue
        for version in archive.versions(article["article_id"]):
            if floor is None or version["fetched_at"] >= floor:
                yield article, version


def rows(archive: Archive, site: str | None = None, **options: Any) -> Iterator[dict[str, Any]]:
    """Export rows of ``selection()``, in EXPORT_FIELDS order."""
    for article, version in selection(archive, site, **options):
        data = {**article, **{k: version[k] for k in _VERSION_FIELDS}}
        data["version"] = version["number"]
        data["warc"] = _warc_ref(version)
        yield export_row(data)


def write_jsonl(archive: Archive, out: TextIO, site: str | None = None, **options: Any) -> int:
    """One JSON object per line (UTF-8 text, not \\u-escaped). Returns the count."""
    n = 0
    for row in rows(archive, site, **options):
        out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


def write_csv(archive: Archive, out: TextIO, site: str | None = None, **options: Any) -> int:
    """CSV with the JSONL columns; lists joined with " | ", None as "". Returns the count.

    Open ``out`` with ``newline=""`` (the csv module writes its own line endings).
    """
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    n = 0
    for row in rows(archive, site, **options):
        writer.writerow([_cell(row[name]) for name in EXPORT_FIELDS])
        n += 1
    return n


def write_parquet(archive: Archive, path: Path, site: str | None = None, **options: Any) -> int:
    from archive.tabular import write_parquet as write

    return write(rows(archive, site, **options), Path(path), EXPORT_FIELDS)


def write_warc(
    archive: Archive, warc_dir: Path, path: Path, site: str | None = None, **options: Any
) -> int:
    """A WARC file with the response records of the selected versions, copied byte for byte."""
    from archive.warc import WarcPointer, copy_records

    sources = [
        (Path(warc_dir), WarcPointer(v["warc_file"], v["warc_offset"], v["warc_length"]))
        for _, v in selection(archive, site, **options)
        if v.get("warc_file") and v.get("warc_length")
    ]
    return copy_records(sources, Path(path))

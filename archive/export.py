"""Exports: JSONL, CSV and Parquet rows (one per article, or per version with
``all_versions``), and WARC files of a selection's captures (WACZ and CDXJ:
archive/wacz.py).

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

from archive.selection import selection
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
    """A WARC file of the selected versions' captures: each record copied byte for byte
    with its request record, and an alias revisit under the article's canonical URL when
    it was fetched under another (archive/warcexport.py). ``.warc.gz`` (gzip per record)
    or ``.warc`` (uncompressed) by ``path``'s name. Returns the number of records."""
    from archive.wacz import write_warc as write

    return write(archive, Path(warc_dir), Path(path), site, **options)

"""Exports: JSONL, CSV and Parquet rows (one per article, or per version with
``all_versions``), and WARC files of a selection's captures.

``id`` is the stable public id ``"{site}:{article_key}"``; ``aliases`` are the other URLs
seen (sorted, without ``url``); ``warc`` is ``file#offset`` of the version's capture,
``file`` relative to the archive's ``warc/`` folder. ``EXPORT_COLUMNS`` documents every
column (docs/exports.md shows them, and each Parquet field carries its description).

Each format opens as it is in the tools people use: JSONL is UTF-8, not ``\\u``-escaped;
the CSV starts with a UTF-8 byte-order mark (without it Excel reads the file in the local
code page and garbles Vietnamese) and holds lists as JSON arrays (a joined list is
ambiguous: titles and URLs contain any separator); Parquet has typed dates and timestamps
(``archive/tabular.py``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from archive.store import Archive
from archive.times import normalize_iso

# Column → what it holds. The order is the column order of every format.
EXPORT_COLUMNS: dict[str, str] = {
    "id": "stable public id, site:article_key",
    "site": "site profile id",
    "article_key": "the article's key within its site (URL id, or canonical URL)",
    "url": "canonical URL",
    "aliases": "other URLs the article was seen under, sorted",
    "title": "headline",
    "date": "publication date printed on the page (Asia/Ho_Chi_Minh)",
    "datetime": "publication date and time, when the page prints a time",
    "author": "author or byline",
    "source": "source named on the page (Nguồn: …), never the author",
    "summary": "lead paragraph (sapo)",
    "body": "article text, paragraphs separated by a blank line",
    "category": "category the portal files it under",
    "attachments": "URLs of attached files",
    "status": "live, or removed (answered 404/410)",
    "removed_at": "when the article was found removed",
    "version": "number of this version (1 = first capture)",
    "version_count": "number of versions of the article",
    "content_hash": "SHA-256 over the content fields of this version",
    "first_seen": "first capture of the article",
    "last_seen": "latest capture of the article",
    "fetched_at": "capture time of this version",
    "warc": "WARC record of this capture, file#offset under the archive's warc/ folder",
}
EXPORT_FIELDS: tuple[str, ...] = tuple(EXPORT_COLUMNS)

BOM = "\ufeff"  # UTF-8 byte-order mark: tells Excel the CSV is UTF-8
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


def csv_cell(value: Any) -> Any:
    """A CSV cell: None as "", lists and objects as JSON (arrays keep their items apart)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def csv_chunks(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """A CSV as text: the BOM and header first, then one chunk per row (for streaming).

    Write the chunks to a file opened with ``newline=""`` and a UTF-8 encoding (not
    ``utf-8-sig``: the BOM is already here); read it back with ``encoding="utf-8-sig"``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield BOM + take()
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in columns])
        yield take()


def write_csv(archive: Archive, out: TextIO, site: str | None = None, **options: Any) -> int:
    """CSV with the JSONL columns (see ``csv_chunks``). Returns the row count."""
    chunks = 0
    for chunk in csv_chunks(rows(archive, site, **options), EXPORT_FIELDS):
        out.write(chunk)
        chunks += 1
    return chunks - 1  # the first chunk is the header


def write_parquet(archive: Archive, path: Path, site: str | None = None, **options: Any) -> int:
    from archive.tabular import write_parquet as write

    return write(rows(archive, site, **options), Path(path), EXPORT_COLUMNS)


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

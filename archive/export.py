"""Exports: JSONL, CSV and Parquet rows (one per article, or per version with
``all_versions``), and WARC files of a selection's captures (WACZ and CDXJ:
archive/wacz.py).

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

from archive.selection import selection
from archive.store import Archive

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
    "attachment_files": (
        "attached files as archived: url, filename, kind, size, sha256, version (their "
        "newest) and text_status; none when nothing was fetched"
    ),
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


def rows(archive: Archive, site: str | None = None, **options: Any) -> Iterator[dict[str, Any]]:
    """Export rows of ``selection()``, in EXPORT_FIELDS order."""
    batch: list[dict[str, Any]] = []
    for article, version in selection(archive, site, **options):
        data = {**article, **{k: version[k] for k in _VERSION_FIELDS}}
        data["version"] = version["number"]
        data["warc"] = _warc_ref(version)
        batch.append(data)
        if len(batch) >= _FILES_BATCH:
            yield from _with_files(archive, batch)
            batch = []
    yield from _with_files(archive, batch)


_FILES_BATCH = 500  # rows whose attached files are read in one query
FILE_FIELDS = ("url", "filename", "kind", "size", "sha256", "version", "text_status")


def _with_files(archive: Archive, batch: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows with ``attachment_files`` (archive/attachments.py), in order."""
    files = archive.attachments_of(d["article_id"] for d in batch if d.get("article_id"))
    for data in batch:
        stored = [f for f in files.get(data.get("article_id") or 0, []) if f["number"]]
        data["attachment_files"] = [
            {**{k: f.get(k) for k in FILE_FIELDS}, "version": f["number"]} for f in stored
        ]
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
    """A WARC file of the selected versions' captures: each record copied byte for byte
    with its request record, and an alias revisit under the article's canonical URL when
    it was fetched under another (archive/warcexport.py). ``.warc.gz`` (gzip per record)
    or ``.warc`` (uncompressed) by ``path``'s name. Returns the number of records."""
    from archive.wacz import write_warc as write

    return write(archive, Path(warc_dir), Path(path), site, **options)

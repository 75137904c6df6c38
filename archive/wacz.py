"""`luutru export --format wacz|cdxj`: a selection of the archive as a WACZ 1.1.1 package
(Web Archive Collection Zipped, webrecorder's format), or its CDXJ index alone.

A WACZ is a ZIP of:

- ``archive/<name>.warc.gz`` — the export WARC (archive/warcexport.py): each selected
  version's capture record copied byte for byte, and its alias revisit when it was fetched
  under another URL than the article's canonical one (so it replays under both);
- ``indexes/index.cdx`` — its CDXJ index (archive/cdxj.py). The spec asks for CDXJ data,
  in any file of ``indexes/``; the name ends in ``.cdx`` because that is what pywb's
  ``wb-manager add --unpack-wacz`` picks up (it ignores ``*.cdxj``), ReplayWeb.page reads
  either;
- ``pages/pages.jsonl`` — one page per article version: the canonical URL, the capture's
  WARC-Date as ``ts`` and the version's title;
- ``datapackage.json`` — every file with its size and sha256; ``datapackage-digest.json``
  — the sha256 of datapackage.json, signed when a key is given (archive/waczsign.py).

The WARC and the CDX are stored (not deflated) so that replay can read a record by range.
With a fixed ``created`` and fixed record ids (tests) the package is byte-identical from
one run to the next; a signature is not (ECDSA signatures are randomised).
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.cdxj import write_index
from archive.selection import selection
from archive.warcbase import SOFTWARE, derived_record_id
from archive.warcexport import ExportResult, Page, export_captures
from archive.warcselect import original_finder, warc_captures

WACZ_VERSION = "1.1.1"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
_NAME = re.compile(r"[^a-z0-9._-]+")


@dataclass
class WaczResult:
    records: int = 0  # WARC records in the package (warcinfo not counted)
    pages: int = 0
    index_lines: int = 0
    signed: bool = False
    skipped: list[str] = field(default_factory=list)  # captures whose record was unreadable


def _export(
    archive: Any,
    warc_dir: Path,
    out: Path,
    site: str | None,
    since: str | None,
    all_versions: bool,
    record_id_factory: Callable[[], str] | None,
    clock: Callable[[], datetime] | None,
) -> ExportResult:
    pairs = list(selection(archive, site, since=since, all_versions=all_versions))
    # The warcinfo record is the only one made here (alias revisits have derived ids and
    # their capture's date): dated by the newest version exported and named after the
    # file, so the same selection of the same archive gives the same bytes — and the CDXJ
    # of `--format cdxj` points into the WARC of `--format warc` at the right offsets.
    newest = max((v["fetched_at"] for _, v in pairs), default="1970-01-01T00:00:00+00:00")
    if clock is None:
        clock = lambda: datetime.fromisoformat(newest)  # noqa: E731
    if record_id_factory is None:
        record_id_factory = lambda: derived_record_id("luutru export", out.name, newest)  # noqa: E731
    return export_captures(
        warc_captures(pairs),
        Path(warc_dir),
        out,
        find_original=original_finder(archive, Path(warc_dir)),
        description="luutru export" + (f" of {site}" if site else ""),
        record_id_factory=record_id_factory,
        clock=clock,
    )


def write_warc(
    archive: Any,
    warc_dir: Path,
    out: Path,
    site: str | None = None,
    since: str | None = None,
    all_versions: bool = False,
    *,
    record_id_factory: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """The export WARC alone (``.warc.gz`` or ``.warc`` by ``out``'s name); returns the
    number of records written (warcinfo not counted)."""
    result = _export(
        archive, warc_dir, Path(out), site, since, all_versions, record_id_factory, clock
    )
    return result.records


def _warc_name(out: Path) -> str:
    """``archive/<name>.warc.gz``: the package's name, as the lower-case file names a
    data package allows (frictionless resource names)."""
    stem = _NAME.sub("-", Path(out).name.lower().removesuffix(".wacz").removesuffix(".cdxj"))
    return (stem.strip("-.") or "data") + ".warc.gz"


def write_cdxj(
    archive: Any,
    warc_dir: Path,
    out: Path,
    site: str | None = None,
    since: str | None = None,
    all_versions: bool = True,
    *,
    warc_name: str | None = None,
    record_id_factory: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """The CDXJ index the WACZ of the same selection carries, alone. Its lines name the
    export WARC ``warc_name`` (default: ``out``'s name with ``.warc.gz``), the file
    ``write_warc`` writes for the same selection: export both for a pywb collection.
    Returns the number of lines."""
    name = warc_name or _warc_name(out)
    with tempfile.TemporaryDirectory(prefix="luutru-cdxj-") as tmp:
        warc = Path(tmp) / name
        _export(archive, warc_dir, warc, site, since, all_versions, record_id_factory, clock)
        return write_index([(warc, name)], Path(out))


def _pages_jsonl(pages: list[Page], title: str) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": title}]
    lines += [{"id": p.id, "url": p.url, "ts": p.ts, "title": p.title} for p in pages]
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")


def _sha256_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, "sha256:" + digest.hexdigest()


def _resource(path: str, size: int, digest: str) -> dict[str, Any]:
    return {"name": Path(path).name, "path": path, "hash": digest, "bytes": size}


def write_wacz(
    archive: Any,
    warc_dir: Path,
    out: Path,
    site: str | None = None,
    since: str | None = None,
    all_versions: bool = True,
    *,
    signing_key: str | bytes | Path | None = None,
    title: str | None = None,
    description: str | None = None,
    created: datetime | None = None,
    record_id_factory: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> WaczResult:
    """Write the WACZ of a selection (every version of the selected articles by default:
    a package is the archive's history) to ``out``, atomically. ``signing_key``: a P-384
    PEM key (path or text) to sign datapackage-digest.json with."""
    from archive import waczsign

    out = Path(out)
    key = waczsign.load_signing_key(signing_key) if signing_key is not None else None
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    title = title or "luutru archive" + (f": {site}" if site else "")
    name = _warc_name(out)
    result = WaczResult()
    with tempfile.TemporaryDirectory(prefix="luutru-wacz-") as tmp:
        warc = Path(tmp) / name
        exported = _export(
            archive, warc_dir, warc, site, since, all_versions, record_id_factory, clock
        )
        index = Path(tmp) / "index.cdx"
        result.index_lines = write_index([(warc, name)], index)
        pages = _pages_jsonl(exported.pages, title)
        files = [(f"archive/{name}", warc), (INDEX_PATH, index)]
        resources = [_resource(arc, *_sha256_file(path)) for arc, path in files]
        resources.append(
            _resource(PAGES_PATH, len(pages), "sha256:" + hashlib.sha256(pages).hexdigest())
        )
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "description": description
            or f"{len(exported.pages)} article versions archived by luutru"
            + (f" from {site}" if site else "")
            + (f", fetched since {since}" if since else ""),
            "created": stamp,
            "software": SOFTWARE,
            "resources": resources,
        }
        package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
        digest = {"path": "datapackage.json"}
        digest["hash"] = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        if key is not None:
            digest["signedData"] = waczsign.sign(key, digest["hash"], stamp, SOFTWARE)
        digest_bytes = json.dumps(digest, indent=2).encode("utf-8")
        part = out.with_name(out.name + ".part")
        try:
            with zipfile.ZipFile(part, "w") as zf:
                for arc, path in files:  # stored: replay reads records by byte range
                    info = zipfile.ZipInfo(arc, when.timetuple()[:6])
                    with open(path, "rb") as src, zf.open(info, "w") as dst:
                        while chunk := src.read(1 << 20):
                            dst.write(chunk)
                for arc, data in (
                    (PAGES_PATH, pages),
                    ("datapackage.json", package_bytes),
                    ("datapackage-digest.json", digest_bytes),
                ):
                    info = zipfile.ZipInfo(arc, when.timetuple()[:6])
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, data)
            part.replace(out)
        finally:
            part.unlink(missing_ok=True)
    result.records = exported.records
    result.pages = len(exported.pages)
    result.signed = key is not None
    result.skipped = exported.skipped
    return result

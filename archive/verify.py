"""`luutru verify`: re-hash everything the archive stores against its own digests.

- the database: SQLite's integrity check, and every version's content hash recomputed
  from its stored fields (a changed byte in a title or body shows up here), in about one
  read of the file (archive/verify_db.py);
- every WARC file under ``warc/``: each record's digests, truncation, malformed headers;
- every WARC pointer of a version or capture: a sound record must start there (its block
  and payload digests checked by warcio), its target URI and payload digest must be the
  stored ones — checked against the one pass over its file.

Problems are returned as text lines; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from archive import verify_db
from archive.schema import captures
from archive.store import Archive
from archive.warc import WarcError, WarcPointer, check_file, read_record
from archive.warcscan import Scanned, scan_file


@dataclass
class Report:
    versions: int = 0
    pointers: int = 0
    warc_files: int = 0
    warc_bytes: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "versions": self.versions,
            "pointers": self.pointers,
            "warc_files": self.warc_files,
            "warc_bytes": self.warc_bytes,
            "problems": self.problems,
        }


def _database(
    archive: Archive, report: Report
) -> Iterator[tuple[str, str, WarcPointer, str | None]]:
    """Check version hashes; yield (what, url, pointer, payload digest) to check in WARCs."""
    sqlite = archive.engine.dialect.name == "sqlite"
    with archive.engine.connect() as conn:
        # SQLite: the structure checked table by table, ``versions`` by the re-hash's
        # one read (archive/verify_db.py): the database is read about once, not twice.
        indexes = verify_db.integrity(conn, report.problems) if sqlite else {}
        for row in verify_db.versions_rows(conn, indexes, report.problems):
            report.versions += 1
            if row["warc_file"] and row["warc_length"]:
                pointer = WarcPointer(row["warc_file"], row["warc_offset"], row["warc_length"])
                yield f"version id {row['id']}", row["fetched_url"], pointer, row["payload_digest"]
        for row in conn.execute(
            select(captures).where(captures.c.warc_file.is_not(None))
        ).mappings():
            if row["version_id"] is not None or not row["warc_length"]:
                continue  # the version's own pointer is checked above
            pointer = WarcPointer(row["warc_file"], row["warc_offset"], row["warc_length"])
            yield f"capture id {row['id']}", row["fetched_url"], pointer, row["payload_digest"]


def verify(archive: Archive, data_dir: Path) -> Report:
    """Each WARC file is read once (archive/warcscan.py): its records are checked as
    ``check_file`` checks them and every pointer is checked against what that pass found
    at its offset, so verify reads about the archive's size, not a record per pointer on
    top of every file."""
    report = Report()
    warc_dir = Path(data_dir) / "warc"
    pointers: dict[str, list[tuple[str, str, WarcPointer, str | None]]] = {}
    for what, url, pointer, digest in _database(archive, report):
        report.pointers += 1
        pointers.setdefault(pointer.file, []).append((what, url, pointer, digest))
    for path in sorted(warc_dir.rglob("*.warc.gz")) if warc_dir.is_dir() else []:
        report.warc_files += 1
        report.warc_bytes += path.stat().st_size
        name = path.relative_to(warc_dir).as_posix()
        scan = scan_file(path)
        if scan is None:  # not gzip per record: checked and read the slow way
            report.problems += [f"{name}: {p}" for p in check_file(path)]
            continue
        report.problems += [f"{name}: {p}" for p in scan.problems]
        for what, url, pointer, digest in pointers.pop(name, []):
            _check_pointer(report, what, url, pointer, digest, scan.records.get(pointer.offset))
    # Pointers into files not scanned above (missing, or not gzip per record): one by one.
    for entries in pointers.values():
        for what, url, pointer, digest in entries:
            try:
                record = read_record(warc_dir, pointer)
            except WarcError as exc:
                report.problems.append(f"{what}: {pointer.file}#{pointer.offset}: {exc}")
                continue
            found = Scanned(pointer.length, record.target_uri, record.payload_digest)
            _check_pointer(report, what, url, pointer, digest, found)
    return report


def _check_pointer(
    report: Report,
    what: str,
    url: str,
    pointer: WarcPointer,
    digest: str | None,
    found: Scanned | None,
) -> None:
    where = f"{what}: {pointer.file}#{pointer.offset}"
    if found is None:
        report.problems.append(f"{where}: no record starts at offset {pointer.offset}")
        return
    if found.error:
        report.problems.append(f"{where}: {found.error}")
        return
    if pointer.length is not None and found.length != pointer.length:
        report.problems.append(
            f"{where}: pointer length {pointer.length} does not match the gzip member "
            f"length {found.length}"
        )
        return
    if found.target_uri != url:
        report.problems.append(f"{where} is a record of {found.target_uri}, not {url}")
    if digest and found.payload_digest and found.payload_digest != digest:
        report.problems.append(
            f"{where}: payload digest {found.payload_digest} differs from the stored {digest}"
        )

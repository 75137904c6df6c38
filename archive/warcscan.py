"""One pass over a WARC file: its problems (as ``check_file`` reports them) and what each
record at each offset is, so that ``luutru verify`` checks the database's pointers against
that pass instead of reading every pointed-to record a second time (archive/verify.py).

Gzip-per-record files (what ``WarcSeries`` writes) only; :func:`scan_file` returns None for
any other file, whose pointers are then read one by one as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from archive.deflate import zlib
from archive.warcread import (
    _CHUNK,
    _GZIP_MAGIC,
    _describe,
    _find_magic,
    _Member,
    _parse_one,
    _short,
    check_file,
)


@dataclass(frozen=True)
class Scanned:
    """A record as found at its offset: its gzip member length, target URI, payload digest,
    and why it is not sound (None when it is)."""

    length: int
    target_uri: str | None
    payload_digest: str | None
    error: str | None = None


@dataclass
class FileScan:
    problems: list[str] = field(default_factory=list)  # as check_file's, offset first
    records: dict[int, Scanned] = field(default_factory=dict)  # by offset


def scan_file(path: Path) -> FileScan | None:
    """Every record of a gzip-per-record WARC file, read once; None for another kind."""
    try:
        with open(path, "rb") as fh:
            if fh.read(2) != _GZIP_MAGIC:
                return None
            return _scan(fh, Path(path).name)
    except OSError as e:
        return FileScan(problems=[f"{Path(path).name}: cannot read: {e}"])
    except Exception as e:  # a checker must report, not crash, whatever the input
        return FileScan(problems=[f"{Path(path).name}: unexpected error: {_short(e)!r}"])


def _members(fh: BinaryIO) -> Iterator[_Member]:
    """The gzip members of a file in order, read sequentially: what follows a member is
    kept in memory and decompressed next (``_read_member`` seeks to each offset and reads
    a whole chunk from there, which reads a file of small members many times over)."""
    offset, pending = 0, b""
    while True:
        if len(pending) < 2:
            pending += fh.read(_CHUNK)
            if not pending:
                return
        if not pending.startswith(_GZIP_MAGIC):
            yield _Member(offset, 0, None, f"no gzip member starts here (bytes {pending[:16]!r})")
            return
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out: list[bytes] = []
        consumed, chunk = 0, pending
        while True:
            try:
                out.append(d.decompress(chunk))
            except zlib.error as e:
                yield _Member(offset, consumed + len(chunk), None, f"corrupt gzip member ({e})")
                return
            consumed += len(chunk)
            if d.eof:
                length = consumed - len(d.unused_data)
                yield _Member(offset, length, b"".join(out))
                offset, pending = offset + length, d.unused_data
                break
            chunk = fh.read(_CHUNK)
            if not chunk:
                got = sum(len(b) for b in out)
                yield _Member(offset, consumed, None,
                              f"truncated gzip member: file ends {consumed} bytes into it "
                              f"({got} bytes of record recovered)")  # fmt: skip
                return


def _scan(fh: BinaryIO, name: str) -> FileScan:
    """``_check_gzip`` of archive/warcread.py, keeping each record's identity; after a
    broken member it goes on from the next gzip header, as that does."""
    scan = FileScan()
    first, start = True, 0
    while True:
        fh.seek(start)
        resync = None
        for member in _members_from(fh, start):
            offset = member.offset
            if member.data is None:
                scan.problems.append(f"offset {offset}: {member.error}")
                resync = _find_magic(fh, offset + 1)
                if resync is not None:
                    skipped = resync - offset
                    scan.problems.append(
                        f"offset {offset}: skipped {skipped} bytes to next gzip member"
                    )
                first = False
                break
            _record(scan, name, member, first)
            first = False
        if resync is None:
            return scan
        start = resync


def _members_from(fh: BinaryIO, start: int) -> Iterator[_Member]:
    for member in _members(fh):
        yield _Member(member.offset + start, member.length, member.data, member.error)


def _record(scan: FileScan, name: str, member: _Member, first: bool) -> None:
    offset = member.offset
    try:
        record, _, found, count = _parse_one(member.data or b"")
        own = list(found)  # what makes this record unreadable through a pointer
        if first and record.rec_type != "warcinfo":
            found.insert(0, f"first record is {record.rec_type}, not warcinfo")
        if count > 1:
            found.append(f"gzip member holds {count} records (expected one per member)")
        scan.problems += [f"offset {offset}:{_describe(record)}: {p}" for p in found]
        scan.records[offset] = Scanned(
            member.length,
            record.rec_headers.get_header("WARC-Target-URI"),
            record.rec_headers.get_header("WARC-Payload-Digest"),
            f"{name} offset {offset}: " + "; ".join(own) if own else None,
        )
    except Exception as e:
        scan.problems.append(f"offset {offset}: unreadable WARC record ({_short(e)})")
        scan.records[offset] = Scanned(
            member.length, None, None, f"{name} offset {offset}: unreadable WARC record"
        )


__all__ = ["FileScan", "Scanned", "check_file", "scan_file"]

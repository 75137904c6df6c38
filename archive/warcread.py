"""Reading WARC capture files back: one record at a pointer (and the original it stands
for), an index of a file, checking whole files (gzip framing, truncation, malformed
headers, block and payload digests) without raising, and a record's stored gzip member.

Parsing and digest checks are warcio's (``ArchiveIterator``, ``check_digests``); the
files are the gzip-per-record ones archive/warc.py writes. Every public name here is also
importable from :mod:`archive.warc`.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord

from archive.deflate import zlib
from archive.warcbase import Original, WarcError, WarcPointer

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 8 * 1024  # a record is 1–4 KB gzipped: read little, read again if needed
# Headers every WARC record must carry (WARC 1.1 §5); warcio tolerates their absence.
_MANDATORY = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type")


@dataclass
class ReadRecord:
    rec_type: str
    target_uri: str | None
    date: str | None
    record_id: str | None
    http_status: int | None
    headers: list[tuple[str, str]]  # HTTP headers (empty for non-HTTP records)
    payload: bytes  # after chunked / content-encoding decoding, as warcio's content_stream
    payload_digest: str | None  # the WARC-Payload-Digest header value
    warc_headers: list[tuple[str, str]] = field(default_factory=list)

    def warc_header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.warc_headers if k.lower() == lname), None)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


# --------------------------------------------------------------------------- gzip members


@dataclass
class _Member:
    offset: int
    length: int  # compressed bytes consumed (up to EOF for a truncated member)
    data: bytes | None  # decompressed record, None when the member is unusable
    error: str | None = None


def _read_member(fh: BinaryIO, offset: int) -> _Member | None:
    """Decompress the gzip member starting at ``offset``; None at end of file."""
    fh.seek(offset)
    first = fh.read(_CHUNK)
    if not first:
        return None
    if not first.startswith(_GZIP_MAGIC):
        shown = first[:16]
        return _Member(offset, 0, None, f"no gzip member starts here (bytes {shown!r})")
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out: list[bytes] = []
    consumed = 0
    chunk = first
    while True:
        try:
            out.append(d.decompress(chunk))
        except zlib.error as e:
            return _Member(offset, consumed + len(chunk), None, f"corrupt gzip member ({e})")
        consumed += len(chunk)
        if d.eof:
            return _Member(offset, consumed - len(d.unused_data), b"".join(out))
        chunk = fh.read(_CHUNK)
        if not chunk:
            got = sum(len(b) for b in out)
            return _Member(
                offset,
                consumed,
                None,
                f"truncated gzip member: file ends {consumed} bytes into it "
                f"({got} bytes of record recovered)",
            )


def _find_magic(fh: BinaryIO, start: int) -> int | None:
    """Offset of the next plausible gzip member header at or after ``start``."""
    magic = _GZIP_MAGIC + b"\x08"
    pos = start
    tail = b""
    while True:
        fh.seek(pos)
        chunk = fh.read(_CHUNK)
        if not chunk:
            return None
        data = tail + chunk
        i = data.find(magic)
        if i >= 0:
            return pos - len(tail) + i
        tail = data[-(len(magic) - 1) :]
        pos += len(chunk)


def _drain(stream: Any) -> None:
    while stream.read(_CHUNK):
        pass


def _parse_one(data: bytes) -> tuple[ArcWarcRecord, bytes, list[str], int]:
    """Parse the single uncompressed WARC record in ``data`` with warcio, checking digests.

    Returns (record, decoded payload, problems, number of records in data)."""
    problems: list[str] = []
    stderr = io.StringIO()
    # warcio reports some faults (bad Content-Length / missing blank lines) only on stderr.
    with contextlib.redirect_stderr(stderr):
        it = ArchiveIterator(io.BytesIO(data), check_digests=True)
        record = next(it, None)
        if record is None:
            raise WarcError("no WARC record in gzip member")
        problems += _header_problems(record)
        payload = record.content_stream().read()
        _drain(record.raw_stream)
        problems += _record_problems(record)
        count = 1 + sum(1 for _ in it)
    problems += [line.strip() for line in stderr.getvalue().splitlines() if line.strip()]
    return record, payload, problems, count


def _header_problems(record: ArcWarcRecord) -> list[str]:
    if record.format != "warc":
        return [f"not a WARC record (format {record.format})"]
    problems = [
        f"missing mandatory header {name}"
        for name in _MANDATORY
        if record.rec_headers.get_header(name) is None
    ]
    length = record.rec_headers.get_header("Content-Length")
    if length is not None and not (length.isdigit()):
        problems.append(f"malformed Content-Length {length!r}")
    if record.rec_type in ("response", "revisit") and record.http_headers:
        code = record.http_headers.get_statuscode()
        if not code.isdigit():
            problems.append(f"malformed HTTP status line {record.http_headers.statusline!r}")
    return problems


def _record_problems(record: ArcWarcRecord) -> list[str]:
    problems: list[str] = []
    stream = record.raw_stream
    if isinstance(stream, LimitReader) and stream.limit > 0:
        problems.append(
            f"truncated record: Content-Length {stream._orig_limit}, "
            f"{stream._orig_limit - stream.limit} bytes present"
        )
    checker = record.digest_checker
    if checker is not None and checker.passed is False:
        problems += list(checker.problems)
    return problems


def _short(exc: BaseException, limit: int = 200) -> str:
    # warcio puts the whole offending line in its messages; garbage can make that huge.
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + "…"


def _describe(record: ArcWarcRecord | None) -> str:
    if record is None:
        return ""
    uri = record.rec_headers.get_header("WARC-Target-URI")
    return f" {record.rec_type}" + (f" {uri}" if uri else "")


# --------------------------------------------------------------------------- reading


def _resolve(
    directory: Path, where: WarcPointer | tuple[str, int] | tuple[str, int, int]
) -> tuple[Path, int, int | None]:
    if len(where) == 3:  # a WarcPointer or a plain (file, offset, length) row
        file, offset, length = where  # type: ignore[misc]
    elif len(where) == 2:
        file, offset = where  # type: ignore[misc]
        length = None
    else:
        raise WarcError(f"expected a WarcPointer or (file, offset), got {where!r}")
    rel = Path(file)
    if rel.is_absolute() or ".." in rel.parts:
        raise WarcError(f"WARC file name must be relative to the series directory: {file!r}")
    return Path(directory) / rel, int(offset), length


def read_record(
    directory: Path, where: WarcPointer | tuple[str, int] | tuple[str, int, int]
) -> ReadRecord:
    """Read the record at a pointer (or (file, offset)); digests are verified.

    Raises :class:`WarcError` on a missing file, an offset that is not the start of a
    record, a length that does not match, or corrupt / truncated data."""
    path, offset, length = _resolve(directory, where)
    try:
        fh = open(path, "rb")  # noqa: SIM115
    except OSError as e:
        raise WarcError(f"cannot open WARC file {path}: {e}") from e
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if offset < 0 or offset >= size:
            raise WarcError(f"{path.name}: offset {offset} outside the file (size {size})")
        member = _read_member(fh, offset)
        if member is None or member.data is None:
            error = member.error if member else "end of file"
            raise WarcError(f"{path.name} offset {offset}: {error}")
        if length is not None and member.length != length:
            raise WarcError(
                f"{path.name} offset {offset}: pointer length {length} does not match the "
                f"gzip member length {member.length}"
            )
    return parse_record(member.data, f"{path.name} offset {offset}")


def parse_record(data: bytes, where: str = "record") -> ReadRecord:
    """The one uncompressed WARC record in ``data``, digests verified; WarcError (naming
    ``where``) when it is not sound."""
    try:
        record, payload, problems, _ = _parse_one(data)
    except WarcError as e:
        raise WarcError(f"{where}: {e}") from e
    except Exception as e:  # warcio raises a variety of types on malformed input
        raise WarcError(f"{where}: unreadable WARC record ({_short(e)})") from e
    if problems:
        raise WarcError(f"{where}: " + "; ".join(problems))
    return as_read_record(record, payload)


def as_read_record(record: ArcWarcRecord, payload: bytes = b"") -> ReadRecord:
    """``record``'s fields as :func:`parse_record` gives them (also for a record just
    written: what the crawl hands on instead of reading it back from the file)."""
    http = record.http_headers
    status = None
    if http is not None and record.rec_type in ("response", "revisit"):
        code = http.get_statuscode()
        status = int(code) if code.isdigit() else None
    return ReadRecord(
        rec_type=record.rec_type,
        target_uri=record.rec_headers.get_header("WARC-Target-URI"),
        date=record.rec_headers.get_header("WARC-Date"),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        http_status=status,
        headers=list(http.headers) if http is not None else [],
        payload=payload,
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        warc_headers=list(record.rec_headers.headers),
    )


def original_of(record: ReadRecord) -> Original | None:
    """The record holding ``record``'s payload: a response is its own original; a revisit
    names its original in its WARC-Refers-To-* fields (None when it names none)."""
    if record.rec_type == "response" and record.target_uri and record.date:
        return Original(record.target_uri, record.date, record.record_id, record.payload_digest)
    if record.rec_type == "revisit":
        uri = record.warc_header("WARC-Refers-To-Target-URI")
        date = record.warc_header("WARC-Refers-To-Date")
        if uri and date:
            refers = record.warc_header("WARC-Refers-To")
            return Original(uri, date, refers, record.payload_digest)
    return None


def index_file(path: Path) -> list[dict[str, Any]]:
    """One entry per record: offset, length, rec_type, uri, record_id, date — the offsets
    and lengths ``warcio index -f offset,length`` prints. Raises WarcError if unreadable."""
    entries: list[dict[str, Any]] = []
    try:
        with open(path, "rb") as fh, contextlib.redirect_stderr(io.StringIO()):
            it = ArchiveIterator(fh, no_record_parse=True, arc2warc=True)
            for record in it:
                entries.append(
                    {
                        "offset": it.get_record_offset(),
                        "length": it.get_record_length(),
                        "rec_type": record.rec_type,
                        "uri": record.rec_headers.get_header("WARC-Target-URI"),
                        "record_id": record.rec_headers.get_header("WARC-Record-ID"),
                        "date": record.rec_headers.get_header("WARC-Date"),
                    }
                )
    except (OSError, ArchiveLoadFailed, EOFError, ValueError, zlib.error) as e:
        raise WarcError(f"cannot index {path}: {_short(e)}") from e
    return entries


# --------------------------------------------------------------------------- checking


def check_file(path: Path) -> list[str]:
    """Problems found in a WARC file, each naming the offset; [] when it is sound.

    Checks gzip framing (one record per member, CRC, truncation), mandatory and malformed
    headers, record length vs Content-Length, and block / payload digests (warcio's
    ``check_digests``). Never raises on bad input."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            if not head:
                return [f"{path.name}: empty file (no warcinfo record)"]
            if head == _GZIP_MAGIC:
                return _check_gzip(fh)
            return _check_plain(fh)
    except OSError as e:
        return [f"{path.name}: cannot read: {e}"]
    except Exception as e:  # a checker must report, not crash, whatever the input
        return [f"{path.name}: unexpected error while checking: {_short(e)!r}"]


def _check_gzip(fh: BinaryIO) -> list[str]:
    problems: list[str] = []
    offset = 0
    first = True
    while True:
        member = _read_member(fh, offset)
        if member is None:
            break
        if member.data is None:
            problems.append(f"offset {offset}: {member.error}")
            nxt = _find_magic(fh, offset + 1)
            if nxt is None:
                break
            problems.append(f"offset {offset}: skipped {nxt - offset} bytes to next gzip member")
            offset = nxt
            first = False
            continue
        try:
            record, _, found, count = _parse_one(member.data)
            if first and record.rec_type != "warcinfo":
                found.insert(0, f"first record is {record.rec_type}, not warcinfo")
            if count > 1:
                found.append(f"gzip member holds {count} records (expected one per member)")
            problems += [f"offset {offset}:{_describe(record)}: {p}" for p in found]
        except Exception as e:
            problems.append(f"offset {offset}: unreadable WARC record ({_short(e)})")
        first = False
        offset += member.length
    return problems


def _check_plain(fh: BinaryIO) -> list[str]:
    # Uncompressed WARC (not what WarcSeries writes, but checkable): warcio end to end.
    problems: list[str] = []
    fh.seek(0)
    stderr = io.StringIO()
    offset = 0
    try:
        with contextlib.redirect_stderr(stderr):
            it = ArchiveIterator(fh, check_digests=True)
            for record in it:
                offset = it.offset
                found = _header_problems(record)
                _drain(record.raw_stream)
                found += _record_problems(record)
                problems += [f"offset {offset}:{_describe(record)}: {p}" for p in found]
    except Exception as e:
        problems.append(f"offset {offset}: not a readable WARC record ({_short(e)})")
    problems += [line.strip() for line in stderr.getvalue().splitlines() if line.strip()]
    return problems


# --------------------------------------------------------------------------- members


def member_bytes(directory: Path, pointer: WarcPointer | tuple[str, int]) -> bytes:
    """The gzip member of the record at ``pointer``, as stored (verified whole first)."""
    path, offset, length = _resolve(directory, pointer)
    try:
        with open(path, "rb") as fh:
            member = _read_member(fh, offset)
            if member is None or member.data is None:
                raise WarcError(
                    f"{path.name} offset {offset}: {member.error if member else 'end of file'}"
                )
            if length is not None and member.length != length:
                raise WarcError(
                    f"{path.name} offset {offset}: pointer length {length} does not match "
                    f"the gzip member length {member.length}"
                )
            fh.seek(offset)
            return fh.read(member.length)
    except OSError as e:
        raise WarcError(f"cannot read {path}: {e}") from e


def iter_pointers(path: Path) -> Iterator[WarcPointer]:
    """Pointers to every record of a file (from :func:`index_file`)."""
    name = Path(path).name
    for entry in index_file(path):
        yield WarcPointer(name, entry["offset"], entry["length"])

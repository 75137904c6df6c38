"""Export WARC files: selected capture records copied byte for byte, each article's capture
also indexed under its canonical URL, written as ``.warc.gz`` (a gzip member per record)
or ``.warc`` (uncompressed) by the output's name.

**Replay under every URL.** A capture fetched under an alias (``…?ItemID=818&CatID=1``)
is a record of that URL only; a reader pastes the canonical one (``…?ItemID=818``). Replay
tools look a URL up in their index and then check that the record they load is of that
URL (wabac.js does), so an index entry alone is not enough: the archive carries an
*alias revisit* — a ``revisit`` record whose WARC-Target-URI is the canonical URL, with
the capture's WARC-Date and HTTP headers, the identical-payload-digest profile and
WARC-Refers-To-* naming the record that holds the payload. pywb resolves it through
WARC-Refers-To-Target-URI/-Date, wabac.js (ReplayWeb.page) likewise. Its record id is
derived from the capture's id and the URL (:func:`derived_record_id`), so the one written
at crawl time and the one an export makes again are the same record.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord

from archive.warcbase import (
    PROFILE_IDENTICAL,
    SOFTWARE,
    WARC_VERSION,
    Original,
    WarcError,
    WarcPointer,
    _Writer,
    build_revisit,
    derived_record_id,
)
from archive.warcread import ReadRecord, member_bytes, original_of, parse_record

log = logging.getLogger(__name__)


def is_gzip_name(path: Path) -> bool:
    """``.warc`` is written uncompressed; anything else (``.warc.gz``) gzip per record."""
    return not Path(path).name.lower().endswith(".warc")


def alias_revisit(writer: _Writer, url: str, capture: ReadRecord) -> ArcWarcRecord | None:
    """The revisit that indexes ``capture`` (a response, or an identical-payload revisit)
    under ``url`` as well; None when ``url`` is the capture's own or nothing names the
    payload (a 304 has no payload to stand for)."""
    original = original_of(capture)
    if (
        not url
        or url == capture.target_uri
        or original is None
        or capture.http_status in (None, 304)
        or not capture.record_id
        or not capture.date
    ):
        return None
    fields = {
        "WARC-Record-ID": derived_record_id(capture.record_id, url),
        "WARC-Date": capture.date,  # the capture event's date: same moment, other URL
        "WARC-Concurrent-To": capture.record_id,
    }
    return build_revisit(
        writer,
        url,
        fields,
        profile=PROFILE_IDENTICAL,
        original=original,
        status=capture.http_status,
        reason=None,
        headers=capture.headers,
    )


class ExportWriter:
    """One export WARC: a warcinfo record, then records copied (or built) one at a time.

    The file appears atomically (written to ``.part``, renamed by :meth:`commit`)."""

    def __init__(
        self,
        out: Path,
        *,
        description: str = "luutru export",
        record_id_factory: Callable[[], str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.out = Path(out)
        self.gzip = is_gzip_name(self.out)
        self.part = self.out.with_name(self.out.name + ".part")
        self._buf = io.BytesIO()
        self._writer = _Writer(self._buf, record_id_factory, clock, gzip=self.gzip)
        self._fh: BinaryIO = open(self.part, "wb")  # noqa: SIM115
        self.records = 0
        info = {
            "software": SOFTWARE,
            "format": f"WARC File Format {WARC_VERSION}",
            "description": description,
        }
        self._put(self._writer.create_warcinfo_record(self.out.name, info))

    @property
    def writer(self) -> _Writer:
        return self._writer

    def _put(self, record: ArcWarcRecord) -> None:
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.write_record(record)
        self._fh.write(self._buf.getvalue())

    def add(self, record: ArcWarcRecord) -> None:
        self._put(record)
        self.records += 1

    def copy(self, member: bytes) -> None:
        """A stored gzip member, as is (``.warc.gz``) or decompressed (``.warc``): either
        way the record's bytes, digests and id stay those of the capture."""
        self._fh.write(member if self.gzip else gzip.decompress(member))
        self.records += 1

    def commit(self) -> None:
        self._fh.close()
        os.replace(self.part, self.out)

    def abort(self) -> None:
        self._fh.close()
        self.part.unlink(missing_ok=True)


def copy_records(
    sources: Iterable[tuple[Path, WarcPointer]],
    out: Path,
    *,
    description: str = "luutru export",
    record_id_factory: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Write ``out``: a warcinfo record, then each selected record copied byte for byte
    (digests and record ids stay those of the capture). ``sources`` pairs a series
    directory with a pointer into it. Returns the number of records copied.

    Each member is verified (complete gzip, length matches) before it is copied."""
    writer = ExportWriter(
        out, description=description, record_id_factory=record_id_factory, clock=clock
    )
    try:
        for directory, pointer in sources:
            writer.copy(member_bytes(Path(directory), pointer))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return writer.records


# --------------------------------------------------------------------------- captures


@dataclass(frozen=True)
class Capture:
    """One article version to export: its capture record and what a reader knows it by."""

    pointer: WarcPointer  # relative to the archive's warc/ folder
    url: str  # the article's canonical URL
    title: str
    page_id: str  # "site:key@vN"


@dataclass(frozen=True)
class Page:
    """A ``pages.jsonl`` entry: the URL a reader would paste, the capture's WARC-Date."""

    id: str
    url: str
    ts: str
    title: str


@dataclass
class ExportResult:
    records: int = 0
    pages: list[Page] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # captures that could not be read


def _load(warc_dir: Path, pointer: WarcPointer) -> tuple[bytes, ReadRecord]:
    member = member_bytes(warc_dir, pointer)
    where = f"{pointer.file} offset {pointer.offset}"
    return member, parse_record(gzip.decompress(member), where)


def export_captures(
    captures: Iterable[Capture],
    warc_dir: Path,
    out: Path,
    *,
    find_original: Callable[[Capture, Original], WarcPointer | None] = lambda c, o: None,
    description: str = "luutru export",
    record_id_factory: Callable[[], str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ExportResult:
    """Write the export WARC of ``captures``: each capture record copied byte for byte (a
    capture that is a revisit brings its original, found by ``find_original``), then, when
    the capture is of another URL than the article's canonical one, its alias revisit.

    A capture whose record cannot be read is reported in ``skipped``, not exported."""
    warc_dir = Path(warc_dir)
    result = ExportResult()
    writer = ExportWriter(
        out, description=description, record_id_factory=record_id_factory, clock=clock
    )
    copied: set[WarcPointer] = set()
    try:
        for capture in captures:
            try:
                member, record = _load(warc_dir, capture.pointer)
            except WarcError as exc:
                log.warning("not exported: %s", exc)
                result.skipped.append(str(exc))
                continue
            for pointer, data in _with_original(capture, member, record, warc_dir, find_original):
                if pointer not in copied:
                    copied.add(pointer)
                    writer.copy(data)
            revisit = alias_revisit(writer.writer, capture.url, record)
            if revisit is not None:
                writer.add(revisit)
            page = Page(capture.page_id, capture.url, record.date or "", capture.title)
            result.pages.append(page)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    result.records = writer.records
    return result


def _with_original(
    capture: Capture,
    member: bytes,
    record: ReadRecord,
    warc_dir: Path,
    find_original: Callable[[Capture, Original], WarcPointer | None],
) -> Iterator[tuple[WarcPointer, bytes]]:
    """The records to copy for one capture: its original first when it is a revisit (a
    revisit without its original replays nothing), then the capture and its request."""
    original = original_of(record)
    if record.rec_type == "revisit" and original is not None:
        pointer = find_original(capture, original)
        if pointer is None:
            log.warning("the original of %s (%s) is not in the archive", capture.url, original)
        else:
            try:
                yield pointer, member_bytes(warc_dir, pointer)
            except WarcError as exc:
                log.warning("the original of %s is unreadable: %s", capture.url, exc)
    yield capture.pointer, member
    request = _request_of(warc_dir, capture.pointer, record)
    if request is not None:
        yield request


def _member_at(warc_dir: Path, file: str, offset: int) -> tuple[WarcPointer, bytes] | None:
    try:
        data = member_bytes(warc_dir, (file, offset))
    except WarcError:
        return None
    return WarcPointer(file, offset, len(data)), data


def _next_file(file: str) -> str | None:
    """The series' next file (``…-00007.warc.gz`` → ``…-00008.warc.gz``)."""
    m = re.search(r"-(\d{5,})\.warc\.gz$", file)
    if m is None:
        return None
    return f"{file[: m.start(1)]}{int(m.group(1)) + 1:0{len(m.group(1))}d}.warc.gz"


def _request_of(
    warc_dir: Path, pointer: WarcPointer, record: ReadRecord
) -> tuple[WarcPointer, bytes] | None:
    """The request record of the capture event, so that an export keeps the pair whole.
    The capture middleware writes it right after the response (or revisit): the next
    record of the file, or — after a rollover — the first after the next file's warcinfo.
    None when it is not there (a capture written otherwise)."""
    found = _member_at(warc_dir, pointer.file, pointer.offset + pointer.length)
    if found is None and (following := _next_file(pointer.file)):
        head = _member_at(warc_dir, following, 0)
        found = _member_at(warc_dir, following, head[0].length) if head else None
    if found is None:
        return None
    try:
        request = parse_record(gzip.decompress(found[1]))
    except WarcError:
        return None
    pairs = (
        request.warc_header("WARC-Concurrent-To") == record.record_id
        or record.warc_header("WARC-Concurrent-To") == request.record_id
    )
    return found if request.rec_type == "request" and pairs else None

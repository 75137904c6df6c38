"""WARC 1.1 capture files: one series of gzip-per-record WARC files per crawl run.

Serialisation, parsing and digests are warcio's (``WARCWriter``, ``ArchiveIterator``,
``check_digests``); this module adds what a crawler needs around them:

- crash safety: every record is built in memory and appended to an unbuffered file with a
  single ``write()``, so a killed process leaves whole gzip members only (at worst the
  last one is cut short, which :func:`check_file` reports);
- pointers: each write returns a :class:`WarcPointer` (file, offset, length) — the same
  offset/length ``warcio index`` prints — which the archive stores per version;
- rollover at ``max_bytes`` with a ``warcinfo`` record at the head of every file;
- determinism for tests: record ids and dates come from injectable factories (the warcio
  test-suite way of overriding ``_make_warc_id`` / the date), so identical input gives
  byte-identical files;
- reading one record back, checking whole files (gzip framing, truncation, malformed
  headers, block and payload digests) without raising, and copying records byte-for-byte
  into an export WARC.

What the records say follows WARC 1.1 to the letter, because replay tools rely on it:

- one capture event — request, response (or revisit) and the metadata record about it —
  shares one WARC-Date, and its records name each other in WARC-Concurrent-To (request
  and response both ways, metadata to the response);
- a request record holds the HTTP request as sent: ``Host``, and ``Content-Length`` when
  a body was sent (a POST carries one even when empty), so the block parses on its own;
- a payload seen before is a ``revisit`` (identical-payload-digest) and a 304 a
  ``revisit`` (server-not-modified), never an empty response; both name their original in
  WARC-Refers-To-Target-URI, WARC-Refers-To-Date (its WARC-Date) and WARC-Refers-To.

This module is the writer (:class:`WarcSeries`) and the public face of the package's WARC
support: reading and checking live in archive/warcread.py, export files in
archive/warcexport.py, what they share (format version, :class:`WarcError`,
:class:`WarcPointer`, WARC dates, the warcio writer, revisit records) in
archive/warcbase.py; their public names are re-exported here.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

# Re-exported so that every name is still importable from here (see the docstring).
from archive.warcbase import (
    PROFILE_IDENTICAL,
    PROFILE_NOT_MODIFIED,
    SOFTWARE,
    WARC_VERSION,
    DateLike,
    Original,
    WarcError,
    WarcPointer,
    _Writer,
    build_revisit,
    clean,
    clean_headers,
    http_headers_for_decoded_body,
    http_status_line,
    payload_digest,
    request_headers_as_sent,
    warc_date,
)
from archive.warcexport import alias_revisit, copy_records
from archive.warcread import (
    ReadRecord,
    as_read_record,
    check_file,
    index_file,
    iter_pointers,
    original_of,
    parse_record,
    read_record,
)

REVISIT_PROFILE = PROFILE_IDENTICAL  # the name this module always exported
DEFAULT_MAX_BYTES = 1_000_000_000

__all__ = [
    "PROFILE_IDENTICAL",
    "PROFILE_NOT_MODIFIED",
    "REVISIT_PROFILE",
    "Original",
    "ReadRecord",
    "WarcError",
    "WarcPointer",
    "WarcSeries",
    "check_file",
    "copy_records",
    "http_headers_for_decoded_body",
    "index_file",
    "iter_pointers",
    "original_of",
    "parse_record",
    "payload_digest",
    "read_record",
    "request_headers_as_sent",
    "warc_date",
]


# --------------------------------------------------------------------------- helpers


def _warc_fields(fields: Mapping[str, Any]) -> bytes:
    return "".join(f"{clean(k)}: {clean(v)}\r\n" for k, v in fields.items()).encode("utf-8")


# --------------------------------------------------------------------------- writing


class WarcSeries:
    """One series of ``{prefix}-{seq:05d}.warc.gz`` files for one crawl run.

    Files are opened lazily (no empty files) with ``x`` mode and the sequence starts after
    any file of the series already present, so a restarted run never overwrites captures.
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        record_id_factory: Callable[[], str] | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        description: str | None = None,
        info: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._clock = clock
        self._description = description or f"luutru crawl capture {prefix}"
        self._info = dict(info or {})
        self._buf = io.BytesIO()
        self._writer = _Writer(self._buf, record_id_factory, clock)
        self._fh: BinaryIO | None = None
        self._name: str | None = None
        self._size = 0
        self._records_in_file = 0
        self._seq = self._first_free_seq()
        self.files: list[str] = []  # file names written by this series, in order
        self.last_record_id: str | None = None
        self._last_record: ArcWarcRecord | None = None
        self.closed = False
        # Held by every write, and by a writer across the records of one capture (a crawl
        # writes large captures from a thread of their own: crawler/middlewares.py).
        self.lock = threading.RLock()

    # ---------------------------------------------------------------- files

    def _file_name(self, seq: int) -> str:
        return f"{self.prefix}-{seq:05d}.warc.gz"

    def _first_free_seq(self) -> int:
        pattern = re.compile(re.escape(self.prefix) + r"-(\d{5,})\.warc\.gz$")
        seqs = [
            int(m.group(1))
            for p in (self.directory.iterdir() if self.directory.is_dir() else ())
            if (m := pattern.match(p.name))
        ]
        return max(seqs) + 1 if seqs else 0

    @property
    def current_file(self) -> str | None:
        return self._name

    def _open_next(self) -> None:
        self._close_file()
        self.directory.mkdir(parents=True, exist_ok=True)
        name = self._file_name(self._seq)
        self._seq += 1
        # buffering=0: each write() goes straight to the OS, nothing is held in Python.
        self._fh = open(self.directory / name, "xb", buffering=0)  # noqa: SIM115
        self._name = name
        self._size = 0
        self._records_in_file = 0
        self.files.append(name)
        info = {
            "software": SOFTWARE,
            "format": f"WARC File Format {WARC_VERSION}",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            "isPartOf": self.prefix,
            "description": self._description,
            **self._info,
        }
        self._append(self._serialize(self._writer.create_warcinfo_record(name, info)))

    def _close_file(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def _serialize(self, record: ArcWarcRecord) -> bytes:
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.write_record(record)
        self.last_record_id = record.rec_headers.get_header("WARC-Record-ID")
        self._last_record = record
        return self._buf.getvalue()

    def _append(self, data: bytes) -> WarcPointer:
        assert self._fh is not None and self._name is not None
        offset = self._size
        # One write() of the whole gzip member: a kill can cut it short but never interleave
        # or leave a half-built record in a Python buffer. FileIO may (rarely) write less.
        view = memoryview(data)
        try:
            while view:
                n = self._fh.write(view)
                view = view[n or 0 :]
            self._fh.flush()
        except OSError:
            # Disk full (or any write error) half-way: cut the partial member off so the
            # file still ends on a whole record; truncating needs no free space.
            self._fh.truncate(offset)
            raise
        self._size += len(data)
        self._records_in_file += 1
        return WarcPointer(self._name, offset, len(data))

    def _write(self, record: ArcWarcRecord) -> WarcPointer:
        with self.lock:
            return self._write_locked(record)

    def _write_locked(self, record: ArcWarcRecord) -> WarcPointer:
        if self.closed:
            raise WarcError("WarcSeries is closed")
        if self._fh is None:
            self._open_next()
        data = self._serialize(record)
        # Roll before a record that would push the file past max_bytes (unless the file holds
        # only its warcinfo: an oversized record must still go somewhere).
        if self._size + len(data) > self.max_bytes and self._records_in_file > 1:
            rid, last = self.last_record_id, self._last_record
            self._open_next()
            self.last_record_id, self._last_record = rid, last
        return self._append(data)

    def last_written(self) -> ReadRecord | None:
        """The record just written, as :func:`read_record` would read it back (without its
        payload): its headers are the ones serialised, digests included."""
        return as_read_record(self._last_record) if self._last_record is not None else None

    def new_record_id(self) -> str:
        """A record id for a record about to be written: a capture event's records are
        given their ids first so that each can name the others (WARC-Concurrent-To)."""
        with self.lock:
            if self._fh is None and not self.closed:
                self._open_next()  # so the warcinfo takes the first record id of the file
            return self._writer._make_warc_id()

    def _headers(
        self,
        date: DateLike,
        extra: Mapping[str, str | None],
        record_id: str | None = None,
    ) -> dict:
        warc_headers = {
            "WARC-Record-ID": record_id or self.new_record_id(),
            "WARC-Date": warc_date(date, self._clock),
        }
        warc_headers.update({k: v for k, v in extra.items() if v})
        return warc_headers

    # ---------------------------------------------------------------- records

    def write_request(
        self,
        url: str,
        method: str,
        headers: list[tuple[str, str]],
        body: bytes,
        date: DateLike = None,
        *,
        concurrent_to: str | None = None,
        record_id: str | None = None,
    ) -> WarcPointer:
        """The HTTP request as sent: see :func:`request_headers_as_sent`."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        http = StatusAndHeaders(
            f"{clean(method).upper()} {target} HTTP/1.1",
            clean_headers(request_headers_as_sent(url, method, headers, body)),
            is_http_request=True,
        )
        record = self._writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=self._headers(date, {"WARC-Concurrent-To": concurrent_to}, record_id),
        )
        return self._write(record)

    def write_response(
        self,
        url: str,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        body: bytes,
        date: DateLike = None,
        concurrent_to: str | None = None,
        *,
        record_id: str | None = None,
        digest: str | None = None,
    ) -> tuple[WarcPointer, str, str]:
        """Write a response; returns (pointer, WARC-Record-ID, WARC-Payload-Digest).

        ``body`` must be what ``headers`` describe (see :func:`http_headers_for_decoded_body`
        for a body that was already decoded). A 304 is no response: :meth:`write_revisit`
        with ``PROFILE_NOT_MODIFIED``. ``digest``: ``payload_digest(body)`` when the caller
        has it already (warcio then does not hash the body a second time)."""
        line = http_status_line(status, reason)
        http = StatusAndHeaders(line, clean_headers(headers), "HTTP/1.1")
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=self._headers(
                date,
                {"WARC-Concurrent-To": concurrent_to, "WARC-Payload-Digest": digest},
                record_id,
            ),
        )
        if digest:  # moved last, where warcio puts it when it hashes the body itself
            record.rec_headers.remove_header("WARC-Payload-Digest")
            record.rec_headers.add_header("WARC-Payload-Digest", digest)
        pointer = self._write(record)
        return (
            pointer,
            record.rec_headers.get_header("WARC-Record-ID"),
            record.rec_headers.get_header("WARC-Payload-Digest"),
        )

    def write_revisit(
        self,
        url: str,
        date: DateLike,
        refers_to_uri: str | None,
        refers_to_date: DateLike,
        payload_digest: str | None,
        status: int,
        headers: list[tuple[str, str]],
        *,
        reason: str | None = None,
        refers_to: str | None = None,
        profile: str = PROFILE_IDENTICAL,
        record_id: str | None = None,
        concurrent_to: str | None = None,
    ) -> WarcPointer:
        """A revisit: HTTP status and headers only, pointing at the earlier capture that
        holds the payload — its URI, its WARC-Date and, if known, its record id.

        ``PROFILE_IDENTICAL``: a 200 whose payload digest is the earlier one's.
        ``PROFILE_NOT_MODIFIED``: a 304 (no payload digest; ``refers_to_uri`` may be None
        when no earlier capture is known, though a conditional GET implies one)."""
        if profile == PROFILE_IDENTICAL and not (refers_to_uri and payload_digest):
            raise ValueError("an identical-payload-digest revisit needs its original and digest")
        original = None
        if refers_to_uri:
            original = Original(
                refers_to_uri, warc_date(refers_to_date, self._clock), refers_to, payload_digest
            )
        fields = self._headers(date, {"WARC-Concurrent-To": concurrent_to}, record_id)
        record = build_revisit(
            self._writer, url, fields, profile=profile, original=original,
            status=status, reason=reason, headers=headers,
        )  # fmt: skip
        return self._write(record)

    def write_alias_revisit(self, url: str, capture: ReadRecord) -> WarcPointer | None:
        """Index ``capture`` under ``url`` (the article's canonical URL) as well: see
        archive/warcexport.py. None when there is nothing to write."""
        if self._fh is None and not self.closed:
            self._open_next()
        record = alias_revisit(self._writer, url, capture)
        return self._write(record) if record is not None else None

    def write_metadata(
        self,
        url: str,
        fields: dict[str, str],
        concurrent_to: str | None = None,
        *,
        date: DateLike = None,
    ) -> WarcPointer:
        body = _warc_fields(fields)
        record = self._writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict=self._headers(date, {"WARC-Concurrent-To": concurrent_to}),
        )
        return self._write(record)

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        with self.lock:
            self._close_file()
            self.closed = True

    def __enter__(self) -> WarcSeries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

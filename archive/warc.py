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

This module is the writer (:class:`WarcSeries`) and the public face of the package's WARC
support: reading, checking and export copies live in archive/warcread.py, what both sides
share (format version, :class:`WarcError`, :class:`WarcPointer`, WARC dates, the warcio
writer) in archive/warcbase.py; their public names are re-exported here.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

# Re-exported so that every name is still importable from here (see the docstring).
from archive.warcbase import (
    SOFTWARE,
    WARC_VERSION,
    DateLike,
    WarcError,
    WarcPointer,
    _Writer,
    warc_date,
)
from archive.warcread import (
    ReadRecord,
    check_file,
    copy_records,
    index_file,
    iter_pointers,
    read_record,
)

REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
DEFAULT_MAX_BYTES = 1_000_000_000

_NEWLINES = re.compile(r"[\r\n]+")

__all__ = [
    "REVISIT_PROFILE",
    "ReadRecord",
    "WarcError",
    "WarcPointer",
    "WarcSeries",
    "check_file",
    "copy_records",
    "http_headers_for_decoded_body",
    "index_file",
    "iter_pointers",
    "payload_digest",
    "read_record",
    "warc_date",
]


# --------------------------------------------------------------------------- helpers


def payload_digest(body: bytes) -> str:
    """``sha1:`` + base32 of the SHA-1 of ``body``: warcio's WARC-Payload-Digest form."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def http_headers_for_decoded_body(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers to store with a body that was already de-chunked / decompressed (Scrapy's
    ``response.body``): keeping ``Content-Encoding: gzip`` or ``Transfer-Encoding: chunked``
    over a plain body would make replay tools decode it a second time, so they are kept
    under an ``X-Luutru-Original-`` name instead."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() in ("content-encoding", "transfer-encoding", "content-length"):
            out.append((f"X-Luutru-Original-{name}", value))
        else:
            out.append((name, value))
    return out


def _clean(value: Any) -> str:
    # A CR/LF inside a header value would end the header block early (header injection).
    return _NEWLINES.sub(" ", str(value))


def _clean_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(_clean(k), _clean(v)) for k, v in headers]


def _warc_fields(fields: Mapping[str, Any]) -> bytes:
    return "".join(f"{_clean(k)}: {_clean(v)}\r\n" for k, v in fields.items()).encode("utf-8")


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
        self.closed = False

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
        if self.closed:
            raise WarcError("WarcSeries is closed")
        if self._fh is None:
            self._open_next()
        data = self._serialize(record)
        # Roll before a record that would push the file past max_bytes (unless the file holds
        # only its warcinfo: an oversized record must still go somewhere).
        if self._size + len(data) > self.max_bytes and self._records_in_file > 1:
            rid = self.last_record_id
            self._open_next()
            self.last_record_id = rid
        return self._append(data)

    def _headers(self, url: str, date: DateLike, extra: Mapping[str, str | None]) -> dict:
        if self._fh is None and not self.closed:
            self._open_next()  # so the warcinfo takes the first record id of the file
        warc_headers = {
            "WARC-Record-ID": self._writer._make_warc_id(),
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
    ) -> WarcPointer:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        http = StatusAndHeaders(
            f"{_clean(method).upper()} {target} HTTP/1.1",
            _clean_headers(headers),
            is_http_request=True,
        )
        record = self._writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=self._headers(url, date, {"WARC-Concurrent-To": concurrent_to}),
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
    ) -> tuple[WarcPointer, str, str]:
        """Write a response; returns (pointer, WARC-Record-ID, WARC-Payload-Digest).

        ``body`` must be what ``headers`` describe (see :func:`http_headers_for_decoded_body`
        for a body that was already decoded). A 304 is written as-is with an empty body."""
        http = StatusAndHeaders(
            f"{int(status)} {_clean(reason)}".rstrip(), _clean_headers(headers), "HTTP/1.1"
        )
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=self._headers(url, date, {"WARC-Concurrent-To": concurrent_to}),
        )
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
        refers_to_uri: str,
        refers_to_date: DateLike,
        payload_digest: str,
        status: int,
        headers: list[tuple[str, str]],
        *,
        reason: str | None = None,
        refers_to: str | None = None,
    ) -> WarcPointer:
        """An identical-payload-digest revisit: HTTP status and headers only, pointing at the
        earlier capture (URI, date and, if known, its record id)."""
        if reason is None:
            try:
                reason = HTTPStatus(int(status)).phrase
            except ValueError:
                reason = ""
        http = StatusAndHeaders(
            f"{int(status)} {_clean(reason)}".rstrip(), _clean_headers(headers), "HTTP/1.1"
        )
        record = self._writer.create_revisit_record(
            url,
            payload_digest,
            refers_to_uri,
            warc_date(refers_to_date, self._clock),
            http_headers=http,
            warc_headers_dict=self._headers(url, date, {"WARC-Refers-To": refers_to}),
        )
        return self._write(record)

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
            warc_headers_dict=self._headers(url, date, {"WARC-Concurrent-To": concurrent_to}),
        )
        return self._write(record)

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        self._close_file()
        self.closed = True

    def __enter__(self) -> WarcSeries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

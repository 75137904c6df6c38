"""What writing and reading WARC files share: the format version, the error and pointer
types, WARC dates, digests and header helpers, warcio's writer with injectable record ids
and dates, and revisit records (both profiles, WARC 1.1 §6.7).

Kept apart so that archive/warc.py (writing) and archive/warcread.py (reading, checking,
export copies) can both build on it without importing each other; every name here is
also importable from :mod:`archive.warc`.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.deflate import zlib

SOFTWARE = "luutru/0.1"
WARC_VERSION = "1.1"

DateLike = datetime | str | None

# The two revisit profiles of WARC 1.1 §6.7.2 and §6.7.3.
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"

_NEWLINES = re.compile(r"[\r\n]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BODY_METHODS = ("POST", "PUT", "PATCH")  # sent with Content-Length even when empty


class WarcError(Exception):
    """A WARC file or pointer cannot be read (bad offset, corrupt or truncated data)."""


class WarcPointer(NamedTuple):
    """Where one record lives: file name relative to the series directory, byte offset
    and length of its gzip member (the values ``warcio index`` reports)."""

    file: str
    offset: int
    length: int


class Original(NamedTuple):
    """The record a revisit stands for: what its WARC-Refers-To-Target-URI, -Date and
    WARC-Refers-To name (that record's own WARC-Target-URI, WARC-Date and WARC-Record-ID),
    and the payload digest they share."""

    uri: str
    date: str
    record_id: str | None
    payload_digest: str | None


def derived_record_id(*parts: str) -> str:
    """A record id fixed by what the record stands for (a name-based UUID), so that the
    same derived record made twice — at crawl time and again by an export — is one record
    with one id, and exports stay byte-identical."""
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, ' '.join(parts))}>"


def clean(value: Any) -> str:
    # A CR/LF inside a header value would end the header block early (header injection).
    return _NEWLINES.sub(" ", str(value))


def clean_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(clean(k), clean(v)) for k, v in headers]


def http_status_line(status: int, reason: str | None) -> str:
    """``200 OK``: the standard reason phrase when none is given (Scrapy keeps none)."""
    if not reason:
        try:
            reason = HTTPStatus(int(status)).phrase
        except ValueError:
            reason = ""
    return f"{int(status)} {clean(reason)}".rstrip()


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


def request_headers_as_sent(
    url: str, method: str, headers: Iterable[tuple[str, str]], body: bytes
) -> list[tuple[str, str]]:
    """``headers`` plus what the HTTP client adds on the wire (Twisted's, under Scrapy):
    ``Host``, and ``Content-Length`` for a request with a body, or a POST/PUT/PATCH without
    one. Without Content-Length a request block with a body cannot be parsed."""
    out = list(headers)
    names = {name.lower() for name, _ in out}
    parts = urlsplit(url)
    if "host" not in names and parts.hostname:
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
            host = f"{host}:{parts.port}"
        out.insert(0, ("Host", host))
    if "content-length" not in names and (body or method.upper() in _BODY_METHODS):
        out.append(("Content-Length", str(len(body))))
    return out


def warc_date(value: DateLike, default: Callable[[], datetime] | None = None) -> str:
    """A WARC 1.1 date (UTC, ``Z``, microseconds only when non-zero) from a datetime or an
    ISO 8601 string; naive values are taken as UTC."""
    if value is None:
        value = default() if default else datetime.now(UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_iso_date(value, use_micros=True)


# zlib's default level, written by zlib-ng (archive/deflate.py). warcio writes level 9: on
# real portal pages (realpages-dev, 100 KB and more) 20 % more CPU per record (4.25
# against 3.54 ms with zlib, in the crawl's reactor) for members 0.4 % smaller.
GZIP_LEVEL = 6


# A record up to this size is compressed in one call when it ends (see _GzipMember).
_ONE_CALL_MAX = 4 * 1024 * 1024


class _GzipMember:
    """warcio's GzippingWrapper at GZIP_LEVEL: one gzip member per record, ended by the
    ``flush()`` warcio calls after each record.

    The record's pieces (warcio writes a payload 16 KB at a time) are gathered and
    compressed in one call at the end: each call releases the GIL and must win it back,
    which in the crawl's WARC thread, beside a busy reactor, cost a switch interval per
    piece. A record past ``_ONE_CALL_MAX`` (an attached file) is compressed as it comes."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._parts: list[bytes] = []
        self._size = 0
        self._compressor: Any = None

    def write(self, data: bytes) -> None:
        if self._compressor is None:
            self._parts.append(data)
            self._size += len(data)
            if self._size <= _ONE_CALL_MAX:
                return
            self._compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
            data, self._parts = b"".join(self._parts), []
        self._out.write(self._compressor.compress(data))

    def flush(self) -> None:
        if self._compressor is None:
            whole, self._parts = b"".join(self._parts), []
            self._out.write(zlib.compress(whole, GZIP_LEVEL, zlib.MAX_WBITS + 16))
        else:
            self._out.write(self._compressor.flush())
        self._out.flush()


class _Writer(WARCWriter):
    """warcio's writer with injectable record ids and dates (what warcio's own tests do by
    overriding ``_make_warc_id`` / the date), so output can be byte-identical, and its gzip
    members at GZIP_LEVEL."""

    def __init__(
        self,
        out: BinaryIO,
        record_id_factory: Callable[[], str] | None,
        clock: Callable[[], datetime] | None,
        *,
        gzip: bool = True,
    ) -> None:
        # warcio compresses only when told to (at level 9): told not to, and given a
        # compressing stream per record instead.
        super().__init__(out, gzip=False, warc_version=WARC_VERSION)
        self._gzip_members = gzip
        self._id_factory = record_id_factory
        self._clock = clock

    def _write_warc_record(self, out: Any, record: ArcWarcRecord) -> None:
        super()._write_warc_record(_GzipMember(out) if self._gzip_members else out, record)

    def _make_warc_id(self, id_: Any = None) -> str:  # type: ignore[override]
        if self._id_factory is None:
            return StatusAndHeadersParser.make_warc_id(id_)
        rid = self._id_factory()
        return rid if rid.startswith("<") else f"<{rid}>"

    def curr_warc_date(self) -> str:
        return warc_date(None, self._clock)


def build_revisit(
    writer: _Writer,
    url: str,
    warc_headers: dict[str, str],
    *,
    profile: str,
    original: Original | None,
    status: int,
    reason: str | None,
    headers: Iterable[tuple[str, str]],
) -> ArcWarcRecord:
    """A ``revisit`` record: the HTTP status line and headers of this capture, no payload,
    and the WARC-Refers-To-* fields naming the record that holds the payload.

    ``warc_headers`` carries WARC-Record-ID and WARC-Date (and WARC-Concurrent-To). With
    ``PROFILE_NOT_MODIFIED`` (a 304) there is no WARC-Payload-Digest: the 304 carried no
    payload (the WARC 1.1 annex example); ``original`` still names the earlier capture."""
    fields = dict(warc_headers)
    fields["WARC-Profile"] = profile
    if original is not None:
        fields["WARC-Refers-To-Target-URI"] = original.uri
        fields["WARC-Refers-To-Date"] = original.date
        if original.record_id:
            fields["WARC-Refers-To"] = original.record_id
        if profile == PROFILE_IDENTICAL and original.payload_digest:
            fields["WARC-Payload-Digest"] = original.payload_digest
    http = StatusAndHeaders(http_status_line(status, reason), clean_headers(headers), "HTTP/1.1")
    # create_warc_record, not create_revisit_record: that one always adds the
    # identical-payload profile and demands a digest, which a 304 does not have.
    return writer.create_warc_record(url, "revisit", http_headers=http, warc_headers_dict=fields)

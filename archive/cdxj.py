"""CDXJ indexes of WARC files, as pywb and ReplayWeb.page read them.

One line per ``response``, ``revisit`` and ``resource`` record (and ``metadata`` that is
not ``application/warc-fields``): ``<SURT key> <14-digit timestamp> <JSON>``, the JSON
holding url, mime (``warc/revisit`` for a revisit), status, digest, length, offset,
filename and recordDigest (sha256 of the stored record bytes), lines sorted as plain text
— the fields and order of webrecorder's cdxj-indexer, which builds the indexes of py-wacz
and pywb (``tests/test_wacz.py`` compares the two line for line).

The SURT key is the Internet Archive's canonical form of the URL (the ``surt`` package's
default, which pywb uses to look a URL up): scheme and ``www.`` dropped, host reversed
with commas, default port dropped, percent-escapes normalised, path and query
lower-cased, known session ids removed, query arguments sorted. A replay tool finds a URL
only when our key and its own agree, so it is implemented here (no new runtime
dependency) and tested against the package.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

_INDEXED = ("response", "revisit", "resource", "metadata")
_MIME_CUT = re.compile(r"[;\s]")
_SAFE = b"!\"$&'()*+,-./:;<=>?@[\\]^_`{|}~"
_SPACES = re.compile(rb"[\n\r\t]")
_WWW = re.compile(rb"^www\d*\.")
_SCHEME = re.compile(rb"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_PROTOCOLS = re.compile(rb"^(https?://)+")
_URI = re.compile(rb"^(([a-zA-Z][a-zA-Z0-9+.-]*):)?((//([^/?#]*))?([^?#]*)(\?([^#]*))?)?(#(.*))?$")
_IPV4 = re.compile(rb"^\d{1,3}(\.\d{1,3}){3}$")
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_PATH_SESSIONS = (
    re.compile(rb"^(.*/)(\((?:[a-z]\([0-9a-z]{24}\))+\)/)([^\?]+\.aspx.*)$", re.I),
    re.compile(rb"^(.*/)(\([0-9a-z]{24}\)/)([^\?]+\.aspx.*)$", re.I),
)
_QUERY_SESSIONS = (
    re.compile(rb"^(.*)(?:jsessionid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:phpsessid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:sid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:ASPSESSIONID[a-zA-Z]{8}=[a-zA-Z]{24})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:cfid=[^&]+&cftoken=[^&]+)(?:&(.*))?$", re.I),
)


# --------------------------------------------------------------------------- SURT


def _unescape(value: bytes) -> bytes:
    while True:
        once = unquote_to_bytes(value)
        if once == value:
            return value
        value = once


def _escape(value: bytes) -> bytes:
    # Everything outside printable ASCII is escaped, and "#" and "%": once, upper-case hex.
    return quote_from_bytes(value, safe=_SAFE).encode("ascii") if value else value


def _normal_path(path: bytes) -> bytes:
    if not path:
        return b"/"
    kept: list[bytes] = []
    for part in path.split(b"/")[1:]:
        if part == b".":
            continue
        if part == b"..":
            if kept:
                kept.pop()
            else:
                kept.append(part)
            continue
        kept.append(part)
    out = b"/"
    for part in kept[:-1]:
        if part:  # repeated slashes collapse
            out += part + b"/"
    return out + (kept[-1] if kept else b"")


def _host(raw: bytes) -> bytes:
    host = _unescape(raw)
    try:
        host.decode("ascii")
    except UnicodeDecodeError:
        with contextlib.suppress(ValueError):  # a label IDNA refuses stays as it is
            host = host.decode("utf-8", "ignore").encode("idna")
    host = host.replace(b"..", b".").strip(b".")
    if not _IPV4.match(host):
        host = _escape(host.lower())
    return _WWW.sub(b"", host.lower(), count=1)


def _strip_sessions(value: bytes, patterns: Iterable[re.Pattern[bytes]]) -> bytes:
    for pattern in patterns:
        m = pattern.match(value)
        if m:
            groups = m.groups()
            value = groups[0] + (groups[-1] or b"") if len(groups) == 2 else groups[0] + groups[2]
    return value


def _sorted_query(query: bytes) -> bytes:
    if len(query) <= 1:
        return query
    pairs = sorted(tuple(arg.split(b"=", 1)) for arg in query.split(b"&"))
    return b"&".join(b"=".join(pair) for pair in pairs)


def surt(url: str) -> str:
    """The SURT key of an http(s) URL, as ``surt.surt(url)`` computes it."""
    raw = _SPACES.sub(b"", url.encode("utf-8").strip())
    if not _SCHEME.match(raw):
        raw = b"http://" + raw
    raw = _PROTOCOLS.sub(lambda m: m.group(1), raw)
    m = _URI.match(raw)
    if m is None:
        return url
    scheme = (m.group(2) or b"").lower()
    netloc, path, query = m.group(5) or b"", m.group(6) or b"", m.group(8)
    hostport = netloc.rpartition(b"@")[2]
    host, port = hostport, None
    if hostport.startswith(b"["):  # an IPv6 literal keeps its colons
        end = hostport.find(b"]")
        host, rest = hostport[1 : end if end > 0 else None], hostport[end + 1 :]
        port = rest[1:] if rest.startswith(b":") else None
    elif b":" in hostport:
        host, _, port = hostport.rpartition(b":")
    if not host and path and scheme.startswith(b"http"):  # http:////host/path
        host, _, rest = path.lstrip(b"/").partition(b"/")
        path = b"/" + rest
    key = b",".join(reversed(_host(host).split(b".")))
    if port and port.isdigit() and int(port) != _DEFAULT_PORTS.get(scheme):
        key += b":%d" % int(port)
    path = _escape(_normal_path(_unescape(path))).lower()
    path = _strip_sessions(path, _PATH_SESSIONS)
    if len(path) > 1 and path.endswith(b"/"):
        path = path[:-1]
    out = key + b")" + path
    if query:
        query = _sorted_query(_strip_sessions(_escape(_unescape(query)), _QUERY_SESSIONS).lower())
        if query:
            out += (b"" if path else b"/") + b"?" + query
    return out.decode("utf-8")


# --------------------------------------------------------------------------- index lines


def _mime(record) -> str | None:
    if record.rec_type == "revisit":
        return "warc/revisit"
    if record.rec_type in ("response", "request"):
        value = record.http_headers.get_header("Content-Type") if record.http_headers else None
    else:
        value = record.rec_headers.get_header("Content-Type")
    return _MIME_CUT.split(value, 1)[0].strip() if value else None


def index_lines(path: Path, filename: str | None = None) -> Iterator[str]:
    """The CDXJ lines of one WARC file (``.warc.gz`` or ``.warc``), in file order;
    ``filename`` is what the lines call the file (default: its name)."""
    path = Path(path)
    name = filename or path.name
    with open(path, "rb") as fh, open(path, "rb") as raw:
        it = ArchiveIterator(fh, arc2warc=True)
        for record in it:
            if record.rec_type not in _INDEXED:
                continue
            headers = record.rec_headers
            if (
                record.rec_type == "metadata"
                and headers.get_header("Content-Type") == "application/warc-fields"
            ):
                continue
            payload = record.content_stream().read()
            offset, length = it.get_record_offset(), it.get_record_length()
            raw.seek(offset)
            url = headers.get_header("WARC-Target-URI") or ""
            fields: dict[str, str] = {"url": url}
            if (mime := _mime(record)) is not None:
                fields["mime"] = mime
            if record.rec_type in ("response", "revisit") and record.http_headers:
                fields["status"] = record.http_headers.get_statuscode()
            fields["digest"] = headers.get_header("WARC-Payload-Digest") or _sha1(payload)
            fields["length"] = str(length)
            fields["offset"] = str(offset)
            fields["filename"] = name
            fields["recordDigest"] = "sha256:" + hashlib.sha256(raw.read(length)).hexdigest()
            timestamp = iso_date_to_timestamp(headers.get_header("WARC-Date"))
            yield f"{surt(url)} {timestamp} {json.dumps(fields)}"


def _sha1(payload: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def write_index(warcs: Iterable[tuple[Path, str]], out: Path) -> int:
    """Write the sorted CDXJ index of ``warcs`` ((path, name in the index) pairs) to
    ``out``; returns the number of lines."""
    lines = sorted(line for path, name in warcs for line in index_lines(path, name))
    Path(out).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)

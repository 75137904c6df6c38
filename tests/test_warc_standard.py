"""WARC as the standard says (issue #15, parts 1 and 2): revisits that name their original
exactly, 304s as server-not-modified revisits, request records as sent, WARC-Concurrent-To
pairs sharing one WARC-Date, alias revisits under the canonical URL, and export files
compressed or not by their name — first on records written by hand, then on a portal
crawled twice (tests/warc_portal.py), read back with warcio and checked with `warcio check`.
"""

from __future__ import annotations

import gzip
import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.store import Archive
from archive.warc import (
    PROFILE_IDENTICAL,
    PROFILE_NOT_MODIFIED,
    WarcSeries,
    check_file,
    copy_records,
    read_record,
    request_headers_as_sent,
)
from archive.warcbase import derived_record_id
from tests.warc_portal import Crawled, crawled_twice

ALIAS = "https://demo.gov.vn/Pages/ChiTiet.aspx?ItemID=123&CatID=1"
CANONICAL = "https://demo.gov.vn/Pages/ChiTiet.aspx?ItemID=123"
HTML = "<html><head><title>Hội nghị</title></head><body>Nội dung</body></html>".encode()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')]


def ids() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"urn:uuid:00000000-0000-4000-8000-{next(counter):012d}"


def clock() -> datetime:
    return datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC)


def warcio_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys, warcio.cli; sys.exit(warcio.cli.main())"
    return subprocess.run(
        [sys.executable, "-c", code, "check", *map(str, paths)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def series(directory: Path) -> WarcSeries:
    return WarcSeries(directory, "luutru-demo-run000001", record_id_factory=ids(), clock=clock)


# --------------------------------------------------------------------------- records by hand


def test_request_records_carry_host_and_content_length_as_sent() -> None:
    assert request_headers_as_sent("https://a.gov.vn/x", "GET", [("Accept", "*/*")], b"") == [
        ("Host", "a.gov.vn"),
        ("Accept", "*/*"),
    ]
    posted = request_headers_as_sent("http://a.gov.vn:8080/p", "POST", [], b"x=1&y=2")
    assert posted == [("Host", "a.gov.vn:8080"), ("Content-Length", "7")]
    assert ("Content-Length", "0") in request_headers_as_sent("http://a.gov.vn/", "POST", [], b"")
    given = [("Host", "b"), ("content-length", "3")]
    assert request_headers_as_sent("http://a.gov.vn/", "POST", given, b"abc") == given


def test_a_posted_request_block_parses_on_its_own(tmp_path: Path) -> None:
    body = b"__EVENTTARGET=pager&__VIEWSTATE=abc%3D"
    with series(tmp_path) as s:
        form = [("Content-Type", "application/x-www-form-urlencoded")]
        p = s.write_request(ALIAS, "POST", form, body)
    rec = read_record(tmp_path, p)
    assert rec.header("Content-Length") == str(len(body)) and rec.header("Host") == "demo.gov.vn"
    assert rec.payload == body  # the request body, after the headers it is counted by
    assert warcio_check(tmp_path / p.file).returncode == 0


def test_a_capture_event_names_each_other_and_shares_one_date(tmp_path: Path) -> None:
    with series(tmp_path) as s:
        response_id, request_id = s.new_record_id(), s.new_record_id()
        when = "2026-11-25T10:00:00.250000+07:00"
        resp, rid, _ = s.write_response(
            ALIAS, 200, "", HEADERS, HTML, when, concurrent_to=request_id, record_id=response_id
        )
        req = s.write_request(
            ALIAS, "GET", [], b"", when, concurrent_to=response_id, record_id=request_id
        )
        meta = s.write_metadata(ALIAS, {"outcome": "new"}, response_id, date=when)
    r, q, m = (read_record(tmp_path, x) for x in (resp, req, meta))
    assert rid == response_id == r.record_id and q.record_id == request_id
    assert r.warc_header("WARC-Concurrent-To") == request_id
    assert q.warc_header("WARC-Concurrent-To") == response_id
    assert m.warc_header("WARC-Concurrent-To") == response_id
    assert r.date == q.date == m.date == "2026-11-25T03:00:00.250000Z"
    assert r.http_status == 200 and r.header("Content-Type") == HEADERS[0][1]


def test_a_304_is_a_server_not_modified_revisit_naming_the_capture(tmp_path: Path) -> None:
    with series(tmp_path) as s:
        resp, rid, _ = s.write_response(ALIAS, 200, "OK", HEADERS, HTML, "2026-11-25T03:00:00Z")
        original = read_record(tmp_path, resp)
        nm = s.write_revisit(
            ALIAS, "2026-11-26T03:00:00Z", ALIAS, original.date, None, 304,
            [("ETag", '"v1"')], refers_to=rid, profile=PROFILE_NOT_MODIFIED,
        )  # fmt: skip
    rec = read_record(tmp_path, nm)
    assert (rec.rec_type, rec.http_status, rec.payload) == ("revisit", 304, b"")
    assert rec.warc_header("WARC-Profile") == PROFILE_NOT_MODIFIED
    assert rec.warc_header("WARC-Refers-To-Target-URI") == ALIAS
    assert rec.warc_header("WARC-Refers-To-Date") == original.date == "2026-11-25T03:00:00Z"
    assert rec.warc_header("WARC-Refers-To") == rid
    assert rec.payload_digest is None  # a 304 carries no payload to digest
    assert check_file(tmp_path / nm.file) == [] and warcio_check(tmp_path / nm.file).returncode == 0


def test_an_identical_payload_revisit_needs_its_original(tmp_path: Path) -> None:
    with series(tmp_path) as s, pytest.raises(ValueError, match="original"):
        s.write_revisit(ALIAS, None, None, None, "sha1:X", 200, HEADERS)


def test_alias_revisit_indexes_a_capture_under_the_canonical_url(tmp_path: Path) -> None:
    with series(tmp_path) as s:
        resp, rid, digest = s.write_response(ALIAS, 200, "OK", HEADERS, HTML, clock())
        capture = read_record(tmp_path, resp)
        alias = s.write_alias_revisit(CANONICAL, capture)
        assert s.write_alias_revisit(ALIAS, capture) is None  # its own URL: nothing to add
    assert alias is not None
    rec = read_record(tmp_path, alias)
    assert (rec.rec_type, rec.target_uri, rec.date) == ("revisit", CANONICAL, capture.date)
    assert rec.warc_header("WARC-Profile") == PROFILE_IDENTICAL
    assert rec.warc_header("WARC-Refers-To-Target-URI") == ALIAS
    assert rec.warc_header("WARC-Refers-To-Date") == capture.date
    assert rec.warc_header("WARC-Refers-To") == rid
    assert rec.warc_header("WARC-Concurrent-To") == rid
    assert rec.payload_digest == digest and rec.headers == capture.headers
    # the id depends on what the record stands for only: an export makes the same record
    assert rec.record_id == derived_record_id(rid, CANONICAL)


def test_an_alias_revisit_of_a_revisit_names_the_response(tmp_path: Path) -> None:
    with series(tmp_path) as s:
        _, rid, digest = s.write_response(ALIAS, 200, "OK", HEADERS, HTML, clock())
        again = s.write_revisit(ALIAS, "2026-11-27T00:00:00Z", ALIAS, clock(), digest, 200,
                                HEADERS, refers_to=rid)  # fmt: skip
        alias = s.write_alias_revisit(CANONICAL, read_record(tmp_path, again))
    assert alias is not None
    rec = read_record(tmp_path, alias)
    assert rec.warc_header("WARC-Refers-To") == rid  # the record holding the payload
    assert rec.date == "2026-11-27T00:00:00Z"  # the date of the capture it indexes


@pytest.mark.parametrize("name", ["x.warc", "x.warc.gz", "X.WARC"])
def test_export_is_compressed_or_not_by_its_name(tmp_path: Path, name: str) -> None:
    with series(tmp_path / "cap") as s:
        resp, _, _ = s.write_response(ALIAS, 200, "OK", HEADERS, HTML, clock())
        req = s.write_request(ALIAS, "GET", [], b"", clock())
    out = tmp_path / name
    assert copy_records([(tmp_path / "cap", resp), (tmp_path / "cap", req)], out, clock=clock) == 2
    data = out.read_bytes()
    plain = name.lower().endswith(".warc")
    assert data.startswith(b"WARC/1.1\r\n") is plain
    assert data.startswith(b"\x1f\x8b") is not plain
    source = (tmp_path / "cap" / resp.file).read_bytes()
    record = gzip.decompress(source[resp.offset : resp.offset + resp.length])
    assert record in (data if plain else gzip.decompress(data))  # the same bytes, unzipped
    assert check_file(out) == [] and warcio_check(out).returncode == 0


# --------------------------------------------------------------------------- a crawled portal


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    return crawled_twice(tmp_path_factory.mktemp("warc-portal"))


def records(data: Path) -> Iterator[dict[str, Any]]:
    for path in sorted((data / "warc").rglob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                h = rec.rec_headers
                yield {
                    "type": rec.rec_type,
                    "id": h.get_header("WARC-Record-ID"),
                    "uri": h.get_header("WARC-Target-URI"),
                    "date": h.get_header("WARC-Date"),
                    "digest": h.get_header("WARC-Payload-Digest"),
                    "profile": h.get_header("WARC-Profile"),
                    "refers": (
                        h.get_header("WARC-Refers-To-Target-URI"),
                        h.get_header("WARC-Refers-To-Date"),
                        h.get_header("WARC-Refers-To"),
                    ),
                    "concurrent": h.get_header("WARC-Concurrent-To"),
                    "http": rec.http_headers,
                    "body": rec.content_stream().read(),
                }


@pytest.fixture(scope="module")
def warc(crawled: Crawled) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records(crawled.data)}


def status(rec: dict[str, Any]) -> str | None:
    http = rec["http"]
    return http.get_statuscode() if http is not None and rec["type"] != "request" else None


@pytest.mark.slow
def test_the_crawl_made_every_kind_of_capture(warc: dict[str, dict[str, Any]]) -> None:
    kinds = {(r["type"], (r["profile"] or "").rsplit("/", 1)[-1], status(r)) for r in warc.values()}
    assert ("response", "", "200") in kinds
    assert ("revisit", "server-not-modified", "304") in kinds  # 304s (ETag portals)
    assert ("revisit", "identical-payload-digest", "200") in kinds
    same_url = [
        r for r in warc.values()
        if r["type"] == "revisit" and r["refers"][0] == r["uri"] and status(r) == "200"
    ]  # fmt: skip
    assert same_url, "an unchanged re-fetch with the same payload"
    assert any(r["http"].protocol == "POST" for r in warc.values() if r["type"] == "request")


@pytest.mark.slow
def test_no_response_record_is_a_304_or_empty_stand_in(warc: dict[str, dict[str, Any]]) -> None:
    for rec in warc.values():
        if rec["type"] == "response":
            assert status(rec) != "304", rec["uri"]
        if status(rec) == "304":
            assert rec["type"] == "revisit" and rec["profile"] == PROFILE_NOT_MODIFIED
            assert rec["digest"] is None


@pytest.mark.slow
def test_every_revisit_names_its_original_exactly(warc: dict[str, dict[str, Any]]) -> None:
    revisits = [r for r in warc.values() if r["type"] == "revisit"]
    assert len(revisits) > 20
    for rec in revisits:
        uri, date, ref = rec["refers"]
        original = warc[ref]
        assert original["type"] == "response", rec["uri"]
        assert (original["uri"], original["date"]) == (uri, date), rec["uri"]
        if rec["profile"] == PROFILE_IDENTICAL:
            assert rec["digest"] == original["digest"]


@pytest.mark.slow
def test_capture_events_pair_both_ways_and_share_one_date(
    warc: dict[str, dict[str, Any]],
) -> None:
    pairs = 0
    for rec in warc.values():
        other = warc.get(rec["concurrent"]) if rec["concurrent"] else None
        if rec["type"] in ("request", "metadata"):
            assert other is not None, rec
            assert other["date"] == rec["date"]
        if rec["type"] == "request":
            assert other["type"] in ("response", "revisit")
            assert other["concurrent"] == rec["id"]  # and back
            pairs += 1
    assert pairs > 100


@pytest.mark.slow
def test_request_records_are_the_requests_as_sent(warc: dict[str, dict[str, Any]]) -> None:
    for rec in (r for r in warc.values() if r["type"] == "request"):
        http = rec["http"]
        assert http.get_header("Host"), rec["uri"]
        if http.protocol == "POST":
            assert http.get_header("Content-Length") == str(len(rec["body"])) != "0"
        else:
            assert http.get_header("Content-Length") is None  # a GET sends none


@pytest.mark.slow
def test_captures_under_an_alias_replay_under_the_canonical_url(
    crawled: Crawled, warc: dict[str, dict[str, Any]]
) -> None:
    by_capture: dict[str, dict[str, Any]] = {}
    for rec in warc.values():
        if rec["type"] == "revisit" and rec["refers"][0] != rec["uri"]:
            by_capture[rec["concurrent"]] = rec
    aliased = 0
    with Archive.open(crawled.data) as archive:
        for article in archive.articles():
            known = {article["url"], *article["aliases"]}
            fetched = [
                c for c in archive.captures(article["article_id"])
                if c["outcome"] in ("new", "updated", "unchanged") and c["http_status"] == 200
            ]  # fmt: skip
            for cap in fetched:
                where = (cap["warc_file"], cap["warc_offset"])
                record_id = read_record(crawled.data / "warc", where).record_id
                alias = by_capture.get(record_id)
                if alias is None:
                    # only a capture of the URL the page itself called canonical has none
                    assert cap["fetched_url"] in known
                    assert cap is not fetched[-1] or cap["fetched_url"] == article["url"]
                    continue
                aliased += 1
                assert alias["uri"] in known and alias["uri"] != cap["fetched_url"]
                assert alias["date"] == warc[record_id]["date"]
                if cap is fetched[-1]:  # the newest: under the canonical URL known today
                    assert alias["uri"] == article["url"]
    assert aliased >= 20  # the ASP.NET articles are fetched under ...&CatID=1


@pytest.mark.slow
def test_warcio_check_and_verify_pass(crawled: Crawled) -> None:
    files = sorted((crawled.data / "warc").rglob("*.warc.gz"))
    result = warcio_check(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    verify = subprocess.run(
        [sys.executable, "-m", "luutru", "verify", "--data", str(crawled.data)],
        capture_output=True, text=True, env={**os.environ, "PYTHONUTF8": "1"}, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout


def test_a_record_is_one_gzip_member_whether_compressed_at_once_or_as_it_comes(
    tmp_path: Path,
) -> None:
    """Records up to ``_ONE_CALL_MAX`` are compressed in one call at their end, larger
    ones (attached files) piece by piece: either way one member, which gzip and the
    series' own reader read back whole."""
    from archive.warcbase import _ONE_CALL_MAX

    small = "<p>Ngày cập nhật 24/01/2021</p>".encode().ljust(100_000, b" ")
    large = os.urandom(_ONE_CALL_MAX + 300_000)  # incompressible: stays past the limit
    with WarcSeries(tmp_path, "t") as series:
        pointers = [
            series.write_response(f"http://p.gov.vn/{n}", 200, "OK", [], body)[0]
            for n, body in (("small", small), ("large", large))
        ]
    for pointer, body in zip(pointers, (small, large), strict=True):
        with open(tmp_path / pointer.file, "rb") as fh:
            fh.seek(pointer.offset)
            member = fh.read(pointer.length)
        assert gzip.decompress(member).endswith(body + b"\r\n\r\n")
        assert read_record(tmp_path, pointer).payload == body


def test_a_response_given_its_payload_digest_is_the_record_warcio_would_write(
    tmp_path: Path,
) -> None:
    """The crawl hands ``write_response`` the digest it computed for its revisit check;
    the record is byte for byte the one written when warcio hashes the body itself."""
    from archive.warcbase import payload_digest

    body = "<p>Ngày cập nhật 24/01/2021</p>".encode() * 500
    written = []
    for name, digest in (("hashed", None), ("given", payload_digest(body))):
        ids = itertools.count()
        series = WarcSeries(
            tmp_path / name,
            "t",
            record_id_factory=lambda ids=ids: f"<urn:uuid:{next(ids):032d}>",
            clock=lambda: datetime(2026, 12, 5, 6, 0, tzinfo=UTC),
        )
        with series:
            pointer, _rid, got = series.write_response(
                "http://p.gov.vn/1", 200, "OK", [("Content-Type", "text/html")], body,
                digest=digest,
            )  # fmt: skip
        assert got == payload_digest(body)
        with open(tmp_path / name / pointer.file, "rb") as fh:
            fh.seek(pointer.offset)
            written.append(gzip.decompress(fh.read(pointer.length)))
    assert written[0] == written[1]
    assert b"WARC-Payload-Digest: " + payload_digest(body).encode() in written[0]

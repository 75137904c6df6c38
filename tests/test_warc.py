"""WARC capture files: writing, reading back, warcio interop, checking good / truncated /
corrupt / malformed files, rollover, determinism and export copies."""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.warc import (
    REVISIT_PROFILE,
    WarcError,
    WarcPointer,
    WarcSeries,
    check_file,
    copy_records,
    http_headers_for_decoded_body,
    index_file,
    payload_digest,
    read_record,
)

URL = "https://demo.gov.vn/tin-tuc/hoi-nghi-123.aspx?id=123"
HTML = "<html><body><h1>Hội nghị tổng kết</h1><p>Nội dung.</p></body></html>".encode()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"abc"')]
PREFIX = "luutru-demo-aspnet-run000012"


def ids() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"urn:uuid:00000000-0000-4000-8000-{next(counter):012d}"


def clock() -> datetime:
    return datetime(2026, 11, 25, 3, 0, 0, tzinfo=UTC)


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    # `python -m warcio` has no __main__; call the console entry point in this interpreter.
    code = "import sys; from warcio.cli import main; main(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )


def write_sample(directory: Path) -> dict:
    with WarcSeries(directory, PREFIX, record_id_factory=ids(), clock=clock) as series:
        resp, resp_id, digest = series.write_response(
            URL, 200, "OK", HEADERS, HTML, "2026-11-25T10:00:00+07:00"
        )
        req = series.write_request(
            URL,
            "GET",
            [("User-Agent", "luutru")],
            b"",
            "2026-11-25T10:00:00+07:00",
            concurrent_to=resp_id,
        )
        meta = series.write_metadata(
            URL, {"run-id": "12", "site": "demo-aspnet", "outcome": "new"}, resp_id
        )
        revisit = series.write_revisit(
            URL,
            "2026-11-26T10:00:00+07:00",
            URL,
            "2026-11-25T10:00:00+07:00",
            digest,
            200,
            HEADERS,
            refers_to=resp_id,
        )
        not_modified, _, _ = series.write_response(URL, 304, "Not Modified", [], b"")
    return {
        "file": directory / resp.file,
        "response": resp,
        "response_id": resp_id,
        "digest": digest,
        "request": req,
        "metadata": meta,
        "revisit": revisit,
        "304": not_modified,
    }


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- round trip


def test_round_trip_read_record_at_pointers(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    resp = read_record(tmp_path, s["response"])
    assert (resp.rec_type, resp.target_uri, resp.http_status) == ("response", URL, 200)
    assert resp.payload == HTML
    assert resp.header("etag") == '"abc"'
    assert resp.record_id == s["response_id"]
    assert resp.date == "2026-11-25T03:00:00Z"  # +07:00 converted to UTC

    req = read_record(tmp_path, s["request"])
    assert (req.rec_type, req.target_uri, req.http_status) == ("request", URL, None)
    assert req.warc_header("WARC-Concurrent-To") == s["response_id"]

    meta = read_record(tmp_path, s["metadata"])
    assert meta.rec_type == "metadata"
    assert meta.payload == b"run-id: 12\r\nsite: demo-aspnet\r\noutcome: new\r\n"
    assert meta.warc_header("Content-Type") == "application/warc-fields"

    nm = read_record(tmp_path, s["304"])
    assert (nm.http_status, nm.payload) == (304, b"")

    # (file, offset) works as well as a full pointer
    assert read_record(tmp_path, (s["response"].file, s["response"].offset)).payload == HTML


def test_pointers_match_index_file_and_warcio_index(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    pointers = [s[k] for k in ("response", "request", "metadata", "revisit", "304")]
    entries = index_file(s["file"])
    assert [e["rec_type"] for e in entries] == [
        "warcinfo",
        "response",
        "request",
        "metadata",
        "revisit",
        "response",
    ]
    assert [(e["offset"], e["length"]) for e in entries[1:]] == [
        (p.offset, p.length) for p in pointers
    ]
    # records tile the file exactly
    assert entries[-1]["offset"] + entries[-1]["length"] == s["file"].stat().st_size

    proc = warcio("index", "-f", "offset,length,warc-type", str(s["file"]))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(int(x["offset"]), int(x["length"])) for x in lines] == [
        (e["offset"], e["length"]) for e in entries
    ]

    proc = warcio("check", "-v", str(s["file"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "digest pass" in proc.stdout


def test_files_are_warc_1_1_gzip_per_record_with_warcinfo_first(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    data = s["file"].read_bytes()
    first = gzip.decompress(data[: index_file(s["file"])[0]["length"]])  # one member only
    assert first.startswith(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")
    assert b"software: luutru/0.1\r\n" in first
    assert b"format: WARC File Format 1.1\r\n" in first
    assert b"description: " in first
    assert s["file"].name == f"{PREFIX}-00000.warc.gz"


def test_payload_digest_matches_warcio(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    assert payload_digest(HTML) == s["digest"]
    assert read_record(tmp_path, s["response"]).payload_digest == payload_digest(HTML)
    assert payload_digest(b"") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"  # well-known empty


def test_revisit_profile_and_refers_to(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    rv = read_record(tmp_path, s["revisit"])
    assert rv.rec_type == "revisit"
    assert REVISIT_PROFILE == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert rv.warc_header("WARC-Profile") == REVISIT_PROFILE
    assert rv.warc_header("WARC-Refers-To-Target-URI") == URL
    assert rv.warc_header("WARC-Refers-To-Date") == "2026-11-25T03:00:00Z"
    assert rv.warc_header("WARC-Refers-To") == s["response_id"]
    assert rv.payload_digest == s["digest"]
    # headers-only block: status + headers, no body
    assert (rv.http_status, rv.payload) == (200, b"")
    assert rv.header("Content-Type") == "text/html; charset=utf-8"


def test_header_values_cannot_inject_lines(tmp_path: Path) -> None:
    with WarcSeries(tmp_path, PREFIX) as series:
        p, _, _ = series.write_response(URL, 200, "OK", [("X-A", "1\r\nX-Evil: 2")], b"x")
        m = series.write_metadata(URL, {"outcome": "a\r\nb: c"}, None)
    rec = read_record(tmp_path, p)
    assert rec.header("X-Evil") is None and rec.header("X-A") == "1 X-Evil: 2"
    assert read_record(tmp_path, m).payload == b"outcome: a b: c\r\n"
    assert check_file(tmp_path / p.file) == []


def test_each_record_is_one_gzip_member_at_zlibs_default_level(tmp_path: Path) -> None:
    body = "<p>Sở Lao động - Thương binh và Xã hội tỉnh Hòa An.</p>".encode() * 400
    with WarcSeries(tmp_path, PREFIX) as series:
        p, _, _ = series.write_response(URL, 200, "OK", [("Content-Type", "text/html")], body)
    raw = (tmp_path / p.file).read_bytes()
    member = raw[p.offset : p.offset + p.length]
    # gzip header byte 8 (XFL): 2 = level 9 ("maximum compression", warcio's own), 0 = other
    assert member[:2] == b"\x1f\x8b" and member[8] == 0
    assert gzip.decompress(member).endswith(body + b"\r\n\r\n")  # the whole record
    assert read_record(tmp_path, p).payload == body


def test_decoded_body_headers_are_renamed() -> None:
    out = http_headers_for_decoded_body(
        [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked"), ("ETag", "x")]
    )
    assert out == [
        ("X-Luutru-Original-Content-Encoding", "gzip"),
        ("X-Luutru-Original-Transfer-Encoding", "chunked"),
        ("ETag", "x"),
    ]


# --------------------------------------------------------------------------- determinism


def test_injected_ids_and_clock_give_byte_identical_files(tmp_path: Path) -> None:
    a = write_sample(tmp_path / "a")["file"].read_bytes()
    b = write_sample(tmp_path / "b")["file"].read_bytes()
    assert a == b
    # and without injection the record ids differ (uuid4), so the test above is meaningful
    with WarcSeries(tmp_path / "c", PREFIX, clock=clock) as s1:
        s1.write_response(URL, 200, "OK", HEADERS, HTML, clock())
    with WarcSeries(tmp_path / "d", PREFIX, clock=clock) as s2:
        s2.write_response(URL, 200, "OK", HEADERS, HTML, clock())
    name = f"{PREFIX}-00000.warc.gz"
    assert (tmp_path / "c" / name).read_bytes() != (tmp_path / "d" / name).read_bytes()


# --------------------------------------------------------------------------- rollover


def test_rollover_at_max_bytes_starts_new_file_with_warcinfo(tmp_path: Path) -> None:
    body = os.urandom(3000)  # incompressible, so sizes are predictable
    with WarcSeries(tmp_path, PREFIX, max_bytes=5000, record_id_factory=ids(), clock=clock) as s:
        p1, _, _ = s.write_response(URL, 200, "OK", HEADERS, body)
        p2, _, _ = s.write_response(URL + "&p=2", 200, "OK", HEADERS, body)
        files = list(s.files)
    assert files == [f"{PREFIX}-00000.warc.gz", f"{PREFIX}-00001.warc.gz"]
    assert (p1.file, p2.file) == tuple(files)
    assert (tmp_path / files[0]).stat().st_size <= 5000
    second = index_file(tmp_path / files[1])
    assert [e["rec_type"] for e in second] == ["warcinfo", "response"]
    assert second[1]["offset"] == p2.offset
    assert read_record(tmp_path, p2).payload == body
    for f in files:
        assert check_file(tmp_path / f) == []


def test_new_series_never_overwrites_existing_files(tmp_path: Path) -> None:
    with WarcSeries(tmp_path, PREFIX) as s:
        first, _, _ = s.write_response(URL, 200, "OK", [], b"a")
    with WarcSeries(tmp_path, PREFIX) as s:
        second, _, _ = s.write_response(URL, 200, "OK", [], b"b")
    assert first.file != second.file
    assert read_record(tmp_path, first).payload == b"a"


def test_no_file_until_first_record(tmp_path: Path) -> None:
    with WarcSeries(tmp_path / "w", PREFIX):
        pass
    assert not (tmp_path / "w").exists() or not any((tmp_path / "w").iterdir())


# --------------------------------------------------------------------------- check_file


def test_check_good_file(tmp_path: Path) -> None:
    assert check_file(write_sample(tmp_path)["file"]) == []


def test_check_truncated_last_record_names_offset(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    last = s["304"]
    data = s["file"].read_bytes()
    s["file"].write_bytes(data[: last.offset + last.length // 2])  # what a kill -9 could leave
    problems = check_file(s["file"])
    assert len(problems) == 1
    assert f"offset {last.offset}" in problems[0] and "truncated" in problems[0]
    # the records before it are still readable
    assert read_record(tmp_path, s["response"]).payload == HTML
    with pytest.raises(WarcError, match="truncated"):
        read_record(tmp_path, last)
    assert warcio("check", str(s["file"])).returncode in (0, 1)  # warcio copes, we report


def test_check_flipped_byte_in_compressed_payload(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    resp = s["response"]
    flip(s["file"], resp.offset + resp.length - 30)  # inside the deflate data of the body
    problems = check_file(s["file"])
    assert problems, "a flipped byte must be noticed"
    assert problems[0].startswith(f"offset {resp.offset}:")
    assert "gzip" in problems[0] or "digest" in problems[0]
    with pytest.raises(WarcError):
        read_record(tmp_path, resp)
    # later records are still found (resynchronised on the next gzip member)
    assert read_record(tmp_path, s["request"]).rec_type == "request"


def _replace_member(path: Path, pointer: WarcPointer, edit: Callable[[bytes], bytes]) -> None:
    data = path.read_bytes()
    record = gzip.decompress(data[pointer.offset : pointer.offset + pointer.length])
    member = gzip.compress(edit(record))
    path.write_bytes(data[: pointer.offset] + member + data[pointer.offset + pointer.length :])


def test_check_flipped_payload_byte_reports_digest_mismatch(tmp_path: Path) -> None:
    # Same flip but with a valid gzip CRC (recompressed), so only the WARC digests catch it.
    s = write_sample(tmp_path)
    resp = s["response"]
    _replace_member(s["file"], resp, lambda r: r.replace("tổng kết".encode(), "tổng kêt".encode()))
    problems = check_file(s["file"])
    assert any(
        p.startswith(f"offset {resp.offset}: response {URL}:") and "payload digest failed" in p
        for p in problems
    ), problems
    assert any("block digest failed" in p for p in problems)
    assert warcio("check", str(s["file"])).returncode == 1  # warcio agrees
    with pytest.raises(WarcError, match="digest"):
        read_record(tmp_path, (resp.file, resp.offset))


def test_check_short_record_inside_complete_member(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    resp = s["response"]
    _replace_member(s["file"], resp, lambda r: r[: len(r) - 40])
    problems = check_file(s["file"])
    assert any(f"offset {resp.offset}" in p and "truncated record" in p for p in problems)


def test_check_malformed_headers(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    bad = gzip.compress(
        b"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: x:y\r\n"
        b"Content-Length: zz\r\n\r\nhello\r\n\r\n"
    )
    end = s["file"].stat().st_size
    with open(s["file"], "ab") as fh:
        fh.write(bad)
    problems = check_file(s["file"])
    assert problems and all(p.startswith(f"offset {end}:") for p in problems)
    text = "\n".join(problems)
    assert "malformed Content-Length 'zz'" in text
    assert "missing mandatory header WARC-Record-ID" in text
    assert "missing mandatory header WARC-Date" in text


def test_check_bad_warc_header_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(gzip.compress(b"HTTP/1.1 200 OK\r\n\r\nnot a warc\r\n"))
    problems = check_file(path)
    assert len(problems) == 1 and problems[0].startswith("offset 0:")


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(5000),
        b"\x1f\x8b\x08\x00" + os.urandom(5000),  # looks like gzip, is not
        b"just some text\nwith lines\n",
        b"",
    ],
    ids=["random", "fake-gzip", "text", "empty"],
)
def test_check_garbage_reports_without_raising(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.warc.gz"
    path.write_bytes(content)
    problems = check_file(path)
    assert problems and all(isinstance(p, str) and p for p in problems)


def test_check_missing_file_is_a_problem(tmp_path: Path) -> None:
    assert "cannot read" in check_file(tmp_path / "nope.warc.gz")[0]


# --------------------------------------------------------------------------- read_record errors


def test_read_record_wrong_offset_raises(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    resp = s["response"]
    with pytest.raises(WarcError, match=f"offset {resp.offset + 7}"):
        read_record(tmp_path, (resp.file, resp.offset + 7))
    with pytest.raises(WarcError, match="outside the file"):
        read_record(tmp_path, (resp.file, 10**9))
    with pytest.raises(WarcError, match="pointer length"):
        read_record(tmp_path, WarcPointer(resp.file, resp.offset, resp.length + 1))
    with pytest.raises(WarcError, match="cannot open"):
        read_record(tmp_path, ("missing.warc.gz", 0))
    with pytest.raises(WarcError, match="relative"):
        read_record(tmp_path, ("../etc/passwd", 0))


def test_index_file_raises_warc_error_on_garbage(tmp_path: Path) -> None:
    path = tmp_path / "g.warc"
    path.write_bytes(b"definitely not a warc\r\n\r\n")
    with pytest.raises(WarcError):
        index_file(path)


# --------------------------------------------------------------------------- copy_records


def test_copy_records_exact_selection_byte_for_byte(tmp_path: Path) -> None:
    s = write_sample(tmp_path / "cap")
    other = tmp_path / "cap2"
    with WarcSeries(other, "luutru-demo-liferay-run000013") as series:
        p_other, _, _ = series.write_response(URL + "&x=1", 200, "OK", HEADERS, b"khac")
    chosen = [(tmp_path / "cap", s["response"]), (other, p_other), (tmp_path / "cap", s["revisit"])]
    out = tmp_path / "export.warc.gz"
    assert copy_records(chosen, out) == 3
    assert not (tmp_path / "export.warc.gz.part").exists()

    entries = index_file(out)
    assert [e["rec_type"] for e in entries] == ["warcinfo", "response", "response", "revisit"]
    assert [e["uri"] for e in entries[1:]] == [URL, URL + "&x=1", URL]
    out_bytes = out.read_bytes()
    for (directory, p), e in zip(chosen, entries[1:], strict=True):
        src = (directory / p.file).read_bytes()[p.offset : p.offset + p.length]
        assert out_bytes[e["offset"] : e["offset"] + e["length"]] == src
    assert check_file(out) == []
    assert warcio("check", str(out)).returncode == 0
    assert read_record(tmp_path, (out.name, entries[2]["offset"])).payload == b"khac"


def test_copy_records_refuses_bad_pointer(tmp_path: Path) -> None:
    s = write_sample(tmp_path)
    bad = WarcPointer(s["response"].file, s["response"].offset + 3, 10)
    out = tmp_path / "export.warc.gz"
    with pytest.raises(WarcError):
        copy_records([(tmp_path, bad)], out)
    assert not out.exists() and not (tmp_path / "export.warc.gz.part").exists()


def test_last_written_is_what_reading_back_gives(tmp_path: Path) -> None:
    """The crawl hands the record it just wrote to the pipeline instead of reading it back
    (crawler/middlewares.py): every field but the payload must be the same."""
    from archive.warc import PROFILE_NOT_MODIFIED

    odd = [*HEADERS, ("X-Title", "Hội nghị"), ("Set-Cookie", "a=1; Path=/"), ("X-Empty", "")]
    body = os.urandom(3000)
    written = []
    with WarcSeries(tmp_path, PREFIX, max_bytes=5000, clock=clock) as s:
        p, rid, digest = s.write_response(URL, 200, "OK", odd, body)
        written.append((p, s.last_written()))
        p = s.write_revisit(URL, None, URL, None, digest, 200, odd, refers_to=rid)
        written.append((p, s.last_written()))
        # the next one rolls over to a new file (a warcinfo is written after it)
        p, _, _ = s.write_response(URL + "&p=2", 404, "", odd, body)
        written.append((p, s.last_written()))
        p = s.write_revisit(URL, None, URL, None, None, 304, odd, profile=PROFILE_NOT_MODIFIED)
        written.append((p, s.last_written()))
    assert len({p.file for p, _ in written}) == 2
    for pointer, record in written:
        back = read_record(tmp_path, pointer)
        assert record == dataclasses.replace(back, payload=b"")

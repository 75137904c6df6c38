"""`luutru extract PATH|URL|-`: one page's fields with no profile, as JSON or text; a page
without an article exits 1 with the reason; bad input is one line and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo_portal import DemoPortal

REAL = Path(__file__).parent / "pages" / "real"
PAGE = REAL / "2022-08-27_sotttt-hanoi_1005503.html"
LISTING = (
    Path(__file__).parent
    / "fixtures"
    / "vn-portals"
    / ("liferay_sotttt-hanoi_listing_cong-nghe-thong-tin_paginated.html")
)


def luutru(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "-m", "luutru", *args], input=stdin, capture_output=True, timeout=120,
        env=env,
    )  # fmt: skip


def test_json_has_the_documented_keys_and_values() -> None:
    result = luutru("extract", str(PAGE))
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert set(data) >= {
        "title",
        "published",
        "author",
        "lead",
        "body",
        "attachments",
        "extraction",
    }
    assert data["title"] == "Đảm bảo an toàn thông tin phục vụ bầu cử"
    assert data["published"] == "2016-05-13T17:05:00+07:00"
    assert data["author"] == "Đặng Vân"
    assert data["extraction"]["method"] == "generic"
    assert data["extraction"]["fields"]["title"] == "generic"
    assert "Các tin khác" not in data["body"]


def test_with_a_site_profile_its_selectors_come_first(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "sotttt.toml").write_text(
        'id = "sotttt"\nname = "Sở TT&TT Hà Nội"\nextends = "liferay"\n'
        'start_urls = ["https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien"]\n',
        encoding="utf-8",
    )
    result = luutru("extract", str(PAGE), "--site", "sotttt", "--sites", str(sites))
    data = json.loads(result.stdout)
    assert data["extraction"]["method"] == "profile"
    assert data["extraction"]["fields"]["body"] == "profile"
    assert data["title"] == "Đảm bảo an toàn thông tin phục vụ bầu cử"


def test_stdin_and_text_format() -> None:
    result = luutru("extract", "-", "--format", "text", stdin=PAGE.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8")
    assert text.startswith("title      : Đảm bảo an toàn thông tin phục vụ bầu cử")
    assert "author     : Đặng Vân" in text


def test_a_listing_page_is_no_article() -> None:
    result = luutru("extract", str(LISTING))
    assert result.returncode == 1
    assert result.stdout == b""
    line = result.stderr.decode().strip()
    assert line.startswith("luutru extract: no article on ") and "\n" not in line


def test_a_missing_file_is_one_clear_line() -> None:
    result = luutru("extract", "/nonexistent/page.html")
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "luutru: error: /nonexistent/page.html: no such file (give a file, an http(s) URL or -)"
    )


@pytest.mark.slow
def test_a_url_is_fetched_once_politely() -> None:
    with DemoPortal(articles=10, port=0) as portal:
        url = f"{portal.base_url}/asp/Pages/ChiTiet.aspx?ItemID=1522"
        result = luutru("extract", url)
        requests = [(m, p) for m, p, _ in portal.requests]
        blocked = luutru("extract", f"{portal.base_url}/lf/print/1522")
    if result.returncode == 0:
        assert json.loads(result.stdout)["title"]
    # robots.txt asked first, then the page once, whatever it answered.
    assert requests[0] == ("GET", "/robots.txt")
    assert sum(1 for r in requests if r[1].startswith("/asp/Pages/ChiTiet.aspx")) == 1
    assert blocked.returncode == 2 and b"robots.txt" in blocked.stderr

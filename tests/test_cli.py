"""The luutru command line, run as a user would (subprocesses: one reactor per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo_portal import DemoPortal


def luutru(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "luutru", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUTF8": "1"},
    )


def test_sites_lists_profiles_and_marks_real_ones() -> None:
    result = luutru("sites")
    assert result.returncode == 0
    assert "demo-liferay" in result.stdout and "demo-aspnet" in result.stdout
    real = [line for line in result.stdout.splitlines() if line.startswith("bacgiang-cttdt")]
    assert real and "not verified offline" in real[0]


def test_sites_json_is_machine_readable() -> None:
    rows = json.loads(luutru("sites", "--format", "json").stdout)
    by_id = {row["id"]: row for row in rows}
    assert by_id["demo-aspnet"]["cms"] == "aspnet"
    assert by_id["demo-aspnet"]["department"] == "Sở Lao động - Thương binh và Xã hội"


def test_unknown_site_is_a_clear_error(tmp_path: Path) -> None:
    result = luutru("crawl", "no-such-site", "--data", str(tmp_path))
    assert result.returncode == 2
    assert "no site profile with id 'no-such-site'" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_profile_names_file_and_key(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "broken.toml").write_text(
        'id = "broken"\nextends = "aspnet"\nname = "x"\nprovince = "x"\ndepartment = "x"\n'
        'start_urls = ["http://127.0.0.1:9/"]\nschedule = "0 6 * * *"\n'
        '[article]\ntitle = "h1[["\n',
        encoding="utf-8",
    )
    result = luutru("sites", "--sites", str(sites))
    assert result.returncode == 2
    assert "broken.toml" in result.stderr and "article.title" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_setting_pair_is_refused(tmp_path: Path) -> None:
    result = luutru("crawl", "demo-aspnet", "--data", str(tmp_path), "-s", "NOEQUALS")
    assert result.returncode == 2
    assert "NAME=VALUE" in result.stderr


@pytest.mark.slow
def test_site_check_prints_fields_and_archives_nothing(tmp_path: Path) -> None:
    with DemoPortal(articles=40, port=0) as portal:
        result = luutru(
            "site",
            "check",
            "demo-aspnet",
            "--base-url",
            portal.base_url,
            "--data",
            str(tmp_path),
            "--format",
            "json",
        )
        truth = {t["url"]: t for t in portal.truth()}
    assert result.returncode == 0, result.stderr[-2000:]
    records = json.loads(result.stdout)
    assert len(records) == 3
    for record in records:
        assert record["title"] == truth[record["url"]]["title"]
    assert not (tmp_path / "archive.sqlite").exists()


@pytest.mark.slow
def test_site_check_text_report_names_fields(tmp_path: Path) -> None:
    with DemoPortal(articles=40, port=0) as portal:
        result = luutru(
            "site", "check", "demo-liferay", "--base-url", portal.base_url, "--data", str(tmp_path)
        )
    assert result.returncode == 0, result.stderr[-2000:]
    for label in ("title", "date", "author", "body"):
        assert f"  {label}" in result.stdout
    assert "articles extracted: 3" in result.stdout


@pytest.mark.slow
def test_crawl_then_export_jsonl(tmp_path: Path) -> None:
    with DemoPortal(articles=30, port=0) as portal:
        crawl = luutru(
            "crawl", "demo-aspnet", "--base-url", portal.base_url, "--data", str(tmp_path)
        )
        live = [t for t in portal.truth() if t["site"] == "demo-aspnet" and t["status"] == "live"]
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    out = tmp_path / "a.jsonl"
    result = luutru("export", "--data", str(tmp_path), "--format", "jsonl", "-o", str(out))
    assert result.returncode == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(live)
    required = {
        "id",
        "site",
        "url",
        "aliases",
        "title",
        "date",
        "datetime",
        "author",
        "source",
        "summary",
        "body",
        "category",
        "attachments",
        "status",
    }
    assert all(required <= set(row) for row in rows)
    assert {row["status"] for row in rows} == {"live"}

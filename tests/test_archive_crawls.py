"""The versioned archive end to end: epoch 0, epoch 1 (full walk), epoch 1 again
(incremental), against the demo portal's ground truth; WARC files read back by warcio;
`luutru verify` catching corruption. This is the bar of the [archive] issue.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.store import Archive
from archive.warc import index_file
from demo_portal import DemoPortal

ARTICLES = 300
pytestmark = pytest.mark.slow


def luutru(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "luutru", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUTF8": "1"},
    )


def crawl(portal: DemoPortal, data: Path, *extra: str) -> tuple[int, str]:
    before = len(portal.requests)
    result = luutru(
        "crawl", "demo-liferay", "demo-aspnet", "--base-url", portal.base_url,
        "--data", str(data), "-s", "LOG_LEVEL=WARNING", *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return len(portal.requests) - before, result.stdout


@pytest.fixture(scope="module")
def epochs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data = tmp_path_factory.mktemp("archive")
    out: dict = {"data": data}
    with DemoPortal(articles=ARTICLES, epoch=0, port=0) as portal:
        out["first_requests"], out["first_stdout"] = crawl(portal, data)
        out["truth0"] = portal.truth()
        with Archive.open(data) as archive:
            out["counts0"] = archive.counts()
        portal.epoch = 1
        out["second_requests"], out["second_stdout"] = crawl(portal, data, "--full")
        with Archive.open(data) as archive:
            out["counts1"] = archive.counts()
        third_start = len(portal.requests)
        out["third_requests"], out["third_stdout"] = crawl(portal, data)
        out["third_log"] = portal.requests[third_start:]
        out["truth1"] = portal.truth()
    with Archive.open(data) as archive:
        out["articles"] = {(a["site"], a["article_key"]): a for a in archive.articles()}
        out["counts2"] = archive.counts()
        out["runs"] = archive.runs()
    return out


def changes(epochs: dict) -> dict[str, set[tuple[str, str]]]:
    before = {(t["site"], t["key"]): t for t in epochs["truth0"]}
    after = {(t["site"], t["key"]): t for t in epochs["truth1"]}
    edited = {k for k, t in after.items() if k in before and t["status"] == "live"
              and t["body"] != before[k]["body"]}  # fmt: skip
    return {
        "new": set(after) - set(before),
        "edited": edited,
        "removed": {k for k, t in after.items() if t["status"] == "removed"},
        "untouched": {k for k, t in after.items() if k in before and t["status"] == "live"}
        - edited,
    }


def test_epoch_truth_has_every_kind_of_change(epochs: dict) -> None:
    kinds = changes(epochs)
    assert len(kinds["new"]) >= 4 and len(kinds["edited"]) >= 6 and len(kinds["removed"]) == 2


def test_edited_articles_have_exactly_two_versions(epochs: dict) -> None:
    for key in changes(epochs)["edited"]:
        assert epochs["articles"][key]["version_count"] == 2, key


def test_untouched_articles_have_exactly_one_version(epochs: dict) -> None:
    counts = [epochs["articles"][k]["version_count"] for k in changes(epochs)["untouched"]]
    assert counts and set(counts) == {1}


def test_new_articles_are_present_with_truth_content(epochs: dict) -> None:
    truth = {(t["site"], t["key"]): t for t in epochs["truth1"]}
    for key in changes(epochs)["new"]:
        article = epochs["articles"][key]
        assert article["title"] == truth[key]["title"]
        assert article["body"] == truth[key]["body"]


def test_edited_article_current_version_matches_new_truth(epochs: dict) -> None:
    truth = {(t["site"], t["key"]): t for t in epochs["truth1"]}
    for key in changes(epochs)["edited"]:
        assert epochs["articles"][key]["body"] == truth[key]["body"]
        assert epochs["articles"][key]["date"] == truth[key]["date"]


def test_removed_article_is_removed_and_still_readable(epochs: dict) -> None:
    truth0 = {(t["site"], t["key"]): t for t in epochs["truth0"]}
    for key in changes(epochs)["removed"]:
        article = epochs["articles"][key]
        assert article["status"] == "removed" and article["removed_at"]
        assert article["body"] == truth0[key]["body"]  # its last version stays readable


def test_no_duplicate_articles_despite_aliases(epochs: dict) -> None:
    truth = epochs["truth1"]
    assert epochs["counts2"]["articles"] == len(truth)
    assert epochs["counts2"]["aliases"] > epochs["counts2"]["articles"]


def test_third_crawl_adds_nothing_and_costs_at_most_two_percent(epochs: dict) -> None:
    assert epochs["counts2"]["versions"] == epochs["counts1"]["versions"]
    assert epochs["third_requests"] <= 0.02 * epochs["first_requests"], epochs["third_log"]
    # only listing pages, robots.txt and conditional GETs
    for method, path, status in epochs["third_log"]:
        assert method == "GET"
        assert status in (200, 304), (path, status)
        assert ("view_content" not in path and "ChiTiet" not in path) or status == 304


def test_runs_record_mode_and_status(epochs: dict) -> None:
    runs = epochs["runs"]
    assert len(runs) == 6 and {r["status"] for r in runs} == {"succeeded"}
    modes = [r["mode"] for r in sorted(runs, key=lambda r: r["id"])]
    assert modes == ["full", "full", "full", "full", "incremental", "incremental"]
    assert all(r["stats"].get("downloader/request_count") for r in runs)


def test_warc_files_pass_warcio_check(epochs: dict) -> None:
    files = sorted((epochs["data"] / "warc").rglob("*.warc.gz"))
    assert len(files) >= 6  # a series per run and site
    result = subprocess.run(
        [sys.executable, "-c", "import sys, warcio.cli; sys.exit(warcio.cli.main())",
         "check", *map(str, files)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_warcio_index_matches_archive_pointers(epochs: dict) -> None:
    warc_dir = epochs["data"] / "warc"
    index: dict[tuple[str, int], dict] = {}
    for path in warc_dir.rglob("*.warc.gz"):
        for entry in index_file(path):
            index[(str(path.relative_to(warc_dir)), entry["offset"])] = entry
    checked = 0
    for article in epochs["articles"].values():
        file, _, offset = article["warc"].rpartition("#")
        entry = index[(file, int(offset))]
        assert entry["rec_type"] == "response"
        checked += 1
    assert checked == len(epochs["articles"])


def test_verify_is_clean(epochs: dict) -> None:
    result = luutru("verify", "--data", str(epochs["data"]))
    assert result.returncode == 0, result.stdout
    assert "archive is consistent" in result.stdout


def test_verify_reads_each_warc_file_once(epochs: dict) -> None:
    """Bytes passed through read() by verify's pass over the WARC files: about their size,
    not a record per pointer on top of every file (archive/warcscan.py)."""
    from archive.verify import verify
    from archive.warcscan import scan_file

    def rchar() -> int:
        line = next(x for x in Path("/proc/self/io").read_text().splitlines() if "rchar" in x)
        return int(line.split()[1])

    if not Path("/proc/self/io").exists():
        pytest.skip("needs /proc/self/io")
    data = epochs["data"]
    files = sorted((data / "warc").rglob("*.warc.gz"))
    before = rchar()
    scans = [scan_file(p) for p in files]
    read = rchar() - before
    assert read <= 1.2 * sum(p.stat().st_size for p in files)
    assert all(s is not None and not s.problems for s in scans)
    with Archive.open(data) as archive:
        report = verify(archive, data)
    assert report.ok and report.pointers > 0, report.problems
    assert sum(len(s.records) for s in scans if s) >= report.pointers


def test_verify_names_a_pointer_to_no_record(epochs: dict, tmp_path: Path) -> None:
    data = tmp_path / "copy"
    shutil.copytree(epochs["data"], data)
    with sqlite3.connect(data / "archive.sqlite") as db:
        db.execute("UPDATE versions SET warc_offset = warc_offset + 1 WHERE id = 3")
    result = luutru("verify", "--data", str(data))
    assert result.returncode == 1
    assert "version id 3" in result.stdout and "no record starts at offset" in result.stdout


def test_verify_catches_a_flipped_byte_in_a_warc(epochs: dict, tmp_path: Path) -> None:
    data = tmp_path / "copy"
    shutil.copytree(epochs["data"], data)
    article = next(iter(epochs["articles"].values()))
    file, _, offset = article["warc"].rpartition("#")
    path = data / "warc" / file
    raw = bytearray(path.read_bytes())
    raw[int(offset) + 200] ^= 0xFF
    path.write_bytes(bytes(raw))
    result = luutru("verify", "--data", str(data), "--format", "json")
    assert result.returncode == 1
    assert file in result.stdout


def test_verify_catches_a_changed_byte_in_the_database(epochs: dict, tmp_path: Path) -> None:
    data = tmp_path / "copy"
    shutil.copytree(epochs["data"], data)
    with sqlite3.connect(data / "archive.sqlite") as db:
        # One letter of one stored body, as bit rot or a careless hand would change it.
        db.execute("UPDATE versions SET body = replace(body, 'a', 'o') WHERE id = 7")
    result = luutru("verify", "--data", str(data))
    assert result.returncode == 1
    assert "version id 7" in result.stdout and "does not match its hash" in result.stdout


def test_history_show_and_diff_of_an_edited_article(epochs: dict) -> None:
    site, key = sorted(changes(epochs)["edited"])[0]
    data = str(epochs["data"])
    history = luutru("history", f"{site}:{key}", "--data", data)
    assert history.returncode == 0 and "v1" in history.stdout and "v2" in history.stdout
    old = luutru("show", f"{site}:{key}", "--version", "1", "--data", data, "--format", "json")
    truth0 = {(t["site"], t["key"]): t for t in epochs["truth0"]}
    import json

    assert json.loads(old.stdout)["body"] == truth0[(site, key)]["body"]
    diff = luutru("diff", f"{site}:{key}", "1", "2", "--data", data, "--format", "json")
    fields = json.loads(diff.stdout)["fields"]
    changed = [f["field"] for f in fields if f["changed"]]
    assert "body" in changed and "date" in changed
    assert fields[: len(changed)] == [f for f in fields if f["changed"]]  # changed first

"""Reliability drills: a misbehaving portal (demo_portal/misbehave.py), a full disk,
readers during a crawl. Each drill checks that the crawl ends in bounded time and requests
with a defined exit code, that its runs are recorded (never left "running") with a log
line naming the problem, that the good articles are archived, and that a crawl on top of
a clean archive leaves what is archived alone (`luutru verify` exits 0).

All article modes run together in one portal (each spoils its own small subset of
articles), so one crawl serves every mode's checks.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.store import Archive
from demo_portal import DemoPortal, misbehave
from demo_portal.content import ASP, LF

pytestmark = pytest.mark.slow
ARTICLES = 40
ENV = {**os.environ, "PYTHONUTF8": "1"}
# cp1258 has its own drill (a wrong charset header over windows-1258 bytes).
ROBUST_MODES = [m for m in misbehave.ARTICLE_MODES if m != "cp1258"]
# What the run's log file says about each mode (scrapy's or the spider's words).
LOG_LINE = {
    "slow": r"took longer than 2\.0 seconds",
    "reset": r"Connection to the other side was lost|ConnectionLost|Connection was refused",
    "storm500": r"500 Internal Server Error",
    "truncated": r"data loss|DataLoss",
    "huge": r"larger than download max size",
    "binary": r"soft 404|not an HTML page|decod",
    "redirect_loop": r"max redirections reached",
}
TIMEOUT = 300  # a guard against a hung crawl, not a speed target (crawls share 2 CPUs)


def crawl_cmd(base_url: str, data: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
            "--base-url", base_url, "--data", str(data), "-s", "LOG_LEVEL=INFO",
            "-s", "DOWNLOAD_TIMEOUT=2", *extra]  # fmt: skip


def run_all(*cmds: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands concurrently (two cores); each is bounded by TIMEOUT."""
    procs = [
        subprocess.Popen(c, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in cmds
    ]
    results = []
    for cmd, proc in zip(cmds, procs, strict=True):
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            pytest.fail(f"crawl did not end within {TIMEOUT} s: {cmd}")
        results.append(subprocess.CompletedProcess(cmd, proc.returncode, out, err))
    return results


def verify(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "luutru", "verify", "--data", str(data)],
                          capture_output=True, text=True, timeout=TIMEOUT, env=ENV)  # fmt: skip


def snapshot(data: Path) -> dict[str, Any]:
    with Archive.open(data) as archive:
        arts = {(a["site"], a["article_key"]): a for a in archive.articles()}
        return {
            "articles": arts,
            "versions": {k: (a["version_count"], a["content_hash"]) for k, a in arts.items()},
            "status": {k: a["status"] for k, a in arts.items()},
            "runs": archive.runs(),
            "counts": archive.counts(),
        }


def live_truth(portal: DemoPortal) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t["site"], t["key"]): t for t in portal.truth() if t["status"] == "live"}


def log_text(run: dict[str, Any]) -> str:
    assert run["log_path"], run
    return Path(run["log_path"]).read_text(encoding="utf-8")


def _clean_archive(tmp: Path, portal: DemoPortal) -> Path:
    data = tmp / "clean"
    (result,) = run_all(crawl_cmd(portal.base_url, data))
    assert result.returncode == 0, result.stderr[-3000:]
    return data


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One clean crawl; then, with every robust article mode on, a crawl into an empty
    archive and a --full crawl on top of a copy of the clean archive, concurrently."""
    tmp = tmp_path_factory.mktemp("drills")
    with DemoPortal(articles=ARTICLES, port=0) as portal:
        clean = _clean_archive(tmp, portal)
        on_top = tmp / "on-top"
        shutil.copytree(clean, on_top)
        portal.misbehave = set(ROBUST_MODES)
        fresh = tmp / "fresh"
        started = time.monotonic()
        results = run_all(
            crawl_cmd(portal.base_url, fresh), crawl_cmd(portal.base_url, on_top, "--full")
        )
        yield {
            "portal": portal,
            "seconds": time.monotonic() - started,
            "fresh": fresh,
            "fresh_result": results[0],
            "on_top": on_top,
            "on_top_result": results[1],
            "clean": snapshot(clean),
            "truth": live_truth(portal),
            "listing_pages": portal.listing_page_count(),
        }


def affected_ids(portal: DemoPortal, mode: str) -> list[tuple[str, str]]:
    return sorted(misbehave.affected(portal, [mode]))


def test_misbehaving_crawls_end_with_a_defined_exit_code(drill: dict[str, Any]) -> None:
    for name in ("fresh_result", "on_top_result"):
        result = drill[name]
        # Spoiled articles make a run "unhealthy" (exit 0) or failed (exit 1), never a crash.
        assert result.returncode in (0, 1), (name, result.returncode, result.stderr[-3000:])
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert drill["seconds"] < TIMEOUT


@pytest.mark.parametrize("which", ["fresh", "on_top"])
def test_runs_are_recorded_and_requests_bounded(drill: dict[str, Any], which: str) -> None:
    runs = snapshot(drill[which])["runs"]
    mine = [r for r in runs if r["id"] > (0 if which == "fresh" else len(drill["clean"]["runs"]))]
    assert sorted(r["site"] for r in mine) == [ASP, LF]
    for run in mine:
        assert run["status"] in ("succeeded", "unhealthy", "failed"), run
        assert run["finished_at"]
        articles = sum(1 for s, _ in drill["truth"] if s == run["site"])
        retries = len(ROBUST_MODES) * misbehave.COUNT * 4 * 6  # 4 tries, 6 redirect hops
        bound = 2 * (articles + drill["listing_pages"]) + retries
        assert int(run["stats"].get("downloader/request_count", 0)) <= bound


@pytest.mark.parametrize("mode", ROBUST_MODES)
def test_log_names_the_problem(drill: dict[str, Any], mode: str) -> None:
    runs = {r["site"]: r for r in snapshot(drill["fresh"])["runs"]}
    for site, key in affected_ids(drill["portal"], mode):
        lines = [
            line
            for line in log_text(runs[site]).splitlines()
            if re.search(rf"(?i)(view_content/|itemid=){key}\b", line)
            and re.search(LOG_LINE[mode], line)
        ]
        assert lines, f"{mode}: no log line about {site}:{key} matching {LOG_LINE[mode]!r}"


def test_good_articles_are_archived(drill: dict[str, Any]) -> None:
    archived = snapshot(drill["fresh"])["articles"]
    spoiled = misbehave.affected(drill["portal"], ROBUST_MODES)
    good = set(drill["truth"]) - spoiled
    assert good - set(archived) == set()
    assert set(archived) & spoiled == set()  # no record made of a broken answer
    for key in good:
        assert archived[key]["title"] == drill["truth"][key]["title"]


def test_crawl_on_top_touches_nothing_archived(drill: dict[str, Any]) -> None:
    before, after = drill["clean"], snapshot(drill["on_top"])
    assert after["versions"] == before["versions"]
    assert after["counts"]["versions"] == before["counts"]["versions"]
    assert after["status"] == before["status"]
    result = verify(drill["on_top"])
    assert result.returncode == 0, result.stdout[-3000:]


def test_fresh_archive_verifies(drill: dict[str, Any]) -> None:
    result = verify(drill["fresh"])
    assert result.returncode == 0, result.stdout[-3000:]


# ------------------------------------------------------------------ cp1258


@pytest.fixture(scope="module")
def cp1258(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("cp1258")
    with DemoPortal(articles=ARTICLES, port=0) as portal:
        clean = _clean_archive(tmp, portal)
        on_top = tmp / "on-top"
        shutil.copytree(clean, on_top)
        portal.misbehave = {"cp1258"}
        fresh = tmp / "fresh"
        results = run_all(
            crawl_cmd(portal.base_url, fresh), crawl_cmd(portal.base_url, on_top, "--full")
        )
        yield {
            "portal": portal,
            "results": results,
            "fresh": fresh,
            "on_top": on_top,
            "clean": snapshot(clean),
            "truth": live_truth(portal),
        }


def test_cp1258_page_is_served_as_real_portals_do(cp1258: dict[str, Any]) -> None:
    """The drill itself: windows-1258 bytes, a matching meta charset, a utf-8 header."""
    import urllib.request

    portal = cp1258["portal"]
    site, key = affected_ids(portal, "cp1258")[0]
    url = cp1258["truth"][(site, key)]["url"]
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        raw = r.read()
    assert b"windows-1258" in raw
    text = raw.decode("cp1258")
    assert cp1258["truth"][(site, key)]["title"].split()[0] in __import__("unicodedata").normalize(
        "NFC", text
    )
    for result in cp1258["results"]:
        assert result.returncode == 0, result.stderr[-3000:]


def test_cp1258_text_is_decoded_despite_the_wrong_header(cp1258: dict[str, Any]) -> None:
    archived = snapshot(cp1258["fresh"])["articles"]
    for key in affected_ids(cp1258["portal"], "cp1258"):
        assert archived[key]["title"] == cp1258["truth"][key]["title"]
        assert "\ufffd" not in archived[key]["body"]


def test_cp1258_crawl_on_top_touches_nothing_archived(cp1258: dict[str, Any]) -> None:
    after = snapshot(cp1258["on_top"])
    assert after["versions"] == cp1258["clean"]["versions"]
    assert after["counts"]["versions"] == cp1258["clean"]["counts"]["versions"]


def test_cp1258_archive_still_verifies(cp1258: dict[str, Any]) -> None:
    for data in (cp1258["fresh"], cp1258["on_top"]):
        result = verify(data)
        assert result.returncode == 0, result.stdout[-3000:]


# ------------------------------------------------------------------ endless listing


@pytest.fixture(scope="module")
def endless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("endless")
    with DemoPortal(articles=ARTICLES, port=0, misbehave={"endless_listing"}) as portal:
        data = tmp / "fresh"
        started = time.monotonic()
        (result,) = run_all(crawl_cmd(portal.base_url, data))
        yield {
            "result": result,
            "seconds": time.monotonic() - started,
            "data": data,
            "truth": live_truth(portal),
            "snapshot": snapshot(data),
        }


def test_endless_listing_is_bounded_by_max_pages(endless: dict[str, Any]) -> None:
    assert endless["result"].returncode in (0, 1), endless["result"].stderr[-3000:]
    snap = endless["snapshot"]
    assert set(endless["truth"]) <= set(snap["articles"])  # the good ones are archived
    for run in snap["runs"]:
        assert run["status"] != "running"
        stats = run["stats"]
        assert int(stats["luutru/listing_pages"]) <= 500  # the default max_pages
        assert stats.get("luutru/listing_budget_spent")
        bound = 500 * (1 + misbehave.FAKE_LINKS) + 3 * ARTICLES
        assert int(stats["downloader/request_count"]) <= bound
    assert verify(endless["data"]).returncode == 0


def test_endless_listing_log_says_the_listing_budget_was_spent(endless: dict[str, Any]) -> None:
    for run in endless["snapshot"]["runs"]:
        assert re.search(r"(?i)max_pages|listing budget|too many listing", log_text(run))


# ------------------------------------------------------------------ log wording


def test_spider_failure_line_gives_a_reason(drill: dict[str, Any]) -> None:
    runs = snapshot(drill["fresh"])["runs"]
    empty = [
        line
        for run in runs
        for line in log_text(run).splitlines()
        if re.search(r"\[portal\] ERROR: article \S+ failed: ?$", line)
    ]
    assert empty == []


# ------------------------------------------------------------------ disk full


def _mount_tmpfs(target: Path, size: str) -> bool:
    if shutil.which("mount") is None:
        return False
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                            capture_output=True, text=True)  # fmt: skip
    return result.returncode == 0


# Fallback when tmpfs cannot be mounted (not root): os.write and the buffered file writes
# of the archive fail with ENOSPC once WRITE_BUDGET bytes went to files under the data dir.
ENOSPC_WRAPPER = r"""
import builtins, errno, io, os, sys
budget = [int(os.environ["LUUTRU_DRILL_WRITE_BUDGET"])]
root = os.path.realpath(os.environ["LUUTRU_DRILL_DATA"])
_write = os.write
def _charge(n):
    budget[0] -= n
    if budget[0] < 0:
        raise OSError(errno.ENOSPC, "No space left on device (drill)")
def write(fd, data):
    try:
        path = os.path.realpath(f"/proc/self/fd/{fd}")
    except OSError:
        path = ""
    if path.startswith(root):
        _charge(len(data))
    return _write(fd, data)
os.write = write
sys.argv = ["luutru", *sys.argv[1:]]
from luutru.cli import main
sys.exit(main())
"""


DISK_FULL_WAIT = 30  # seconds: a clean failure takes a few


@pytest.fixture(scope="module")
def disk_full(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A crawl whose data directory is on a 2 MB tmpfs (root) or whose writes under it
    fail with ENOSPC past 2 MB (fallback); afterwards the archive is moved to a big disk."""
    tmp = tmp_path_factory.mktemp("diskfull")
    mount = tmp / "small"
    mounted = _mount_tmpfs(mount, "2m")
    data = mount / "archive"
    moved = tmp / "moved"
    try:
        with DemoPortal(articles=300, port=0) as portal:
            if mounted:
                cmd, env = crawl_cmd(portal.base_url, data), ENV
            else:  # pragma: no cover - CI runs as root
                cmd = [sys.executable, "-c", ENOSPC_WRAPPER, *crawl_cmd(portal.base_url, data)[3:]]
                env = {**ENV, "LUUTRU_DRILL_WRITE_BUDGET": "2000000",
                       "LUUTRU_DRILL_DATA": str(data)}  # fmt: skip
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)  # fmt: skip
            try:
                out, err = proc.communicate(timeout=DISK_FULL_WAIT)
                ended = True
            except subprocess.TimeoutExpired:
                proc.kill()  # what an operator does with a hung crawl
                out, err = proc.communicate()
                ended = False
        shutil.copytree(data, moved)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    print(f"disk full simulated with {'tmpfs' if mounted else 'an os.write ENOSPC wrapper'}")
    return {"mounted": mounted, "ended": ended, "returncode": proc.returncode,
            "stdout": out, "stderr": err, "moved": moved}  # fmt: skip


def test_disk_full_is_really_hit(disk_full: dict[str, Any]) -> None:
    text = disk_full["stderr"] + disk_full["stdout"]
    assert re.search(r"No space left on device|database or disk is full", text)


def test_disk_full_crawl_fails_cleanly(disk_full: dict[str, Any]) -> None:
    assert disk_full["ended"], f"crawl still running after {DISK_FULL_WAIT} s (killed)"
    assert disk_full["returncode"] not in (0, None)
    assert disk_full["stderr"].count("Traceback") <= 5


def test_disk_full_leaves_no_partial_version(disk_full: dict[str, Any]) -> None:
    """Every version and every capture pointer of the moved copy checks out; whatever
    `verify` finds is at most the torn tail of a WARC file, never a stored record."""
    checked = verify(disk_full["moved"])
    problems = [line for line in checked.stdout.splitlines() if line.startswith("PROBLEM")]
    assert all("truncated gzip member" in line for line in problems), problems
    with Archive.open(disk_full["moved"]) as archive:
        assert archive.counts()["versions"] > 0


def test_disk_full_archive_moved_to_a_big_disk_verifies(disk_full: dict[str, Any]) -> None:
    checked = verify(disk_full["moved"])
    assert checked.returncode == 0, checked.stdout[-3000:]


def test_disk_full_runs_are_closed_by_the_next_open(disk_full: dict[str, Any]) -> None:
    """A killed (hung) crawl leaves runs "running"; the next crawl's open interrupts them."""
    with Archive.open(disk_full["moved"]) as archive:
        for site in (LF, ASP):
            archive.interrupt_stale_runs(site)
        assert all(r["status"] != "running" for r in archive.runs())


# ------------------------------------------------------------------ concurrent readers


def test_readers_during_a_crawl_see_no_error(tmp_path: Path) -> None:
    data = tmp_path / "archive"
    errors: list[str] = []
    reads = [0]
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            if not (data / "archive.sqlite").exists():
                time.sleep(0.05)
                continue
            try:
                with Archive.open(data) as archive:
                    for _ in archive.articles():
                        pass
                reads[0] += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)

    with DemoPortal(articles=80, port=0, delay=0.01) as portal:
        proc = subprocess.Popen(
            crawl_cmd(portal.base_url, data), env=ENV,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        threads = [threading.Thread(target=reader, daemon=True) for _ in range(3)]
        for t in threads:
            t.start()
        exports = 0
        try:
            while proc.poll() is None:
                if (data / "archive.sqlite").exists():
                    out = subprocess.run(
                        [sys.executable, "-m", "luutru", "export", "--format", "jsonl",
                         "--data", str(data), "-o", str(tmp_path / "out.jsonl")],
                        capture_output=True, text=True, timeout=60, env=ENV,
                    )  # fmt: skip
                    exports += 1
                    if out.returncode != 0 or "locked" in out.stderr:
                        errors.append(f"export {out.returncode}: {out.stderr[-500:]}")
                time.sleep(0.05)
            crawl_err = proc.communicate(timeout=TIMEOUT)[1]
        finally:
            done.set()
            for t in threads:
                t.join(timeout=30)
    assert proc.returncode == 0, crawl_err[-3000:]
    assert "database is locked" not in crawl_err
    assert errors == []
    assert reads[0] > 0 and exports > 0


def test_sqlite_is_in_wal_mode_for_readers(tmp_path: Path) -> None:
    # While open (readers beside a writer); closed, it is settled for read-only media
    # (tests/test_readonly_archive.py).
    with Archive.open(tmp_path):
        conn = sqlite3.connect(tmp_path / "archive.sqlite")
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()

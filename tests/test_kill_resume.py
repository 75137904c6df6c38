"""kill -9 in the middle of a crawl, then crawl again: nothing lost, nothing duplicated,
the archive verifies clean and no run is left "running"."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.store import Archive
from demo_portal import DemoPortal

ARTICLES = 200
pytestmark = pytest.mark.slow


def versions_in(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet, or mid-migration


def command(base_url: str, data: Path) -> list[str]:
    return [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
            "--base-url", base_url, "--data", str(data), "-s", "LOG_LEVEL=WARNING"]  # fmt: skip


# Several kill points, "random" but seeded so a failure can be replayed.
KILL_POINTS = sorted(random.Random(20261125).sample(range(5, ARTICLES - 20), 3))


@pytest.mark.parametrize("kill_after", KILL_POINTS)
def test_kill_9_mid_crawl_then_resume(tmp_path: Path, kill_after: int) -> None:
    data = tmp_path / "archive"
    with DemoPortal(articles=ARTICLES, port=0, delay=0.01) as portal:
        env = {**os.environ, "PYTHONUTF8": "1"}
        proc = subprocess.Popen(command(portal.base_url, data), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 120
        while versions_in(data / "archive.sqlite") < kill_after:
            assert proc.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = versions_in(data / "archive.sqlite")
        assert killed_at < ARTICLES  # really mid-run
        assert (data / "jobs").is_dir()  # Scrapy's JOBDIR of the killed runs (discarded)

        portal.delay = 0.0
        resumed = subprocess.run(command(portal.base_url, data), env=env,
                                 capture_output=True, text=True, timeout=300)  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        live = {(t["site"], t["key"]) for t in portal.truth() if t["status"] == "live"}

    with Archive.open(data) as archive:
        archived = [(a["site"], a["article_key"]) for a in archive.articles()]
        runs = archive.runs()
        counts = archive.counts()
    assert sorted(archived) == sorted(live)  # none lost
    assert counts["versions"] == len(live)  # none duplicated, no spurious version
    statuses = sorted(r["status"] for r in runs)
    assert "running" not in statuses
    assert statuses.count("interrupted") == 2 and statuses.count("succeeded") == 2
    assert not (data / "jobs" / "demo-aspnet").exists()  # a finished run clears its JOBDIR

    verify = subprocess.run([sys.executable, "-m", "luutru", "verify", "--data", str(data)],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-3000:]


def stop_gracefully(base_url: str, data: Path, env: dict[str, str]) -> None:
    """Crawl until 40 versions are stored, then Ctrl-C once (Scrapy's graceful shutdown)."""
    proc = subprocess.Popen(command(base_url, data), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while versions_in(data / "archive.sqlite") < 40:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) != 0  # an unfinished crawl is not a success


def test_graceful_stop_keeps_jobdir_and_the_next_run_resumes(tmp_path: Path) -> None:
    data = tmp_path / "archive"
    env = {**os.environ, "PYTHONUTF8": "1"}
    with DemoPortal(articles=ARTICLES, port=0, delay=0.02) as portal:
        stop_gracefully(portal.base_url, data, env)
        with Archive.open(data) as archive:
            assert {r["status"] for r in archive.runs()} == {"interrupted"}
        queues = list((data / "jobs").rglob("requests.queue"))
        assert queues, "the stopped run's queue is kept for the next one"

        portal.delay = 0.0
        resumed = subprocess.run(command(portal.base_url, data), env=env,
                                 capture_output=True, text=True, timeout=300)  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        live = {(t["site"], t["key"]) for t in portal.truth() if t["status"] == "live"}
    with Archive.open(data) as archive:
        assert {(a["site"], a["article_key"]) for a in archive.articles()} == live
        assert archive.counts()["versions"] == len(live)


def test_a_queue_saved_for_another_address_of_the_portal_is_not_resumed(tmp_path: Path) -> None:
    # Stopped, then the portal is reached elsewhere (a new --base-url): resuming the old
    # queue sent every request to the old address and the run failed as "unreachable".
    data = tmp_path / "archive"
    env = {**os.environ, "PYTHONUTF8": "1"}
    with DemoPortal(articles=ARTICLES, port=0, delay=0.02) as portal:
        stop_gracefully(portal.base_url, data, env)
        assert list((data / "jobs").rglob("requests.queue"))
    with DemoPortal(articles=ARTICLES, port=0) as moved:
        again = subprocess.run([*command(moved.base_url, data), "-v"], env=env,
                               capture_output=True, text=True, timeout=300)  # fmt: skip
        assert again.returncode == 0, again.stderr[-3000:]
        assert "which is now reached at " + moved.base_url in again.stderr
        live = {(t["site"], t["key"]) for t in moved.truth() if t["status"] == "live"}
    with Archive.open(data) as archive:
        assert {(a["site"], a["article_key"]) for a in archive.articles()} == live
        latest = {r["site"]: r for r in reversed(archive.runs())}  # newest per site
        # not "unhealthy" with hundreds of retries to the old address
        assert {s: r["status"] for s, r in latest.items()} == dict.fromkeys(latest, "succeeded")

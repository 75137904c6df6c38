"""A finished crawl leaves without its interpreter's teardown (luutru/exiting.py), but
only after everything the interpreter's exit would do first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive.store import Archive
from demo_portal import DemoPortal

REPO = Path(__file__).resolve().parent.parent

SCRIPT = """
import atexit, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from luutru import exiting

def late(path):
    time.sleep(0.3)
    with open(path, "w") as out:
        out.write("thread done")

threading.Thread(target=late, args=(sys.argv[1] + ".thread",)).start()  # not a daemon
ThreadPoolExecutor(1).submit(time.sleep, 0.01)  # an idle pool's thread: told to stop

class Teardown:
    def __del__(self):
        sys.stdout.write("torn down\\n")

kept = Teardown()  # freed by the interpreter's teardown, and only by it
log = open(sys.argv[1], "w")
log.write("written, not flushed")
atexit.register(log.close)  # a handler registered like logging's or the pool's
atexit.register(lambda: sys.stdout.write("handler ran\\n"))
sys.stdout.write("said")  # no newline: still in the buffer
if sys.argv[2] == "quick":
    exiting.want()
    exiting.leave(3)
sys.exit(3)
"""


def _run(tmp_path: Path, how: str) -> subprocess.CompletedProcess[str]:
    out = tmp_path / f"{how}.txt"
    return subprocess.run([sys.executable, "-c", SCRIPT, str(out), how], cwd=REPO,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_leaving_runs_the_exit_handlers_and_flushes_but_skips_the_teardown(
    tmp_path: Path,
) -> None:
    quick = _run(tmp_path, "quick")
    assert quick.returncode == 3
    assert quick.stdout == "saidhandler ran\n"  # flushed, the handler ran; no teardown
    assert (tmp_path / "quick.txt").read_text() == "written, not flushed"
    assert (tmp_path / "quick.txt.thread").read_text() == "thread done"  # joined first
    assert quick.stderr == ""


def test_the_usual_exit_for_comparison(tmp_path: Path) -> None:
    """What the quick exit saves: the same program ending as usual tears its objects down."""
    usual = _run(tmp_path, "usual")
    assert usual.returncode == 3
    assert usual.stdout == "saidhandler ran\ntorn down\n"
    assert (tmp_path / "usual.txt").read_text() == "written, not flushed"


def test_a_crawl_command_ends_with_its_code_its_summary_and_its_archive(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with DemoPortal(articles=12, port=0) as portal:
        done = subprocess.run(
            [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "--base-url",
             portal.base_url, "--data", str(data), "-s", "LOG_LEVEL=WARNING"],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        live = {
            t["key"]
            for t in portal.truth()
            if t["status"] == "live" and t["site"] == "demo-liferay"
        }
    assert done.returncode == 0, done.stderr[-2000:]
    assert "demo-liferay" in done.stdout and " new" in done.stdout  # the summary line
    with Archive.open(data) as archive:
        assert {r["status"] for r in archive.runs()} == {"succeeded"}
        assert {a["article_key"] for a in archive.articles()} == live
    failed = subprocess.run(
        [sys.executable, "-m", "luutru", "crawl", "no-such-site", "--data", str(data)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert failed.returncode == 2
    assert len(failed.stderr.strip().splitlines()) == 1  # one clear line, no traceback

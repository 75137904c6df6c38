"""`luutru crawl A B`: several sites in several processes (luutru/crawl_processes.py)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.crawlstate import _pid_alive
from archive.store import Archive
from demo_portal import DemoPortal
from luutru import crawl_processes as cp
from tests.fake_crawler import FakeCrawler

LINUX = sys.platform.startswith("linux")


@pytest.mark.skipif(not LINUX, reason="children are tied to the parent with prctl (Linux)")
def test_one_process_per_site_up_to_the_cores() -> None:
    assert cp.process_count(0, 1, cpus=8) == 1
    assert cp.process_count(0, 2, cpus=8) == 2
    assert cp.process_count(0, 5, cpus=2) == 2
    assert cp.process_count(0, 60, cpus=32) == cp.MAX_AUTO_PROCESSES


@pytest.mark.skipif(not LINUX, reason="children are tied to the parent with prctl (Linux)")
def test_processes_asked_for_are_kept_below_the_sites() -> None:
    assert cp.process_count(1, 5, cpus=8) == 1
    assert cp.process_count(3, 5, cpus=1) == 3
    assert cp.process_count(9, 2, cpus=8) == 2


def test_sites_are_dealt_in_turn() -> None:
    assert cp.groups(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert cp.groups(["a"], 3) == [["a"]]


def test_extraction_workers_are_shared_out() -> None:
    assert cp.extract_workers(2, cpus=2) == 1  # never none: a worker keeps the reactor free
    assert cp.extract_workers(2, cpus=8) == 3
    assert cp.extract_workers(8, cpus=8) == 1


def _args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "data": "/d", "trigger": "manual", "config": None, "db": None, "sites": None,
        "base_url": None, "full": False, "quiet": False, "verbose": False, "settings": [],
    }  # fmt: skip
    values.update(given)
    return argparse.Namespace(**values)


def test_a_child_gets_the_parents_options_and_one_process() -> None:
    args = _args(config="/c.toml", db="sqlite:///x", sites="/s", base_url="http://h:1",
                 full=True, quiet=True, trigger="schedule",
                 settings=["LOG_LEVEL=INFO"])  # fmt: skip
    command = cp.child_command(args, ["a", "c"], workers=2)
    assert command[:7] == [sys.executable, "-m", "luutru", "crawl", "a", "c", "--processes"]
    text = " ".join(command[7:])
    for part in ("1 ", "--data /d", "--trigger schedule", "--config /c.toml",
                 "--db sqlite:///x", "--sites /s", "--base-url http://h:1", "--full",
                 "--quiet", "-s LOG_LEVEL=INFO", "-s LUUTRU_EXTRACT_WORKERS=2"):  # fmt: skip
        assert part in text, part
    assert "--verbose" not in text


def test_a_workers_setting_of_the_user_is_kept() -> None:
    command = cp.child_command(_args(settings=["LUUTRU_EXTRACT_WORKERS=0"]), ["a"], workers=3)
    assert command.count("-s") == 1 and "LUUTRU_EXTRACT_WORKERS=0" in command


@pytest.mark.skipif(not LINUX, reason="/proc")
def test_a_process_that_exited_unreaped_is_not_alive() -> None:
    """A killed crawl's children are orphans until init reaps them; meanwhile their
    leases must be free to take (archive/crawlstate.py ``_zombie``)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child.pid}/stat").read_bytes().rpartition(b")")[2].split()[0] != b"Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        assert not _pid_alive(child.pid)
    finally:
        child.wait()
    assert _pid_alive(os.getpid())


def _crawl(base_url: str, data: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
            "--base-url", base_url, "--data", str(data), "--quiet", *extra]  # fmt: skip


def _archived(data: Path) -> list[tuple[str, ...]]:
    with Archive.open(data) as archive:
        return sorted((a["site"], a["url"], a["title"], a["body"]) for a in archive.articles())


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="children are tied to the parent with prctl (Linux)")
def test_two_processes_archive_what_one_does_and_print_both_summaries(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUTF8": "1"}
    with DemoPortal(articles=40, epoch=0, port=0) as portal:
        outputs = {}
        for processes in ("1", "2"):
            done = subprocess.run(_crawl(portal.base_url, tmp_path / processes, "--processes",
                                         processes),
                                  capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
            assert done.returncode == 0, done.stderr[-2000:]
            outputs[processes] = done.stdout
    assert _archived(tmp_path / "2") == _archived(tmp_path / "1")
    assert len(_archived(tmp_path / "2")) >= 40
    lines = [line.split(" ")[0] for line in outputs["2"].splitlines() if "(full)" in line]
    assert lines == ["demo-liferay", "demo-aspnet"]  # in the order asked, as in one process


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


_SITE_CRAWL = b"\x00--processes\x001\x00"  # the parent's is `--processes 2`


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="children are tied to the parent with prctl (Linux)")
def test_killing_the_command_kills_its_site_crawls(tmp_path: Path) -> None:
    """And each site crawl is in the command's session, in a process group of its own."""
    with DemoPortal(articles=200, epoch=0, port=0, delay=0.05) as portal:
        proc = subprocess.Popen(_crawl(portal.base_url, tmp_path / "a", "--processes", "2"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        crawls: list[int] = []
        while len(crawls) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
            # A child between fork and exec still shows the parent's command line (and
            # group); only an exec'd site crawl shows its own `--processes 1`.
            crawls = [p for p in _descendants(proc.pid) if _SITE_CRAWL in
                      Path(f"/proc/{p}/cmdline").read_bytes()]  # fmt: skip
        for pid in crawls:
            # Own process group (Ctrl-C comes through the parent), same session (with
            # autogroup scheduling a session of its own would ignore the nice value).
            assert os.getpgid(pid) == pid and os.getsid(pid) == os.getsid(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        while any(_pid_alive(p) for p in crawls):
            assert time.monotonic() < deadline + 30, "a site crawl outlived its command"
            time.sleep(0.05)


# ------------------------------------------------ one progress line on the terminal


def test_a_site_crawl_feeds_marked_lines_at_the_terminals_pace() -> None:
    import io

    from luutru.progress import FEED_MARK, TTY_INTERVAL, Progress

    out = io.StringIO()
    fed = Progress(out, tty=True, feed=True)  # a terminal's pace, not its redraws
    fed.watch("demo-aspnet", FakeCrawler({"downloader/request_count": 7, "item_scraped_count": 3,
                                       "downloader/response_count": 7}))  # fmt: skip
    assert fed.interval == TTY_INTERVAL
    fed.tick()
    fed.finish()
    assert out.getvalue().startswith(FEED_MARK) and out.getvalue().endswith("\n")
    assert "\r" not in out.getvalue() and "demo-aspnet 7 requests" in out.getvalue()


def test_the_board_draws_one_line_for_every_child(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from luutru.progress import FEED_MARK, ProgressBoard

    monkeypatch.setenv("COLUMNS", "200")
    screen = io.StringIO()
    board = ProgressBoard(screen, tty=True)
    board.take(0, FEED_MARK + "3 s · demo-liferay 10 requests, 2 listings, 5 articles\n")
    board.take(1, FEED_MARK + "3 s · demo-aspnet 7 requests, 1 listings, 2 articles\n")
    board.take(0, FEED_MARK + "4 s · demo-liferay 12 requests, 2 listings, 6 articles\n")
    assert screen.getvalue() == ""  # fed lines are drawn, not printed
    board.draw()
    line = screen.getvalue()
    assert line.startswith("\r") and line.endswith("\x1b[K") and line.count(" s · ") == 1
    assert "demo-liferay 12 requests, 2 listings, 6 articles | demo-aspnet 7 requests" in line
    board.take(1, "demo-aspnet: WARNING: listing answered 500\n")
    board.finish()
    rest = screen.getvalue()[len(line) :]
    assert rest == "\r\x1b[Kdemo-aspnet: WARNING: listing answered 500\n"  # above the line


def test_without_a_terminal_the_childrens_lines_pass_through() -> None:
    import io

    from luutru.progress import ProgressBoard

    out = io.StringIO()
    board = ProgressBoard(out, tty=False)
    board.take(0, "10 s · demo-liferay 40 requests, 4 listings, 30 articles\n")
    board.draw()
    board.finish()
    assert out.getvalue() == "10 s · demo-liferay 40 requests, 4 listings, 30 articles\n"

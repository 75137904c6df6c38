"""The processes the benchmarks start and measure: a demo portal of its own (or the
portal of real pages), a command timed with the CPU of everything it waited for, and a
running process's CPU so far."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Portal:
    base: str  # http://127.0.0.1:PORT
    pid: int  # its process, for its CPU (``cpu_seconds``)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def answering(
    cmd: list[str], log_path: Path, probe: str, what: str, timeout: float, stop_wait: float = 10
) -> Iterator[subprocess.Popen[bytes]]:
    """``cmd`` in a process of its own (output to ``log_path``), yielded once a GET of
    ``probe`` gets any HTTP answer; terminated (killed after ``stop_wait`` s) after."""
    log = open(log_path, "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited ({proc.returncode}); see {log.name}")
            try:
                urllib.request.urlopen(probe, timeout=5).close()
                break
            except urllib.error.HTTPError:
                break  # it answered
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} not answering at {probe}") from None
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(stop_wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextmanager
def portal(
    articles: int,
    log_dir: Path,
    epoch: int = 0,
    delay: float = 0.0,
    padding_kb: int = 0,
    real_pages: bool = False,
) -> Iterator[Portal]:
    """A demo portal in its own process, yielded once it answers. ``delay``:
    seconds each response waits (the portal's threads sleep, as a remote portal would).
    ``real_pages``: bench/real_portal.py's real pages instead of the demo portal."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "luutru", "demo-portal", "--articles", str(articles),
           "--port", str(port), "--epoch", str(epoch), "--delay", str(delay),
           "--padding-kb", str(padding_kb)]  # fmt: skip
    if real_pages:
        cmd = [sys.executable, "-m", "bench.real_portal", "--port", str(port),
               "--articles", str(articles), "--delay", str(delay)]  # fmt: skip
    log_path = log_dir / f"portal-{port}.log"
    with answering(cmd, log_path, base + "/robots.txt", "demo portal", 60) as proc:
        yield Portal(base, proc.pid)


@contextmanager
def portal_process(articles: int, log_dir: Path, **options: Any) -> Iterator[str]:
    """``portal`` (same options), yielding its base URL."""
    with portal(articles, log_dir, **options) as served:
        yield served.base


def timed(cmd: list[str], log: Any) -> tuple[subprocess.CompletedProcess[bytes], float, float]:
    """Run ``cmd``; its wall time and the CPU seconds (user + system) it and every process
    it waited for used (the crawl's extraction workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=log, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done, wall, cpu


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` and its living children so far, from /proc: a
    server's own cost (per request, per page served), which holds on a busy machine when
    wall times do not."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for one in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total

"""Scheduled crawls run here: each one `luutru crawl SITE --trigger schedule` in a
subprocess of its own (Twisted's reactor cannot restart in one process), followed until it
ends, stopped gracefully at shutdown. With `[cluster] scrapyd_nodes` the crawl goes to a
Scrapyd worker instead (luutru/cluster.py).

``run_site`` is the scheduler's job function: luutru/scheduler.py re-exports it, since
persistent job stores name it ``luutru.scheduler:run_site``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from luutru.workspace import Workspace, shared_workspace

log = logging.getLogger("luutru.scheduler")

KILL_MARGIN = 120  # seconds past max_duration before a crawl that did not stop is killed
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3  # the crawl command's exit codes
OUTPUT_TAIL = 4000  # characters of a crawl's own output kept for the scheduler's log


@dataclass
class _Child:
    site: str
    proc: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)


# Crawls started by this process, by pid: shutdown reaches them here.
_children: dict[int, _Child] = {}
_children_lock = threading.Lock()
_stopping = threading.Event()  # set on SIGTERM/SIGINT: no new crawl starts after it


def crawl_command(
    site: str, data: str, sites: str | None = None, config: str | None = None
) -> list[str]:
    command = [sys.executable, "-m", "luutru", "crawl", site, "--trigger", "schedule"]
    command += ["--quiet", "--data", data]
    if sites:
        command += ["--sites", sites]
    if config:
        command += ["--config", config]
    return command


def _tail(output: IO[bytes]) -> str:
    output.seek(0, os.SEEK_END)
    output.seek(max(output.tell() - OUTPUT_TAIL, 0))
    lines = output.read().decode("utf-8", "replace").strip().splitlines()
    return "\n".join(lines[-5:])


def _stop_process(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM (Scrapy stops gracefully and records the run "interrupted"), SIGKILL after
    ``grace`` seconds if it is still there."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _interrupt_stale(workspace: Workspace, sites: Iterable[str]) -> None:
    """A killed crawl cannot close its run: mark it "interrupted" now, not at its next run."""
    for site in sorted(set(sites)):
        stale = workspace.archive.interrupt_stale_runs(site)
        if stale:
            log.warning("%s: run(s) %s were killed and are marked interrupted", site, stale)


def run_site(site: str, data: str, sites: str | None = None, config: str | None = None) -> int:
    """The job: one scheduled crawl of ``site`` in a subprocess; returns its exit code.

    Module-level with plain arguments so that the persistent job store can pickle it.
    With ``[cluster] scrapyd_nodes`` the crawl goes to a Scrapyd worker instead."""
    workspace = shared_workspace(data, config)
    settings = workspace.config.schedule
    limit = settings.max_duration_minutes * 60 + KILL_MARGIN
    if workspace.config.cluster.scrapyd_nodes:
        from luutru.cluster import run_on_worker

        return run_on_worker(site, workspace, _stopping, limit)
    with tempfile.TemporaryFile() as output:  # the crawl's own output: its tail is logged
        with _children_lock:
            if _stopping.is_set():
                log.info("%s: not started, the scheduler is stopping", site)
                return EXIT_FAILED
            # A process group of its own: a terminal's Ctrl-C reaches only the scheduler,
            # which then decides when its crawls stop (after the shutdown grace). Not a
            # session of its own: with Linux's autogroup scheduling a new session gets a
            # full share of the CPU whatever the crawl's nice value, beside `luutru serve`.
            proc = subprocess.Popen(
                crawl_command(site, data, sites, config),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
            _children[proc.pid] = _Child(site, proc)
        try:
            log.info("%s: crawl started (pid %s)", site, proc.pid)
            try:
                code = proc.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                log.error("%s: crawl still running after %.0f s: stopping it", site, limit)
                _stop_process(proc, settings.shutdown_grace_seconds)
                _interrupt_stale(workspace, [site])
                code = proc.returncode
        finally:
            with _children_lock:
                _children.pop(proc.pid, None)
        tail = _tail(output)
    if code == EXIT_OK:
        log.info("%s: succeeded: %s", site, tail.splitlines()[-1] if tail else "")
    elif code == EXIT_BUSY:
        log.warning("%s: skipped: already running elsewhere (%s)", site, tail)
    elif code < 0:
        log.error("%s: crawl killed by signal %s", site, -code)
    else:
        log.error("%s: crawl failed (exit %s):\n%s", site, code, tail)
    return code


def running_sites() -> list[str]:
    with _children_lock:
        return sorted(c.site for c in _children.values())


def stop_children(
    workspace: Workspace, grace: float, hurry: threading.Event | None = None
) -> list[str]:
    """Shutdown: running crawls get ``grace`` seconds to finish, then SIGTERM (a graceful
    Scrapy stop), then SIGKILL after another ``grace``; no run is left "running".
    Returns the sites whose crawls had to be stopped."""
    hurry = hurry or threading.Event()
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and not hurry.is_set():
        with _children_lock:
            alive = [c for c in _children.values() if c.proc.poll() is None]
        if not alive:
            return []
        time.sleep(0.2)
    with _children_lock:
        alive = [c for c in _children.values() if c.proc.poll() is None]
    if not alive:
        return []
    log.warning("stopping running crawls: %s", ", ".join(c.site for c in alive))
    for child in alive:
        child.proc.terminate()
    deadline = time.monotonic() + grace
    for child in alive:
        try:
            child.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            log.error("%s: crawl did not stop within %.0f s: killing it", child.site, grace)
            child.proc.kill()
            child.proc.wait()
    _interrupt_stale(workspace, [c.site for c in alive])
    return [c.site for c in alive]

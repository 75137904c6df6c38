"""`luutru crawl A B C …`: several sites crawled in several processes, one reactor each.

Why: one Scrapy process runs every callback, capture and pipeline of all its sites on one
reactor thread. With two sites in one process, each site's downloads wait behind the
other's work: on the crawl bench with the portal 0.1 s away, the same two sites took
12.5–13.3 s in one process and 10.9–11.3 s in two (docs/performance.md, eleventh pass). The
scheduler already runs each crawl in a process of its own (luutru/schedule_runs.py); this
does the same for a command naming several sites, up to one process per core.

Each child is `luutru crawl GROUP --processes 1` with the parent's options, so it takes its
sites' leases, writes their runs and logs and prints their summaries exactly as a
one-process crawl does. The parent:

- opens the archive first (a fresh one is created and migrated once, not raced by the
  children);
- passes Ctrl-C and SIGTERM on to every child once (they stop gracefully; a second one
  forces them, as with Scrapy alone); children are in process groups of their own but in
  its session, so their nice value (``LUUTRU_CRAWL_NICE``) weighs against `luutru serve`
  as a one-process crawl's does (with autogroup scheduling a new session would not);
- takes its children with it when it is killed (``PR_SET_PDEATHSIG``, Linux): a killed
  `luutru crawl` leaves no crawl running behind it, as before;
- draws one progress line for all of them on a terminal (each child feeds its own,
  luutru/progress.py ``ProgressBoard``), passes their other lines through as they come,
  and prints their summaries in site order; its exit code is the worst of theirs.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from functools import cache
from typing import Any, BinaryIO

MAX_AUTO_PROCESSES = 8  # past this, a machine is better served by Scrapyd workers


@cache  # asked by process_count and by run: libc is looked up once
def _death_signal() -> Any:
    """A ``preexec_fn`` making the child receive SIGKILL when this process dies, or None
    where the kernel offers no such thing (then several sites share one process)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def arm() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return arm


def process_count(requested: int, sites: int, cpus: int | None = None) -> int:
    """``--processes``: 0 = one per site up to the cores (at most ``MAX_AUTO_PROCESSES``);
    N = at most N. One when there is one site, or no way to tie children to this
    process."""
    if sites <= 1 or _death_signal() is None:
        return 1
    if requested > 0:
        return min(requested, sites)
    return max(1, min(sites, cpus or os.cpu_count() or 1, MAX_AUTO_PROCESSES))


def groups(sites: Sequence[str], count: int) -> list[list[str]]:
    """``count`` groups, sites dealt in turn (a province's list keeps each group mixed)."""
    return [list(sites[i::count]) for i in range(count) if sites[i::count]]


def child_command(args: argparse.Namespace, sites: Sequence[str], workers: int) -> list[str]:
    command = [sys.executable, "-m", "luutru", "crawl", *sites, "--processes", "1"]
    command += ["--data", str(args.data), "--trigger", args.trigger]
    for option in ("config", "db", "sites", "base_url"):
        value = getattr(args, option, None)
        if value:
            command += [f"--{option.replace('_', '-')}", str(value)]
    for flag in ("full", "quiet", "verbose", "debug"):
        if getattr(args, flag, False):
            command.append(f"--{flag}")
    pairs = list(args.settings)
    if not any(p.split("=", 1)[0].strip() == "LUUTRU_EXTRACT_WORKERS" for p in pairs):
        pairs.append(f"LUUTRU_EXTRACT_WORKERS={workers}")
    for pair in pairs:
        command += ["-s", pair]
    return command


def extract_workers(processes: int, cpus: int | None = None) -> int:
    """Extraction workers per child: the cores besides the reactors, shared out, at least
    one each (crawler/offload.py gives a lone crawl one per core besides its reactor)."""
    return max(1, ((cpus or os.cpu_count() or 1) - processes) // processes)


def _relay(stream: BinaryIO, board: Any, child: int) -> None:
    for line in iter(stream.readline, b""):
        board.take(child, line.decode("utf-8", "replace"))


def _draw_until(board: Any, done: threading.Event) -> None:
    from luutru.progress import TTY_INTERVAL

    while not done.wait(TTY_INTERVAL):
        board.draw()


def run(args: argparse.Namespace, count: int) -> int:
    """Crawl ``args.site`` in ``count`` child processes; returns the worst exit code."""
    from luutru.progress import FEED_ENV, ProgressBoard

    _ = args.workspace.archive  # created and migrated here, before any child opens it
    board = ProgressBoard()
    env = dict(os.environ)
    if board.tty and not args.quiet:
        env[FEED_ENV] = "1"  # one line on this terminal for all of them (board)
    arm = _death_signal()
    workers = extract_workers(count)
    children: list[subprocess.Popen[bytes]] = []
    relays: list[threading.Thread] = []
    done = threading.Event()
    drawer = threading.Thread(target=_draw_until, args=(board, done), daemon=True)

    def forward(signum: int, _frame: Any) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for index, group in enumerate(groups(args.site, count)):
            child = subprocess.Popen(
                child_command(args, group, workers),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                # A process group of its own: a terminal's Ctrl-C reaches it from here
                # only, once (see forward). Not a session of its own: Linux's autogroup
                # scheduling shares CPU between sessions, and a crawl in a new one would
                # get a full session's share whatever its nice value, beside the
                # readers of `luutru serve`.
                process_group=0,
                preexec_fn=arm,  # only prctl, between fork and exec
            )
            children.append(child)
            relay = threading.Thread(target=_relay, args=(child.stderr, board, index), daemon=True)
            relay.start()
            relays.append(relay)
        drawer.start()
        outputs = [child.stdout.read() if child.stdout else b"" for child in children]
        codes = [child.wait() for child in children]
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        done.set()
    for relay in relays:
        relay.join(timeout=5)
    board.finish()
    for output in outputs:
        sys.stdout.write(output.decode("utf-8", "replace"))
    sys.stdout.flush()
    from luutru.crawl_summary import EXIT_FAILED

    return max(code if code >= 0 else EXIT_FAILED for code in codes)  # < 0: a signal

"""Leaving a finished crawl without tearing its interpreter down object by object.

A crawl process holds a large heap at the end (Scrapy, Twisted, lxml trees and caches,
SQLAlchemy): Python's finalisation frees it one object at a time, a quarter of a second
after a crawl of a thousand pages, while the command has said everything and the archive
is closed. So the `luutru crawl` program (``cli.run``, not ``cli.main`` called as a
function) ends with what the interpreter's exit would do first: non-daemon threads
joined (thread pools told to stop first), every ``atexit`` handler (the extraction
workers' pool, logging's flush and close, multiprocessing's children), the standard
streams flushed; then ``os._exit`` with the command's code, skipping only the teardown.
Whatever must reach the disk is closed explicitly before: the archive, its WARC files
and the run's log when the run ends (crawler/session.py), the archive's database when
the command's workspace closes (cli.main).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn

wanted = False  # set by a command whose process ends this way (cli.cmd_crawl)


def want() -> None:
    global wanted
    wanted = True


def leave(code: int) -> NoReturn:
    """Do what the interpreter's exit does first, flush, and exit with ``code``: the
    threads, then the exit handlers (see the module doc)."""
    _flush()
    # The interpreter's own first steps, in its order: threading's exit hooks (thread
    # pools told to stop) and every non-daemon thread joined, so no thread's work is cut
    # short; then atexit's handlers, newest first, each once.
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None and threading.current_thread() is threading.main_thread():
        shutdown()
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        # a closed or broken stream: nothing left to say
        with contextlib.suppress(OSError, ValueError):
            stream.flush()

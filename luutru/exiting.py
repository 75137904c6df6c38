"""Leaving a finished crawl without tearing its interpreter down object by object.

A crawl process holds a large heap at the end (Scrapy, Twisted, lxml trees and caches,
SQLAlchemy): Python's finalisation frees it one object at a time, a quarter of a second
after a crawl of a thousand pages, while the command has said everything and the archive
is closed. So the `luutru crawl` program (``cli.run``, not ``cli.main`` called as a
function) ends with what the interpreter's exit would do first: every ``atexit`` handler
(the extraction workers' pool, logging's flush and close, multiprocessing's children),
the standard streams flushed; then ``os._exit`` with the command's code, skipping only
the teardown. Whatever must reach the disk is closed explicitly before: the archive, its
WARC files and the run's log when the run ends (crawler/session.py), the archive's
database when the command's workspace closes (cli.main).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import NoReturn

wanted = False  # set by a command whose process ends this way (cli.cmd_crawl)


def want() -> None:
    global wanted
    wanted = True


def leave(code: int) -> NoReturn:
    """Run the exit handlers, flush, and exit with ``code`` (see the module doc)."""
    _flush()
    # atexit's own runner: the handlers the interpreter would run, newest first, each
    # once (the list is emptied after).
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        # a closed or broken stream: nothing left to say
        with contextlib.suppress(OSError, ValueError):
            stream.flush()

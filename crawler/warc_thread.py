"""The thread that writes a crawl's large WARC captures (crawler/middlewares.py).

One thread, so that records land in the order the responses came. A failure is kept and
the session is told on the reactor thread (``on_failure``), whether or not anyone awaits
the capture: a listing page's capture is awaited by nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


def on_asyncio() -> bool:
    """Whether a thread's result can be awaited here (Scrapy's default asyncio reactor)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class WarcThread:
    def __init__(self, on_failure: Callable[[], None]) -> None:
        self._on_failure = on_failure
        self._executor: ThreadPoolExecutor | None = None
        self._last: Future | None = None
        self._failures: list[tuple[str, BaseException]] = []  # appended by the thread

    def submit(self, write: Callable[[], None], what: str) -> Future:
        """Run ``write`` (the capture of ``what``) after the writes submitted before;
        called on the reactor thread (its loop is told of failures)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="luutru-warc")
        loop = asyncio.get_running_loop()

        def done(future: Future) -> None:
            exc = future.exception()
            if exc is not None:
                self._failures.append((what, exc))
                with contextlib.suppress(RuntimeError):  # the loop is closed: see drain()
                    loop.call_soon_threadsafe(self._on_failure)

        future = self._last = self._executor.submit(write)
        future.add_done_callback(done)
        return future

    @property
    def busy(self) -> bool:
        """Whether a write is not done yet (first in, first out: the last one)."""
        return self._last is not None and not self._last.done()

    def drain(self) -> None:
        """Wait for every write submitted; the thread ends (a later submit starts one)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def take_failures(self) -> list[tuple[str, BaseException]]:
        """The writes that failed since the last call: (what, exception)."""
        taken, self._failures = self._failures, []
        return taken

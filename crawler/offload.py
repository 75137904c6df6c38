"""CPU-heavy page work in worker processes, off the crawl's reactor.

Why: an article page's extraction (an lxml parse, cleaning, the generic heuristics, its
links) is the largest CPU cost of a crawl. On the reactor thread it held the GIL while it
ran, so downloads, WARC writing and the archive writer thread waited, and a crawl used one
core however many the machine had. Here the page's bytes go to a process pool and the
reactor goes on with other responses; the result comes back as plain data.

Workers are spawned, not forked: a fork of a process running a reactor and a writer thread
would copy their locks in whatever state they were in. One pool per process, shared by its
crawls, started at the first page and kept for the next crawl (spawning costs the imports,
~0.5 s, once).

Faults never lose a page: when the pool cannot start or take the job, or a worker dies
(``BrokenProcessPool``), the job runs here, in-process, as it would without workers; a
broken pool is replaced for the jobs after it.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_AUTO_WORKERS = 4  # past this the reactor thread itself is the limit
# A new worker's first job: one small page worked out (crawler/spiders/page_facts.py).
EXTRACTION_WARM_UP = "crawler.spiders.page_facts:warm_up"

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def worker_count(setting: int, cpus: int | None = None) -> int:
    """``LUUTRU_EXTRACT_WORKERS``: -1 = one per core besides the reactor's, at most
    ``MAX_AUTO_WORKERS`` (none on a one-core machine, where a pool only adds copying);
    0 = in-process; N = N."""
    if setting >= 0:
        return setting
    return max(0, min(MAX_AUTO_WORKERS, (cpus or os.cpu_count() or 1) - 1))


def _pool_of(size: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(
                max_workers=size,
                mp_context=context,
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
            _pool_size = size
        return _pool


PARENT_CHECK_S = 1.0  # how often a worker looks whether its crawl is still there


def _exit_with_parent(parent: int) -> None:
    """In each worker: exit once the crawl that started it is gone. A crawl killed with
    SIGKILL never shuts its pool down, and its workers, each holding the other end of
    their job queue, would wait for jobs forever (about 95 MB each, one set per kill)."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_S)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="luutru-parent-watch", daemon=True).start()


def _discard(pool: ProcessPoolExecutor) -> None:
    """Forget a broken pool (the next job starts a new one)."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the workers (at exit)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


def _run_named(target: str) -> None:
    module, _, name = target.partition(":")
    getattr(importlib.import_module(module), name)()
    # What the warm-up imported and cached lives as long as the worker: out of the
    # cyclic collector's sight from now on, whose passes over those ~70,000 objects
    # cost 3-7 % of each page's extraction (alternating batches, real pages).
    gc.freeze()


def warm(target: str, workers: int) -> None:
    """Start the pool's workers now, each running ``target`` ("module:function", by name
    so that this process imports nothing for it): the imports and first-call caches of
    an extraction, ~0.5 s of CPU, are then paid while the crawl process itself starts
    (Scrapy's imports, the archive), not while its first articles wait. Later calls
    find the workers started. A pool that cannot start is left to ``submit``."""
    if workers <= 0:
        return
    try:
        pool = _pool_of(workers)
        for _ in range(workers):  # one spawned per job while none is idle
            pool.submit(_run_named, target)
    except (OSError, RuntimeError) as exc:
        log.info("worker processes not started ahead (%s): at the first page", exc)


def submit(fn: Callable[..., T], args: tuple, workers: int) -> Future[T] | None:
    """``fn(*args)`` running in a worker, or None when it must run in-process (no
    workers configured, or the pool could not take it)."""
    if workers <= 0:
        return None
    try:
        pool = _pool_of(workers)
        return pool.submit(fn, *args)
    except (OSError, RuntimeError) as exc:  # no processes left; a broken or closed pool
        log.warning("worker processes unavailable (%s): working in-process", exc)
        if _pool is not None:
            _discard(_pool)
        return None


def result_or_local(future: Future[T], fn: Callable[..., T], args: tuple) -> T:
    """The worker's result; when the worker died or the job could not travel to it and
    back, ``fn(*args)`` run here instead."""
    try:
        return future.result()
    except Exception as exc:
        log.warning("worker process failed (%s: %s): working in-process",
                    type(exc).__name__, exc)  # fmt: skip
        pool = _pool
        if isinstance(exc, BrokenProcessPool) and pool is not None:
            _discard(pool)
        return fn(*args)


class WorkerCrashed(RuntimeError):
    """A job whose worker process died under it twice, in two pools: see
    :func:`submit_guarded`."""


def submit_guarded(fn: Callable[..., T], args: tuple, workers: int) -> Future[T] | None:
    """Like :func:`submit`, for a job that must never run in this process: an attached
    file read by a C library (PDFium) that a hostile file could crash. When its worker
    dies (``BrokenProcessPool``: a segfault, the OOM killer), the job is tried once more in
    a fresh pool, since any job of a broken pool fails with it; when that worker dies
    too, the future fails with :class:`WorkerCrashed` and the caller records the file as
    unreadable instead of retrying it here, where a crash would take the crawl down."""
    first = submit(fn, args, workers)
    if first is None:
        return None
    outer: Future[T] = Future()

    def settle(done: Future[T], pool: ProcessPoolExecutor | None, last: bool) -> None:
        try:
            exc = done.exception()
        except CancelledError as cancelled:  # the pool shut down (the crawl is ending)
            exc = cancelled
        if isinstance(exc, BrokenProcessPool):
            if pool is not None:
                _discard(pool)  # that pool only: another job may have started a new one
            again = None if last else submit(fn, args, workers)
            if again is None:
                outer.set_exception(WorkerCrashed(f"{_name(fn)}: worker process died"))
            else:
                watch(again, last=True)
        elif exc is not None:
            outer.set_exception(exc)
        else:
            outer.set_result(done.result())

    def watch(job: Future[T], last: bool) -> None:
        pool = _pool  # the pool submit() just gave the job to
        job.add_done_callback(lambda f: settle(f, pool, last))

    watch(first, last=False)
    return outer


def _name(fn: Callable[..., object]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"

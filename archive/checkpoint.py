"""SQLite WAL checkpoints in a thread of their own, beside the archive's writes.

Why: SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: that
writer copies the WAL's pages back into the database file and syncs it before its commit
returns. In the archive benchmark that was 15-20 % of a write's time (1,314 versions/s;
1,561 with no checkpoint at all). Here the writers' connections checkpoint only as a
backstop (``BACKSTOP_PAGES``, set in archive/db.py), and a thread with a connection of its
own runs a PASSIVE checkpoint after writes, at most every ``INTERVAL_S``. SQLite releases
the GIL while it copies, so this runs on another core; a PASSIVE checkpoint never waits
for a writer or a reader (it copies what it can and returns).

The WAL starts over only when a checkpoint has copied all of it, which a thread copying
beside a busy writer seldom catches: under continuous writes the backstop does it, in the
writer's commit, copying only what the thread has not copied yet.

Safety is SQLite's: a checkpoint copies only committed frames, and a process killed in
the middle of one leaves the WAL, which the next connection recovers. A failed checkpoint
(a full disk) is logged once; the WAL keeps every frame until a later one succeeds.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# Pages (4 KiB) a writer's commit lets the WAL grow to before it checkpoints itself
# (SQLite's default is 1,000). 4,000 and a 20 ms interval were the quickest of the pairs
# measured (docs/performance.md, fourteenth pass), with the WAL at 8.6 MB.
BACKSTOP_PAGES = 4_000
INTERVAL_S = 0.02  # between two checkpoints of the thread, while writes go on


class Checkpointer:
    """Checkpoints the SQLite archive at ``path`` after ``wrote()``; ``close()`` ends it."""

    def __init__(self, path: Path, interval: float = INTERVAL_S) -> None:
        self.path = path
        self.interval = interval
        self.checkpoints = 0  # done (tests and benchmarks read it)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._warned = False

    def wrote(self) -> None:
        """A write transaction committed: checkpoint soon (the thread starts at the first)."""
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._closing.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="luutru-wal-checkpoint", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop the thread and close its connection (before the archive settles its file)."""
        with self._lock:
            self._closing.set()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()

    # ---------------------------------------------------------------- the thread

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                if self._closing.is_set():
                    return
                self._wake.clear()
                conn = conn or self._connect()
                if conn is not None:
                    self._checkpoint(conn)
                if self._closing.wait(self.interval):
                    return
        finally:
            if conn is not None:
                conn.close()

    def _connect(self) -> sqlite3.Connection | None:
        try:
            # timeout=0: a checkpoint that would wait for a lock is skipped, not queued.
            return sqlite3.connect(self.path, timeout=0, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
        except sqlite3.Error as exc:
            self._warn(exc)
            return None

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return  # another checkpoint is running (another process): it does the work
            self._warn(exc)
        except sqlite3.Error as exc:
            self._warn(exc)

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            log.warning("WAL checkpoint of %s failed (%s); the writers' own checkpoints "
                        "still fold the WAL", self.path, exc)  # fmt: skip

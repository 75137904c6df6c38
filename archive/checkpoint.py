"""SQLite WAL checkpoints in a thread of their own, beside the archive's writes.

Why: SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: that
writer copies the WAL's pages back into the database file and syncs it before its commit
returns. In the archive benchmark that was 15-20 % of a write's time (1,314 versions/s;
1,561 with no checkpoint at all). Here the writers' connections checkpoint only as a
backstop (``BACKSTOP_PAGES``, set in archive/db.py), and a thread with a connection of its
own runs a PASSIVE checkpoint after writes: at most every ``INTERVAL_S`` while writes
pour in, every ``QUIET_INTERVAL_S`` while they trickle (each checkpoint syncs the disk).
SQLite releases the GIL while it copies, so this runs on another core; a PASSIVE
checkpoint never waits for a writer or a reader (it copies what it can and returns).

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
import time
from collections import deque
from pathlib import Path

log = logging.getLogger(__name__)

# Pages (4 KiB) a writer's commit lets the WAL grow to before it checkpoints itself
# (SQLite's default is 1,000). 4,000 and a 20 ms interval were the quickest of the pairs
# measured (docs/performance.md, fourteenth pass), with the WAL at 8.6 MB.
BACKSTOP_PAGES = 4_000
INTERVAL_S = 0.02  # between two checkpoints of the thread, while writes go on
# A checkpoint syncs the WAL and the database file: when fewer than BUSY_PAGES were
# written in the last QUIET_INTERVAL_S (a crawl's trickle of small transactions), the next
# waits QUIET_INTERVAL_S, so a slow disk sees a few syncs a second at most instead of one
# per transaction.
BUSY_PAGES = 256
QUIET_INTERVAL_S = 1.0
_PAGE = 4096 + 24  # a WAL frame: a page and its header


class Checkpointer:
    """Checkpoints the SQLite archive at ``path`` after ``wrote()``; ``close()`` ends it."""

    def __init__(
        self, path: Path, interval: float = INTERVAL_S, quiet_interval: float = QUIET_INTERVAL_S
    ) -> None:
        self.path = path
        self.interval = interval
        self.quiet_interval = quiet_interval
        self.checkpoints = 0  # done (tests and benchmarks read it)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._warned = False
        self._frames = 0  # the WAL's frames, as the last checkpoint reported them
        self._wal = Path(f"{path}-wal")
        # While the thread waits out a quiet interval: the WAL file's size when it began,
        # and the event a write that grew it by BUSY_PAGES sets (a burst after a lull).
        self._quiet_from: int | None = None
        self._hurry = threading.Event()

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
        quiet_from = self._quiet_from
        if quiet_from is not None and self._wal_size() - quiet_from >= BUSY_PAGES * _PAGE:
            self._hurry.set()

    def close(self) -> None:
        """Stop the thread and close its connection (before the archive settles its file)."""
        with self._lock:
            self._closing.set()
            thread = self._thread
        self._wake.set()
        self._hurry.set()
        if thread is not None:
            thread.join()

    # ---------------------------------------------------------------- the thread

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        # (when, pages written since the checkpoint before) over the last quiet interval:
        # a crawl's batches alternate with small transactions, one checkpoint each
        recent: deque[tuple[float, int]] = deque()
        try:
            while True:
                self._wake.wait()
                if self._closing.is_set():
                    return
                self._wake.clear()
                conn = conn or self._connect()
                now = time.monotonic()
                recent.append((now, self._checkpoint(conn) if conn is not None else 0))
                while recent[0][0] < now - self.quiet_interval:
                    recent.popleft()
                if sum(written for _at, written in recent) >= BUSY_PAGES:
                    self._closing.wait(self.interval)
                else:  # a lull: wait longer, unless a burst of writes begins
                    self._hurry.clear()
                    self._quiet_from = self._wal_size()
                    self._hurry.wait(self.quiet_interval)
                    self._quiet_from = None
                if self._closing.is_set():
                    return
        finally:
            if conn is not None:
                conn.close()

    def _wal_size(self) -> int:
        """The WAL file's size: it grows only past its largest, so a burst shows in it."""
        try:
            return self._wal.stat().st_size
        except OSError:
            return 0

    def _connect(self) -> sqlite3.Connection | None:
        try:
            # timeout=0: a checkpoint that would wait for a lock is skipped, not queued.
            return sqlite3.connect(self.path, timeout=0, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
        except sqlite3.Error as exc:
            self._warn(exc)
            return None

    def _checkpoint(self, conn: sqlite3.Connection) -> int:
        """One PASSIVE checkpoint; the pages written to the WAL since the last one (about:
        the WAL may have started over in between)."""
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                self._warn(exc)
            return 0  # locked: another checkpoint is running (another process) and copies
        except sqlite3.Error as exc:
            self._warn(exc)
            return 0
        self.checkpoints += 1
        frames = int(row[1]) if row and row[1] is not None and row[1] >= 0 else 0
        written = frames - self._frames if frames >= self._frames else frames
        self._frames = frames
        return written

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            log.warning("WAL checkpoint of %s failed (%s); the writers' own checkpoints "
                        "still fold the WAL", self.path, exc)  # fmt: skip

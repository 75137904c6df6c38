"""SQLite WAL checkpoints in the archive's own thread (archive/checkpoint.py)."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from archive.checkpoint import BACKSTOP_PAGES, Checkpointer
from archive.store import Archive

THREAD = "luutru-wal-checkpoint"


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == THREAD]


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_writers_checkpoint_only_as_a_backstop(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive, archive.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES
    assert BACKSTOP_PAGES > 1_000  # SQLite's default, which made each writer checkpoint


def test_a_write_is_folded_into_the_file_by_the_thread(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        run_id = archive.start_run("so-a")
        # The WAL is still there (the archive is open): only a checkpoint puts the row
        # into archive.sqlite itself. A copy of that file alone shows whether one ran.
        _wait_for(lambda: archive._checkpointer.checkpoints >= 1)
        assert (tmp_path / "archive.sqlite-wal").exists()
        shutil.copy(tmp_path / "archive.sqlite", tmp_path / "alone.sqlite")
        assert THREAD in _threads()
    alone = sqlite3.connect(tmp_path / "alone.sqlite")
    try:
        assert alone.execute("SELECT site FROM runs WHERE id = ?", (run_id,)).fetchall() == [
            ("so-a",)
        ]
    finally:
        alone.close()


def test_closing_the_archive_stops_the_thread_and_settles_the_file(tmp_path: Path) -> None:
    before = len(_threads())
    with Archive.open(tmp_path) as archive:
        archive.start_run("so-a")
        assert len(_threads()) == before + 1
    assert len(_threads()) == before
    # Its connection closed too: the archive left WAL mode as the last one out.
    assert not (tmp_path / "archive.sqlite-wal").exists()


def test_reads_alone_start_no_thread(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        archive.start_run("so-a")
    before = len(_threads())
    with Archive.open(tmp_path) as archive:
        archive.runs()
        assert len(_threads()) == before


def test_a_read_only_archive_has_no_checkpointer(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        archive.start_run("so-a")
    with Archive.open(tmp_path, read_only=True) as archive:
        assert archive._checkpointer is None


def test_a_failing_checkpoint_warns_once_and_never_reaches_the_writer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = Checkpointer(tmp_path / "no-such-dir" / "archive.sqlite", interval=0.0)
    with caplog.at_level(logging.WARNING, logger="archive.checkpoint"):
        for _ in range(5):
            checkpointer.wrote()  # never raises
            time.sleep(0.02)
        checkpointer.close()
    warnings = [r for r in caplog.records if "WAL checkpoint" in r.getMessage()]
    assert len(warnings) == 1
    assert checkpointer.checkpoints == 0


def test_a_write_lock_held_elsewhere_does_not_stop_a_checkpoint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Archive.open(tmp_path) as archive:
        archive.start_run("so-a")
        checkpointer = Checkpointer(tmp_path / "archive.sqlite", interval=0.0)
        # A write lock held elsewhere: SQLite's PASSIVE checkpoint still copies what was
        # committed, and nothing is logged.
        holder = sqlite3.connect(tmp_path / "archive.sqlite", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with caplog.at_level(logging.WARNING, logger="archive.checkpoint"):
                checkpointer.wrote()
                _wait_for(lambda: checkpointer.checkpoints >= 1)
                checkpointer.close()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert not [r for r in caplog.records if "WAL checkpoint" in r.getMessage()]


def _wal_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # only the thread checkpoints here
    conn.execute("CREATE TABLE t (x BLOB)")
    return conn


def test_a_trickle_of_small_writes_is_checkpointed_at_the_quiet_pace(tmp_path: Path) -> None:
    """A checkpoint syncs the disk twice: small transactions one after another must not
    each get one (archive/checkpoint.py ``QUIET_INTERVAL_S``)."""
    db = tmp_path / "a.sqlite"
    conn = _wal_db(db)
    checkpointer = Checkpointer(db, interval=0.0, quiet_interval=0.5)
    try:
        for _ in range(30):  # 0.6 s of small commits, each told to the checkpointer
            conn.execute("INSERT INTO t VALUES (x'00')")
            checkpointer.wrote()
            time.sleep(0.02)
    finally:
        checkpointer.close()
        conn.close()
    assert 1 <= checkpointer.checkpoints <= 3


def test_a_burst_after_a_lull_is_checkpointed_at_once(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    conn = _wal_db(db)
    checkpointer = Checkpointer(db, interval=0.0, quiet_interval=30.0)
    try:
        conn.execute("INSERT INTO t VALUES (x'00')")
        checkpointer.wrote()
        _wait_for(lambda: checkpointer.checkpoints == 1)
        time.sleep(0.1)  # the thread now waits out its quiet interval (30 s)
        started = time.monotonic()
        conn.execute("INSERT INTO t VALUES (?)", (b"\x01" * (4 * 1024 * 1024),))  # ~1,000 pages
        checkpointer.wrote()
        _wait_for(lambda: checkpointer.checkpoints == 2, seconds=10)
        assert time.monotonic() - started < 10
    finally:
        checkpointer.close()
        conn.close()

"""A new SQLite archive appears whole (archive/db.py ``_create_whole``): a reader that finds
the file during a first crawl never finds it without its schema."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from archive.store import Archive


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


def test_a_reader_never_sees_the_new_archive_without_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    looks: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if path.exists():
                looks.append({"runs", "alembic_version"} <= _tables(path))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with Archive.open(tmp_path) as archive:
            assert archive.runs() == []
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert looks and all(looks)  # before: hundreds of looks at a file without its tables


def test_no_building_file_is_left_and_two_creators_share_one_archive(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def create() -> None:
        try:
            with Archive.open(tmp_path) as archive:
                archive.upsert_site("tinh-a", "Sở A", "Tỉnh A", "Sở")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert not [p.name for p in tmp_path.iterdir() if ".new-" in p.name]
    assert [name for name in _tables(tmp_path / "archive.sqlite") if name == "sites"]
    conn = sqlite3.connect(f"file:{tmp_path / 'archive.sqlite'}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT id FROM sites").fetchall() == [("tinh-a",)]
    finally:
        conn.close()

"""``luutru verify``'s database half (archive/verify_db.py): the file read about once, a
changed index or a damaged table or search index page still found (SQLite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.store import Archive
from archive.verify import verify
from bench.archive_writes import synthetic_records

# Enough that each FTS5 segment table (~2 KB per version) outgrows SQLite's default page
# cache (2 MB): below that, reading one twice costs no second read from the file.
VERSIONS = 2_000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("verify-db")
    with Archive.open(data) as archive:
        run = archive.start_run("t")
        records = synthetic_records(VERSIONS)
        for i in range(0, VERSIONS, 500):
            archive.record_many(records[i : i + 500], run)
    return data


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    with sqlite3.connect(src / "archive.sqlite") as a, sqlite3.connect(dst / "archive.sqlite") as b:
        a.backup(b)
    with sqlite3.connect(dst / "archive.sqlite") as b:
        b.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to damage
    return dst


def _rchar() -> int:
    line = next(x for x in Path("/proc/self/io").read_text().splitlines() if "rchar" in x)
    return int(line.split()[1])


def test_verify_reads_the_database_about_once(built: Path) -> None:
    if not Path("/proc/self/io").exists():
        pytest.skip("needs /proc/self/io")
    with Archive.open(built) as archive:
        size = (built / "archive.sqlite").stat().st_size
        before = _rchar()
        report = verify(archive, built)
        read = _rchar() - before
    assert report.ok and report.versions == VERSIONS, report.problems
    # was 2.35x (integrity check, then re-hash); 1.18x here while the search index's
    # segment tables were checked by integrity_check, which reads them twice
    assert read <= 1.08 * size, (read, size)


def _page_of(db: Path, name: str) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (name,))
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        return (root.fetchone()[0] - 1) * page_size, page_size


def test_an_index_that_disagrees_with_its_table_is_found(built: Path, tmp_path: Path) -> None:
    data = _copy(built, tmp_path / "copy")
    db = data / "archive.sqlite"
    with sqlite3.connect(db) as conn:
        digest = conn.execute("SELECT content_hash FROM versions WHERE id = 5").fetchone()[0]
        leaf = conn.execute(  # the index's leaf page holding that hash (its root is interior)
            "SELECT pageno FROM dbstat WHERE name = 'ix_versions_content_hash' "
            "AND pagetype = 'leaf'"
        ).fetchall()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    raw = bytearray(db.read_bytes())
    spots = [
        p for (page,) in leaf
        if (p := raw.find(digest.encode(), (page - 1) * page_size, page * page_size)) >= 0
    ]  # fmt: skip
    assert len(spots) == 1
    raw[spots[0]] = ord("0") if digest[0] != "0" else ord("1")  # the table keeps the true one
    db.write_bytes(bytes(raw))
    with Archive.open(data) as archive:
        report = verify(archive, data)
    assert "database: index ix_versions_content_hash does not match the versions table" in (
        report.problems
    )


def test_a_damaged_versions_page_is_reported_not_raised(built: Path, tmp_path: Path) -> None:
    data = _copy(built, tmp_path / "copy")
    db = data / "archive.sqlite"
    offset, page_size = _page_of(db, "versions")
    raw = bytearray(db.read_bytes())
    raw[offset + 100 : offset + page_size] = b"\xff" * (page_size - 100)  # header kept
    db.write_bytes(bytes(raw))
    with Archive.open(data) as archive:
        report = verify(archive, data)
    assert not report.ok
    assert any(p.startswith("database: versions") for p in report.problems), report.problems


def test_a_damaged_search_index_page_is_reported_with_its_remedy(
    built: Path, tmp_path: Path
) -> None:
    data = _copy(built, tmp_path / "copy")
    db = data / "archive.sqlite"
    with sqlite3.connect(db) as conn:
        (page,) = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'search_folded_data' AND pagetype = 'leaf' "
            "ORDER BY pageno LIMIT 1"
        ).fetchone()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    raw = bytearray(db.read_bytes())
    offset = (page - 1) * page_size
    raw[offset : offset + page_size] = b"\xff" * page_size  # not a b-tree page any more
    db.write_bytes(bytes(raw))
    with Archive.open(data) as archive:
        report = verify(archive, data)
    assert not report.ok
    (problem,) = [p for p in report.problems if "search_folded_data" in p]
    assert problem.startswith("database: search index table search_folded_data cannot be read")
    assert problem.endswith("(rebuild it with `luutru search --reindex`)")

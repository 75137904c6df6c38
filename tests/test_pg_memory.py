"""`luutru health` tells an operator when PostgreSQL's shared_buffers cannot hold what a
search reads (archive/pg_memory.py): advice, never a site needing attention."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import pg_memory
from archive.records import ArticleRecord
from archive.store import Archive
from luutru.operations import health_report

MB = 1024 * 1024


def test_no_advice_when_the_search_table_fits() -> None:
    assert pg_memory.advice(128 * MB, 128 * MB) is None
    assert pg_memory.advice(2048 * MB, 880 * MB) is None


def test_advice_names_both_sizes_when_it_does_not() -> None:
    note = pg_memory.advice(128 * MB, 880 * MB)
    assert note is not None
    assert "128 MB" in note and "880 MB" in note and "shared_buffers" in note


def _archive_with_one_article(url: str, tmp_path: Path) -> Archive:
    archive = Archive.open(tmp_path, url=url)
    run = archive.start_run("tinh-a")
    archive.record(
        ArticleRecord(site="tinh-a", article_key="1", url="https://tinh-a.gov.vn/bai/1",
                      fetched_url="https://tinh-a.gov.vn/bai/1", title="Hội nghị lao động",
                      body="Lao động việc làm năm 2025.", date="2025-01-15",
                      fetched_at="2025-01-15T09:00:00+07:00"),
        run,
    )  # fmt: skip
    archive.finish_run(run, "succeeded", {})
    return archive


def test_search_memory_reads_the_server(pg_url: str, tmp_path: Path) -> None:
    archive = _archive_with_one_article(pg_url, tmp_path)
    try:
        with archive.engine.connect() as conn:
            shared, searched = pg_memory.search_memory(conn)
            # pg_settings counts shared_buffers in blocks of its ``unit`` ("8kB")
            blocks, unit = conn.exec_driver_sql(
                "SELECT setting, unit FROM pg_settings WHERE name = 'shared_buffers'"
            ).one()
            table = conn.exec_driver_sql("SELECT pg_relation_size('search_docs')").scalar()
        assert unit.endswith("kB")
        assert shared == int(blocks) * int(unit[:-2] or 1) * 1024
        assert searched > int(table) > 0  # the heap and its indexes
    finally:
        archive.close()


def test_health_reports_the_advice_without_making_a_site_unhealthy(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _archive_with_one_article(pg_url, tmp_path)
    try:
        # This server's shared_buffers hold a one-article table: no note.
        assert health_report(archive, None)["notes"] == []
        monkeypatch.setattr(pg_memory, "search_memory", lambda conn: (128 * MB, 880 * MB))
        report = health_report(archive, None)
        assert report["notes"] == [pg_memory.advice(128 * MB, 880 * MB)]
        site = next(r for r in report["sites"] if r["site"] == "tinh-a")
        assert site["attention"] is False
    finally:
        archive.close()


def test_sqlite_has_no_database_notes(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        assert health_report(archive, None)["notes"] == []


def test_a_failed_reading_is_a_note_not_a_crash(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _archive_with_one_article(pg_url, tmp_path)

    def refuse(conn: object) -> tuple[int, int]:
        raise RuntimeError("permission denied for function pg_relation_size")

    try:
        monkeypatch.setattr(pg_memory, "search_memory", refuse)
        notes = health_report(archive, None)["notes"]
        assert len(notes) == 1 and "permission denied" in notes[0]
    finally:
        archive.close()


def test_the_health_command_prints_the_note_last(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from luutru.cli import main

    _archive_with_one_article(pg_url, tmp_path).close()
    monkeypatch.setenv("LUUTRU_DB", pg_url)
    monkeypatch.setattr(pg_memory, "search_memory", lambda conn: (128 * MB, 880 * MB))
    main(["health", "--data", str(tmp_path)])  # exit 1: the bundled portals never ran
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"note: {pg_memory.advice(128 * MB, 880 * MB)}"
    assert any(line.split()[:2] == ["tinh-a", "succeeded"] for line in lines)

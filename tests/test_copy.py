"""`luutru copy` (archive/copy.py) and `luutru migrate`: an archive moves between backends."""

from __future__ import annotations

import pytest

from archive.copy import compare, copy_archive
from archive.records import ArticleRecord
from archive.search import search
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured


def rec(key: str, body: str) -> ArticleRecord:
    return ArticleRecord(
        site="tinh-a",
        article_key=key,
        url=f"https://tinh-a.gov.vn/bai/{key}",
        fetched_url=f"https://tinh-a.gov.vn/bai/{key}",
        title=f"Bài {key} về lao động",
        body=body,
        body_html=f"<p>{body}</p>",
        date="2025-01-15",
        fetched_at="2025-01-15T09:00:00+07:00",
    )


def test_copy_to_another_backend_and_back(tmp_path, backend):
    with Archive.open(tmp_path / "src") as src:  # the backend under test
        run = src.start_run("tinh-a")
        src.record(rec("1", "Đảng ủy họp."), run)
        src.record(rec("1", "Đảng ủy họp lại."), run)
        src.record(rec("2", "Tuyển dụng."), run)
        src.finish_run(run, "succeeded", {"n": 3})
        # into a SQLite file (url given: the test backend's default does not apply)
        url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
        with Archive.open(url=url) as dst:
            report = copy_archive(src, dst)
            assert report.ok, report.problems
            assert report.rows["versions"] == 3 and report.indexed == 3
            assert search(dst, "dang uy").total == 1
            assert compare(src, dst) == []
            with pytest.raises(ValueError, match="not empty"):
                copy_archive(src, dst)
            # new rows after a copy get fresh ids (sequences moved on PostgreSQL)
            assert dst.record(rec("3", "Mới."), None) == "new"


def test_migrate_command_prints_head(tmp_path, capsys):
    from luutru.cli import main

    assert main(["migrate", "--data", str(tmp_path)]) == 0
    assert "at revision 0012" in capsys.readouterr().out

"""Readable diffs (archive/diff_view.py, archive/diff.py, luutru/web/diffs.py, `luutru
diff`): a summary line, side-by-side and inline views with word highlights, whitespace-only
changes hidden, colour on a terminal only (SQLite and PostgreSQL for the archive parts)."""

from __future__ import annotations

import pytest

from archive.diff import diff_versions
from archive.diff_view import side_by_side, summary, summary_text
from archive.records import ArticleRecord
from archive.store import Archive

OLD = {"title": "Hội nghị tổng kết", "date": "2021-01-24", "author": "Minh Anh",
       "body": "Đoạn một giữ nguyên.\n\nSở Lao động tổ chức hội nghị.\n\nĐoạn ba."}  # fmt: skip
NEW = {"title": "Hội nghị sơ kết", "date": "2021-01-26", "author": "Minh  Anh ",
       "body": "Đoạn một   giữ nguyên.\n\nSở Lao động tổ chức hội thảo.\n\nĐoạn ba."
               "\n\nĐoạn bốn."}  # fmt: skip


def test_summary_line() -> None:
    assert summary_text(summary(OLD, NEW)) == (
        "title changed; date moved 24/01 → 26/01; 1 paragraph rewritten; 1 paragraph added"
    )
    assert summary_text(summary(OLD, {**OLD, "date": "2022-01-24"})) == (
        "date moved 24/01/2021 → 24/01/2022"
    )
    assert summary_text(summary(OLD, {**OLD, "body": OLD["body"].replace(" ", "  ")})) == (
        "no change"
    )


def test_whitespace_only_changes_are_hidden() -> None:
    diffs = {d.field: d for d in diff_versions(OLD, NEW)}
    assert not diffs["author"].changed  # "Minh  Anh " is "Minh Anh"
    body = diffs["body"]
    assert body.changed
    marked = [(op, text) for op, text in body.ops if op != "equal"]
    assert marked == [("delete", "nghị"), ("insert", "thảo"), ("insert", "\n\nĐoạn bốn.")]


def test_side_by_side_aligns_paragraphs_and_marks_words() -> None:
    rows = side_by_side(OLD["body"], NEW["body"])
    assert [r["kind"] for r in rows] == ["equal", "changed", "equal", "added"]
    changed = rows[1]
    assert [t for t, marked in changed["old"] if marked] == ["nghị"]
    assert [t for t, marked in changed["new"] if marked] == ["thảo"]
    assert "".join(t for t, _ in changed["new"]) == "Sở Lao động tổ chức hội thảo."
    assert rows[3] == {"kind": "added", "old": [], "new": [("Đoạn bốn.", True)]}


# --------------------------------------------------------------------------- archive


def rec(**fields) -> ArticleRecord:
    url = "https://a.gov.vn/1"
    return ArticleRecord(site="a", article_key="1", url=url, fetched_url=url,
                         fetched_at="2025-01-15T09:00:00+07:00", **fields)  # fmt: skip


@pytest.fixture
def archive(tmp_path, backend):
    with Archive.open(tmp_path / "data") as a:
        a.record(rec(**OLD), None)
        a.record(rec(**NEW), None)
        yield a


def test_cli_colour_only_on_a_terminal(archive, tmp_path, capsys, monkeypatch) -> None:
    from luutru.cli import main

    argv = ["diff", "a:1", "1", "2", "--data", str(tmp_path / "data")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "title changed; date moved 24/01 → 26/01; 1 paragraph rewritten" in out
    assert "\x1b[" not in out and "[-nghị-]{+thảo+}" in out  # not a terminal: no colour
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(argv) == 0
    assert "\x1b[31m[-nghị-]" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(argv) == 0
    assert "\x1b[" not in capsys.readouterr().out


@pytest.fixture
def client(archive, tmp_path):
    from fastapi.testclient import TestClient

    from luutru.web.app import create_app
    from luutru.web.settings import WebSettings

    return TestClient(create_app(WebSettings(data=str(tmp_path / "data")), archive=archive))


def test_diff_page_inline_and_side_by_side(client) -> None:
    inline = client.get("/articles/a:1/diff?a=1&b=2&lang=en")
    assert inline.status_code == 200
    html = inline.text
    assert "Title changed; date moved 24/01 → 26/01; 1 paragraph(s) rewritten" in html
    assert "<del>nghị</del><ins>thảo</ins>" in html
    assert 'data-field="author"' not in html  # whitespace only: not a change
    side = client.get("/articles/a:1/diff?a=1&b=2&view=side").text
    assert 'id="side-body"' in side and '<tr class="added">' in side
    assert '<td class="new">Sở Lao động tổ chức hội <ins>thảo</ins>.</td>' in side
    assert "tiêu đề đã đổi" in side.lower()
    assert client.get("/articles/a:1/diff?view=sideways").status_code == 400
    assert client.get("/articles/a:1/diff?a=9").status_code == 404
    article = client.get("/articles/a:1?lang=en").text
    assert 'id="diff-readable"' in article and "date moved 24/01 → 26/01" in article
    api = client.get("/api/articles/a:1/diff").json()
    assert api["summary"].startswith("title changed; date moved 24/01 → 26/01")

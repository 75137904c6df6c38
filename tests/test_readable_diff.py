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


# --------------------------------------------------------------------------- side by side


def _side_by_side(capsys, data, *extra: str) -> str:
    from luutru.cli import main

    assert main(["diff", "a:1", "1", "2", "--side-by-side", "--data", str(data), *extra]) == 0
    return capsys.readouterr().out


def _row(out: str, *words: str) -> str:
    """The one output line holding all ``words``."""
    found = [line for line in out.splitlines() if all(w in line for w in words)]
    assert len(found) == 1, (words, out)
    return found[0]


def test_side_by_side_without_a_terminal(archive, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    out = _side_by_side(capsys, tmp_path / "data")
    assert "\x1b[" not in out  # not a terminal: plain markers only
    assert "title changed; date moved 24/01 → 26/01" in out
    # the two versions of a paragraph on one line, each with its word marked
    row = _row(out, "[-nghị-]", "{+thảo+}")
    assert row.index("[-nghị-]") < row.index("{+thảo+}")
    assert _row(out, "version 1", "version 2")
    assert _row(out, "title", "[-tổng-]", "{+sơ+}")
    assert "{+Đoạn bốn.+}" in out and "unchanged: datetime, author" in out
    lines = out.splitlines()[2:]  # after the heading and the summary line: the columns
    assert all(len(line) <= 80 and line == line.rstrip() for line in lines)
    assert max(len(line) for line in lines) > 70  # as wide as the terminal
    # narrower: the columns wrap to the width, nothing runs past it
    monkeypatch.setenv("COLUMNS", "50")
    narrow = _side_by_side(capsys, tmp_path / "data")
    table = narrow.splitlines()[2:]
    assert all(len(line) <= 50 for line in table)
    assert len(table) > len(lines)


def test_side_by_side_colour_on_a_terminal_and_no_color(
    archive, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    out = _side_by_side(capsys, tmp_path / "data")
    assert "\x1b[1;31mnghị\x1b[0m" in out and "\x1b[1;32mthảo\x1b[0m" in out
    assert "[-nghị-]" not in out  # colour alone marks the words
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _side_by_side(capsys, tmp_path / "data")
    assert "\x1b[" not in plain and _row(plain, "[-nghị-]", "{+thảo+}")
    assert "\x1b[" not in _side_by_side(capsys, tmp_path / "data", "--no-color")


def test_side_by_side_folds_long_unchanged_runs(tmp_path, backend, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    paragraphs = [f"Đoạn số {i} không đổi." for i in range(12)]
    changed = [*paragraphs[:6], "Đoạn sáu đã sửa.", *paragraphs[7:]]
    with Archive.open(tmp_path / "data") as a:
        a.record(rec(**{**OLD, "body": "\n\n".join(paragraphs)}), None)
        a.record(rec(**{**OLD, "body": "\n\n".join(changed)}), None)
    out = _side_by_side(capsys, tmp_path / "data")
    # one paragraph of context each side of the change; the rest folded, counted
    assert _row(out, "Đoạn số 5 không đổi.", "Đoạn số 5 không đổi.")
    assert _row(out, "Đoạn số 7 không đổi.", "Đoạn số 7 không đổi.")
    assert "Đoạn số 4 " not in out and "Đoạn số 8 " not in out
    assert _row(out, "⋯ 5 unchanged", "⋯ 5 unchanged") and _row(out, "⋯ 4 unchanged")


def test_side_by_side_is_a_text_view(archive, tmp_path, capsys) -> None:
    from luutru.cli import main

    argv = ["diff", "a:1", "1", "2", "--side-by-side", "--format", "json"]
    assert main([*argv, "--data", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--side-by-side" in err and "Traceback" not in err

"""Exports: JSONL and CSV of each article's current version."""

from __future__ import annotations

import csv
import io
import json

import pytest

from archive.export import EXPORT_FIELDS, write_csv, write_jsonl
from archive.records import ArticleRecord
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured

REQUIRED = {
    "id",
    "site",
    "url",
    "aliases",
    "title",
    "date",
    "datetime",
    "author",
    "source",
    "summary",
    "body",
    "category",
    "attachments",
    "status",
    "version",
    "version_count",
    "content_hash",
    "first_seen",
    "last_seen",
}


def make(site="tinh-a", key="1", **overrides) -> ArticleRecord:
    url = f"https://{site}.gov.vn/tin/{key}"
    base = dict(
        site=site,
        article_key=key,
        url=url,
        fetched_url=url + "?print=1",
        title=f"Tiêu đề {key} — Ủy ban nhân dân",
        body="Nội dung.\n\nĐoạn hai.",
        date="2025-01-15",
        datetime="2025-01-15T08:30:00+07:00",
        author="Nguyễn Văn A",
        source="Báo Tỉnh",
        summary=None,
        category="Tin tức",
        attachments=[f"https://{site}.gov.vn/a.pdf", f"https://{site}.gov.vn/b.docx"],
        aliases=[f"https://{site}.gov.vn/old/{key}", url],
        fetched_at="2025-01-15T09:00:00+07:00",
    )
    base.update(overrides)
    return ArticleRecord(**base)


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path) as a:
        run = a.start_run("tinh-a")
        a.record(make(key="1"), run)
        a.record(make(key="1", body="Đã sửa.", fetched_at="2025-01-16T09:00:00+07:00"), run)
        a.record(make(key="2"), run)
        a.record(make(site="tinh-b", key="7"), run)
        yield a


def lines(archive, site=None):
    out = io.StringIO()
    n = write_jsonl(archive, out, site=site)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert n == len(rows)
    return out.getvalue(), rows


def test_jsonl_keys_and_values(archive):
    text, rows = lines(archive)
    assert "Ủy ban nhân dân" in text  # ensure_ascii=False
    assert [r["id"] for r in rows] == ["tinh-a:1", "tinh-a:2", "tinh-b:7"]
    for row in rows:
        assert set(row) >= REQUIRED
        assert list(row) == list(EXPORT_FIELDS)
    first = rows[0]
    assert first["site"] == "tinh-a" and first["url"] == "https://tinh-a.gov.vn/tin/1"
    assert first["title"] == "Tiêu đề 1 — Ủy ban nhân dân"
    assert first["body"] == "Đã sửa."  # the current version
    assert first["version"] == 2 and first["version_count"] == 2
    assert first["date"] == "2025-01-15"
    assert first["datetime"] == "2025-01-15T08:30:00+07:00"
    assert first["author"] == "Nguyễn Văn A" and first["source"] == "Báo Tỉnh"
    assert first["summary"] is None
    assert first["attachments"] == ["https://tinh-a.gov.vn/a.pdf", "https://tinh-a.gov.vn/b.docx"]
    assert first["status"] == "live"
    assert first["first_seen"] == "2025-01-15T09:00:00+07:00"
    assert first["last_seen"] == "2025-01-16T09:00:00+07:00"
    assert len(first["content_hash"]) == 64
    assert rows[1]["version"] == 1 and rows[1]["body"] == "Nội dung.\n\nĐoạn hai."


def test_jsonl_matches_archive_article(archive):
    _, rows = lines(archive)
    art = archive.article("tinh-a", "1")
    for key in EXPORT_FIELDS:
        if key != "attachment_files":  # the files as archived: tests/test_attachments.py
            assert rows[0][key] == art[key]
    assert rows[0]["attachment_files"] == []  # linked, never fetched


def test_site_filter(archive):
    _, rows = lines(archive, site="tinh-b")
    assert [r["id"] for r in rows] == ["tinh-b:7"]
    _, rows = lines(archive, site="tinh-a")
    assert {r["site"] for r in rows} == {"tinh-a"} and len(rows) == 2
    _, rows = lines(archive, site="không-có")
    assert rows == []


def test_aliases_sorted_without_url(archive):
    _, rows = lines(archive)
    first = rows[0]
    assert first["url"] not in first["aliases"]
    assert first["aliases"] == sorted(
        ["https://tinh-a.gov.vn/tin/1?print=1", "https://tinh-a.gov.vn/old/1"]
    )


def test_csv(archive):
    out = io.StringIO(newline="")
    assert write_csv(archive, out, site="tinh-a") == 2
    assert out.getvalue().startswith("\ufeffid,")  # the BOM: tests/test_exports_open.py
    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"), newline="")))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert rows[0]["id"] == "tinh-a:1"
    assert json.loads(rows[0]["attachments"]) == [
        "https://tinh-a.gov.vn/a.pdf",
        "https://tinh-a.gov.vn/b.docx",
    ]
    assert rows[0]["summary"] == ""
    assert rows[0]["body"] == "Đã sửa."
    assert rows[1]["body"] == "Nội dung.\n\nĐoạn hai."  # multi-line cell survives
    assert rows[0]["version"] == "2"


def test_empty_archive(tmp_path):
    with Archive.open(tmp_path) as a:
        out = io.StringIO()
        assert write_jsonl(a, out) == 0
        assert out.getvalue() == ""

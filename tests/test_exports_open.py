"""Exports people open without fixing them: typed Parquet with a documented schema, a CSV
Excel reads (BOM, lists as JSON arrays), and Scrapy's own feeds from `scrapy crawl portal`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scrapy.settings import SETTINGS_PRIORITIES, Settings

from archive.export import EXPORT_COLUMNS, EXPORT_FIELDS, csv_chunks, write_jsonl
from archive.records import ArticleRecord, WarcRef
from archive.store import Archive
from archive.tabular import FILES_TYPE
from crawler.feed_csv import ArticleCsvItemExporter
from crawler.feeds import CSV_FIELDS, ArticleFeeds
from luutru.cli import main

ROOT = Path(__file__).resolve().parent.parent
VN = dt.timezone(dt.timedelta(hours=7))
BOM = b"\xef\xbb\xbf"
# Items a separator-joined list would have cut apart.
ATTACHMENTS = [
    "https://tinh-a.gov.vn/files/Báo cáo số 12, quý I | 2025.pdf",
    "https://tinh-a.gov.vn/files/b.docx",
]


def record(key: str = "1", **over: object) -> ArticleRecord:
    url = f"https://tinh-a.gov.vn/tin/{key}"
    fields: dict = dict(
        site="tinh-a",
        article_key=key,
        url=url,
        fetched_url=url,
        title=f"Ủy ban nhân dân tỉnh: hội nghị số {key}",
        body="Sáng ngày 15/01, hội nghị diễn ra.\n\nĐoạn hai, có dấu phẩy.",
        date="2025-01-15",
        datetime="2025-01-15T08:30:00+07:00",
        author="Nguyễn Thị Thu Hà",
        category="Tin tức",
        attachments=list(ATTACHMENTS),
        aliases=[url + "?print=1"],
        fetched_at="2025-01-15T09:00:00+07:00",
    )
    fields.update(over)
    return ArticleRecord(**fields)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with Archive.open(tmp_path) as archive:
        run = archive.start_run("tinh-a")
        archive.record(record("1"), run)
        archive.record(record("1", body="Đã sửa.", fetched_at="2025-01-16T10:15:00+07:00"), run)
        # No time on the page, no attachments, no author.
        archive.record(
            record("2", datetime=None, attachments=[], author=None, title="Thông báo"), run
        )
    return tmp_path


def export(data: Path, fmt: str, out: Path, *extra: str) -> Path:
    assert main(["export", "--data", str(data), "--format", fmt, "-o", str(out), *extra]) == 0
    return out


def jsonl_rows(data: Path) -> list[dict]:
    with Archive.open(data) as archive:
        buffer = io.StringIO()
        write_jsonl(archive, buffer)
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


# ------------------------------------------------------------------ Parquet


def test_parquet_schema_is_typed_and_documented(data: Path, tmp_path: Path) -> None:
    path = export(data, "parquet", tmp_path / "out.parquet")
    schema = pq.read_schema(path)
    assert schema.names == list(EXPORT_FIELDS)
    timestamp = pa.timestamp("us", tz="+07:00")
    expected = {
        "date": pa.date32(),
        "datetime": timestamp,
        "removed_at": timestamp,
        "first_seen": timestamp,
        "last_seen": timestamp,
        "fetched_at": timestamp,
        "version": pa.int64(),
        "version_count": pa.int64(),
        "aliases": pa.list_(pa.string()),
        "attachments": pa.list_(pa.string()),
        "attachment_files": FILES_TYPE,
    }
    for field in schema:
        assert field.type == expected.get(field.name, pa.string()), field.name
        assert field.nullable
        # Every column says what it holds, in the file itself.
        assert field.metadata[b"description"].decode() == EXPORT_COLUMNS[field.name]
    # The physical file: real Parquet DATE and TIMESTAMP logical types, not strings.
    physical = pq.ParquetFile(path).schema
    logical = {
        c.path: str(c.logical_type) for c in (physical.column(i) for i in range(len(physical)))
    }
    assert logical["date"] == "Date"
    for name in ("datetime", "removed_at", "first_seen", "last_seen", "fetched_at"):
        assert logical[name].startswith("Timestamp(isAdjustedToUTC=true, timeUnit=microseconds")


def test_parquet_values_are_the_archive_values_typed(data: Path, tmp_path: Path) -> None:
    path = export(data, "parquet", tmp_path / "out.parquet")
    got = pq.read_table(path).to_pylist()
    want = jsonl_rows(data)
    assert len(got) == len(want) == 2
    first, second = got
    assert first["date"] == dt.date(2025, 1, 15)
    assert first["datetime"] == dt.datetime(2025, 1, 15, 8, 30, tzinfo=VN)
    assert first["fetched_at"] == dt.datetime(2025, 1, 16, 10, 15, tzinfo=VN)
    assert first["first_seen"] == dt.datetime(2025, 1, 15, 9, 0, tzinfo=VN)
    assert second["datetime"] is None and second["removed_at"] is None
    assert first["attachments"] == ATTACHMENTS and second["attachments"] == []
    for row, plain in zip(got, want, strict=True):
        for name in EXPORT_FIELDS:
            value = row[name]
            if isinstance(value, dt.datetime):
                # The same instant and the same wall clock as the archive's string.
                assert value.isoformat() == plain[name], name
                assert value.utcoffset() == dt.timedelta(hours=7)
            elif isinstance(value, dt.date):
                assert value.isoformat() == plain[name], name
            else:
                assert value == plain[name], name
    # The instant itself (UTC microseconds), not just its rendering.
    stamps = pq.read_table(path, columns=["fetched_at"]).column(0).cast(pa.int64())
    utc = dt.datetime(2025, 1, 16, 3, 15, tzinfo=dt.UTC)
    assert stamps[0].as_py() == int(utc.timestamp()) * 1_000_000


def test_parquet_refuses_a_malformed_date_naming_it(tmp_path: Path) -> None:
    from archive.tabular import write_parquet

    rows = [{"id": "a:1", "date": "15/01/2025"}]
    with pytest.raises(ValueError, match=r"'date': '15/01/2025' is not an ISO date"):
        write_parquet(rows, tmp_path / "bad.parquet", ["id", "date"])
    assert list(tmp_path.iterdir()) == []


def test_columns_documented_in_docs_match_the_code() -> None:
    text = (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(\w+)` \|", text, flags=re.M)
    assert documented == list(EXPORT_FIELDS)
    for name, description in EXPORT_COLUMNS.items():
        line = next(row for row in text.splitlines() if row.startswith(f"| `{name}` |"))
        assert line.replace("`", "").rstrip(" |").endswith(f"| {description}"), name


# ------------------------------------------------------------------ CSV


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_starts_with_a_bom_and_reads_back(data: Path, tmp_path: Path) -> None:
    path = export(data, "csv", tmp_path / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(BOM + b"id,site,")
    assert raw.count(BOM) == 1
    rows = read_csv(path)
    plain = jsonl_rows(data)
    assert [r["id"] for r in rows] == ["tinh-a:1", "tinh-a:2"]
    assert list(rows[0]) == list(EXPORT_FIELDS)
    for row, want in zip(rows, plain, strict=True):
        for name in EXPORT_FIELDS:
            value = want[name]
            if isinstance(value, list):
                # Lists are JSON arrays: every item comes back whole, commas and bars too.
                assert row[name].startswith("[")
                assert json.loads(row[name]) == value, name
            else:
                assert row[name] == ("" if value is None else str(value)), name
    assert json.loads(rows[0]["attachments"]) == ATTACHMENTS
    assert rows[1]["attachments"] == "[]"
    assert rows[0]["body"] == "Đã sửa." and "\n\n" in rows[1]["body"]
    assert unicodedata.is_normalized("NFC", raw.decode("utf-8"))


def test_csv_all_versions_and_empty(data: Path, tmp_path: Path) -> None:
    rows = read_csv(export(data, "csv", tmp_path / "all.csv", "--all-versions"))
    assert [(r["id"], r["version"]) for r in rows] == [
        ("tinh-a:1", "1"),
        ("tinh-a:1", "2"),
        ("tinh-a:2", "1"),
    ]
    empty = export(data, "csv", tmp_path / "none.csv", "--site", "không-có")
    assert empty.read_bytes() == BOM + ",".join(EXPORT_FIELDS).encode() + b"\r\n"


def test_csv_chunks_stream_one_bom_then_rows() -> None:
    chunks = list(csv_chunks([{"a": [1, "hai"], "b": None}, {"a": "x", "b": 2}], ["a", "b"]))
    assert chunks == ["\ufeffa,b\r\n", '"[1, ""hai""]",\r\n', "x,2\r\n"]


# ------------------------------------------------------------------ Scrapy feeds


def test_feed_item_has_no_bytes_and_serialises() -> None:
    # Still accepted from older callers, but not carried: bytes broke every JSON feed.
    from itemadapter import ItemAdapter
    from scrapy.utils.serialize import ScrapyJSONEncoder

    item = record(raw_html=b"<html>...</html>")
    assert "raw_html" not in ItemAdapter(item).field_names()
    assert "raw_html" not in item.as_dict()

    item.warc = WarcRef("tinh-a/x.warc.gz", 10, 20, "sha1:AB", "<urn:uuid:1>")
    decoded = json.loads(ScrapyJSONEncoder(ensure_ascii=False).encode(item))
    assert decoded["title"] == item.title and decoded["warc"]["offset"] == 10


def test_feed_addon_limits_unchosen_feeds_to_articles() -> None:
    settings = Settings()
    settings.set(
        "FEEDS",
        {
            "out.jsonl": {"format": "jsonlines"},
            "links.jsonl": {"format": "jsonlines", "item_classes": ["archive.records.DeadLink"]},
        },
        priority="cmdline",
    )
    ArticleFeeds().update_settings(settings)
    feeds = settings.getdict("FEEDS")
    assert feeds["out.jsonl"]["item_classes"] == ["archive.records.ArticleRecord"]
    assert feeds["links.jsonl"]["item_classes"] == ["archive.records.DeadLink"]
    assert settings.getpriority("FEEDS") == SETTINGS_PRIORITIES["cmdline"]  # not lowered
    empty = Settings()
    ArticleFeeds().update_settings(empty)
    assert not empty.getdict("FEEDS")


def test_feed_csv_exporter_bom_json_lists_fixed_header() -> None:
    out = io.BytesIO()
    exporter = ArticleCsvItemExporter(out, encoding="utf-8")
    exporter.start_exporting()
    item = record()
    item.warc = WarcRef("tinh-a/x.warc.gz", 10, 20)
    exporter.export_item(item)
    exporter.finish_exporting()
    raw = out.getvalue()
    assert raw.startswith(BOM + b"site,article_key,")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(CSV_FIELDS) and "body_html" not in rows[0]
    assert json.loads(rows[0]["attachments"]) == ATTACHMENTS
    assert json.loads(rows[0]["warc"])["file"] == "tinh-a/x.warc.gz"
    assert rows[0]["title"] == item.title


def crawl_with_feed(base_url: str, data: Path, out: Path) -> dict[str, int]:
    """`scrapy crawl portal -O out` into a fresh archive; the run's luutru/ stats."""
    env = {**os.environ, "LUUTRU_DATA": str(data), "PYTHONUTF8": "1"}
    env.pop("LUUTRU_DB", None)  # this test is about the SQLite archive beside the feed
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "site=demo-liferay",
         "-a", f"base_url={base_url}", "-O", str(out), "-s", "LOG_LEVEL=INFO"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return {k: int(v) for k, v in re.findall(r"'luutru/articles_(\w+)': (\d+)", result.stderr)}


@pytest.mark.slow
def test_scrapy_crawl_feeds_hold_every_article(tmp_path: Path) -> None:
    from demo_portal import DemoPortal

    with DemoPortal(articles=12, port=0) as portal:
        stats = {
            fmt: crawl_with_feed(portal.base_url, tmp_path / fmt, tmp_path / f"out.{fmt}")
            for fmt in ("jsonl", "csv")
        }
    for fmt, counts in stats.items():
        # Dead links were crawled too: the feed leaves them out, it does not choke on them.
        assert counts.get("new", 0) >= 5 and counts.get("dead_link", 0) >= 1, (fmt, counts)
        with Archive.open(tmp_path / fmt) as archive:
            keys = {a["article_key"] for a in archive.articles("demo-liferay")}
        assert len(keys) == counts["new"]
        if fmt == "jsonl":
            lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
            items = [json.loads(line) for line in lines]
            assert all(i["title"] and i["body"] and i["warc"]["file"] for i in items)
            assert all("reason" not in i for i in items)
        else:
            assert (tmp_path / "out.csv").read_bytes().startswith(BOM)
            items = read_csv(tmp_path / "out.csv")
            assert all(isinstance(json.loads(i["attachments"]), list) for i in items)
            assert all(json.loads(i["warc"])["file"] for i in items)
        assert sorted(i["article_key"] for i in items) == sorted(keys)  # each article, once

"""Parquet export writer (archive.tabular)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive import tabular
from archive.tabular import schema_for, write_parquet

COLUMNS = (
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
    "warc",
)


def _row(i: int, **over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"demo:{i}",
        "site": "demo",
        "url": f"https://demo.gov.vn/tin-tuc/{i}",
        "aliases": [f"https://demo.gov.vn/?id={i}"],
        "title": f"Hội nghị tổng kết công tác năm 2026 số {i}",
        "date": "2026-11-24",
        "datetime": "2026-11-24T08:30:00+07:00",
        "author": "Nguyễn Thị Thu Hà",
        "source": "Văn phòng UBND tỉnh",
        "summary": None,
        "body": (
            "Sáng ngày 24/11, Ủy ban nhân dân tỉnh tổ chức hội nghị.\n\n"
            "Đồng chí Chủ tịch phát biểu."
        ),
        "category": "Tin hoạt động",
        "attachments": [],
        "status": "active",
        "version": 1,
        "version_count": 1,
        "content_hash": "ab" * 32,
        "first_seen": "2026-11-25T01:00:00+00:00",
        "last_seen": "2026-11-25T01:00:00+00:00",
        "warc": "warc/demo-2026-11-25.warc.gz",
    }
    row.update(over)
    return row


def test_schema_types() -> None:
    schema = schema_for(COLUMNS)
    assert schema.names == list(COLUMNS)
    assert schema.field("aliases").type == pa.list_(pa.string())
    assert schema.field("attachments").type == pa.list_(pa.string())
    assert schema.field("version").type == pa.int64()
    assert schema.field("version_count").type == pa.int64()
    assert schema.field("body").type == pa.string()
    assert schema.field("date").type == pa.date32()
    for name in ("datetime", "first_seen", "last_seen"):
        assert schema.field(name).type == pa.timestamp("us", tz="+07:00")
    assert all(f.nullable for f in schema)


def test_round_trip(tmp_path: Path) -> None:
    rows = [
        _row(1),
        _row(
            2,
            aliases=[],
            attachments=["https://demo.gov.vn/files/Báo cáo.pdf", "https://demo.gov.vn/b.docx"],
            summary="Tóm tắt: tăng trưởng 7,8%",
            version=3,
            version_count=3,
            author=None,
        ),
        _row(3, aliases=None, version=None, warc=None),
    ]
    # A column absent from the dict is null, keys outside columns are ignored.
    del rows[2]["status"]
    rows[2]["not_exported"] = "x"
    out = tmp_path / "export.parquet"
    assert write_parquet(rows, out, COLUMNS) == 3
    assert not (tmp_path / "export.parquet.tmp").exists()

    table = pq.read_table(out)
    assert table.schema == schema_for(COLUMNS)
    assert table.num_rows == 3
    got = table.to_pylist()
    # Dates and timestamps come back typed (the same instants, in +07:00).
    vn = dt.timezone(dt.timedelta(hours=7))
    typed = {
        "date": dt.date(2026, 11, 24),
        "datetime": dt.datetime(2026, 11, 24, 8, 30, tzinfo=vn),
        "first_seen": dt.datetime(2026, 11, 25, 8, 0, tzinfo=vn),
        "last_seen": dt.datetime(2026, 11, 25, 8, 0, tzinfo=vn),
    }
    assert got[0] == {**rows[0], **typed}
    assert got[1] == {**rows[1], **typed}
    assert got[2]["aliases"] is None
    assert got[2]["version"] is None
    assert got[2]["warc"] is None
    assert got[2]["status"] is None
    assert "not_exported" not in got[2]
    assert got[1]["attachments"] == [
        "https://demo.gov.vn/files/Báo cáo.pdf",
        "https://demo.gov.vn/b.docx",
    ]
    assert got[1]["summary"] == "Tóm tắt: tăng trưởng 7,8%"


def test_vietnamese_text_unchanged_and_nfc(tmp_path: Path) -> None:
    title = "Ủy ban nhân dân tỉnh Thừa Thiên Huế: nghị quyết về phát triển bền vững"
    nfd = unicodedata.normalize("NFD", title)
    out = tmp_path / "vi.parquet"
    write_parquet([_row(1, title=title), _row(2, title=nfd, aliases=[nfd])], out, COLUMNS)
    got = pq.read_table(out, columns=["title", "aliases"]).to_pylist()
    assert got[0]["title"] == title
    assert got[1]["title"] == title  # NFD input stored as NFC
    assert got[1]["aliases"] == [title]


def test_many_rows_written_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "BATCH_ROWS", 7)
    out = tmp_path / "many.parquet"
    n = 50
    # A generator: the writer must not need len() or a second pass.
    assert write_parquet((_row(i) for i in range(n)), out, COLUMNS) == n
    meta = pq.ParquetFile(out).metadata
    assert meta.num_rows == n
    assert meta.num_row_groups == 8  # 7 full batches of 7 + one of 1
    ids = pq.read_table(out, columns=["id"]).column("id").to_pylist()
    assert ids == [f"demo:{i}" for i in range(n)]


def test_zero_rows_give_valid_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "empty.parquet"
    assert write_parquet([], out, COLUMNS) == 0
    table = pq.read_table(out)
    assert table.num_rows == 0
    assert table.schema == schema_for(COLUMNS)


def test_column_subset_and_order(tmp_path: Path) -> None:
    out = tmp_path / "subset.parquet"
    write_parquet([_row(1)], out, ["title", "id", "version"])
    table = pq.read_table(out)
    assert table.column_names == ["title", "id", "version"]
    assert table.to_pylist() == [
        {"title": "Hội nghị tổng kết công tác năm 2026 số 1", "id": "demo:1", "version": 1}
    ]


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    def rows():
        yield _row(1)
        raise RuntimeError("store went away")

    out = tmp_path / "broken.parquet"
    with pytest.raises(RuntimeError):
        write_parquet(rows(), out, COLUMNS)
    assert list(tmp_path.iterdir()) == []

"""The archive store: version rules, aliases, runs, SQLite setup, migrations, atomicity."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
import unicodedata

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from archive import batchwrites
from archive import store as store_mod
from archive.records import ArticleRecord
from archive.schema import metadata
from archive.store import Archive, alembic_config
from archive.versions import content_hash, decide

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured


@pytest.fixture
def sqlite_only(backend):
    if backend is not None:
        pytest.skip("SQLite file specifics")


def make(**overrides) -> ArticleRecord:
    base = dict(
        site="tinh-a",
        article_key="123",
        url="https://tinh-a.gov.vn/tin-tuc/bai-viet-123",
        fetched_url="https://tinh-a.gov.vn/tin-tuc/bai-viet-123",
        title="Hội nghị triển khai nhiệm vụ năm 2025",
        body="Đoạn một.\n\nĐoạn hai.",
        body_html="<p>Đoạn một.</p><p>Đoạn hai.</p>",
        date="2025-01-15",
        datetime="2025-01-15T08:30:00+07:00",
        author="Minh Anh",
        source="Báo Tỉnh A",
        summary="Tóm tắt.",
        category="Tin tức",
        attachments=["https://tinh-a.gov.vn/files/qd-1.pdf"],
        fetched_at="2025-01-15T09:00:00+07:00",
        etag='"abc"',
        raw_html=b"<html>1</html>",
    )
    base.update(overrides)
    if "article_key" in overrides and "title" not in overrides:
        # Distinct keys get distinct content: identical content under a second key of the
        # same site is a key alias by design (see test_same_content_under_new_key_is_alias).
        base["title"] = f"{base['title']} ({overrides['article_key']})"
    return ArticleRecord(**base)


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "data") as a:
        yield a


@pytest.fixture
def run_id(archive):
    return archive.start_run("tinh-a")


# ------------------------------------------------------------------ version rules


def test_decide():
    assert decide(None, "h") == "new"
    assert decide("h", "h") == "unchanged"
    assert decide("h", "g") == "updated"


def test_same_content_twice_is_one_version(archive, run_id):
    assert archive.record(make(), run_id) == "new"
    assert archive.record(make(fetched_at="2025-01-16T09:00:00+07:00"), run_id) == "unchanged"
    art = archive.article("tinh-a", "123")
    assert art["version"] == 1 and art["version_count"] == 1
    assert len(archive.versions(art["article_id"])) == 1
    assert art["first_seen"] == "2025-01-15T09:00:00+07:00"
    assert art["last_seen"] == "2025-01-16T09:00:00+07:00"  # only last_seen moved


def test_changed_body_makes_version_two(archive, run_id):
    archive.record(make(), run_id)
    run2 = archive.start_run("tinh-a", trigger="schedule")
    assert archive.record(make(body="Đoạn một, đã sửa."), run2) == "updated"
    art = archive.article("tinh-a", "123")
    vs = archive.versions(art["article_id"])
    assert [v["number"] for v in vs] == [1, 2]
    assert [v["run_id"] for v in vs] == [run_id, run2]
    assert vs[0]["body"] == "Đoạn một.\n\nĐoạn hai."  # version 1 untouched
    assert vs[1]["body"] == "Đoạn một, đã sửa."
    assert vs[0]["content_hash"] != vs[1]["content_hash"]
    assert art["body"] == "Đoạn một, đã sửa." and art["version"] == 2
    assert art["version_count"] == 2
    assert archive.counts()["articles"] == 1


def test_reverted_content_is_a_new_version(archive, run_id):
    archive.record(make(), run_id)
    archive.record(make(title="Khác"), run_id)
    assert archive.record(make(), run_id) == "updated"
    vs = archive.versions(archive.article("tinh-a", "123")["article_id"])
    assert [v["number"] for v in vs] == [1, 2, 3]
    assert vs[0]["content_hash"] == vs[2]["content_hash"]


@pytest.mark.parametrize(
    "change",
    [
        {"fetched_at": "2025-02-01T00:00:00+07:00"},
        {"etag": '"zzz"'},
        {"last_modified": "Sat, 01 Feb 2025 00:00:00 GMT"},
        {"raw_html": b"<html>views: 9999</html>"},
        {"warnings": ["no author found"]},
        {"http_status": 203},
        {"body_html": "<div><p>Đoạn một.</p><p>Đoạn hai.</p></div>"},
        {"fetched_url": "https://tinh-a.gov.vn/tin-tuc/bai-viet-123?utm=x"},
    ],
)
def test_capture_metadata_never_makes_a_version(archive, run_id, change):
    archive.record(make(), run_id)
    assert archive.record(make(**change), run_id) == "unchanged"
    assert archive.counts()["versions"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Tiêu đề mới"},
        {"date": "2025-01-16"},
        {"datetime": None},
        {"author": None},
        {"source": "Cổng TTĐT"},
        {"summary": ""},
        {"category": "Thông báo"},
        {"attachments": []},
    ],
)
def test_every_content_field_counts(archive, run_id, change):
    archive.record(make(), run_id)
    assert archive.record(make(**change), run_id) == "updated"


def test_hash_is_over_content_fields_only():
    rec = make()
    assert content_hash(rec.content()) == content_hash(rec.as_dict())
    assert content_hash(rec.content()) == content_hash(dataclasses.asdict(rec))
    assert len(content_hash(rec.content())) == 64


def test_hash_is_nfc_insensitive(archive, run_id):
    nfc = "Hội nghị tổng kết công tác Đảng"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert content_hash(make(title=nfc).content()) == content_hash(make(title=nfd).content())
    assert content_hash(make(attachments=[nfc]).content()) == content_hash(
        make(attachments=[nfd]).content()
    )
    archive.record(make(title=nfc), run_id)
    assert archive.record(make(title=nfd), run_id) == "unchanged"


# ------------------------------------------------------------------ aliases and keys


def test_url_variants_with_one_key_are_one_article(archive, run_id):
    a = "https://tinh-a.gov.vn/tin-tuc/bai-viet-123"
    b = "https://tinh-a.gov.vn/index.php?id=123"
    c = "https://www.tinh-a.gov.vn/tin-tuc/bai-viet-123.html"
    archive.record(make(url=a, fetched_url=a), run_id)
    assert archive.record(make(url=a, fetched_url=b, aliases=[c, a]), run_id) == "unchanged"
    archive.record(make(url=a, fetched_url=c, aliases=[b]), run_id)  # idempotent
    counts = archive.counts()
    assert counts["articles"] == 1 and counts["versions"] == 1 and counts["aliases"] == 3
    art = archive.article("tinh-a", "123")
    assert art["url"] == a
    assert art["aliases"] == sorted([b, c])
    assert archive.resolve(b) == ("tinh-a", "123")
    assert archive.resolve("https://elsewhere/") is None


def test_add_alias(archive, run_id):
    archive.record(make(), run_id)
    url = "https://tinh-a.gov.vn/print/123"
    assert archive.add_alias("tinh-a", "123", url) is True
    assert archive.add_alias("tinh-a", "123", url) is False
    assert url in archive.article("tinh-a", "123")["aliases"]
    with pytest.raises(KeyError):
        archive.add_alias("tinh-a", "nope", "https://tinh-a.gov.vn/x")


def test_url_of_another_article_stays_with_it(archive, run_id):
    shared = "https://tinh-a.gov.vn/shared"
    archive.record(make(article_key="1", url="https://tinh-a.gov.vn/1", aliases=[shared]), run_id)
    archive.record(make(article_key="2", url="https://tinh-a.gov.vn/2", aliases=[shared]), run_id)
    assert archive.resolve(shared) == ("tinh-a", "1")
    assert shared not in archive.article("tinh-a", "2")["aliases"]


def test_known_keys_per_site(archive, run_id):
    assert archive.known_keys("tinh-a") == set()
    for key in ("1", "2", "3"):
        archive.record(make(article_key=key, url=f"https://tinh-a.gov.vn/{key}"), run_id)
    archive.record(make(site="tinh-b", article_key="9", url="https://tinh-b.gov.vn/9"), run_id)
    assert archive.known_keys("tinh-a") == {"1", "2", "3"}
    assert archive.known_keys("tinh-b") == {"9"}
    assert archive.known_keys("tinh-c") == set()
    assert archive.article("tinh-a", "9") is None


# ------------------------------------------------------------------ runs


def test_runs(archive):
    r1 = archive.start_run("tinh-a", log_path="logs/r1.log")
    r2 = archive.start_run("tinh-b", trigger="schedule")
    assert archive.run(r1)["status"] == "running"
    archive.finish_run(r1, "ok", {"new": 3, "updated": 1, "ghi_chú": "xong"})
    done = archive.run(r1)
    assert done["status"] == "ok" and done["finished_at"] is not None
    assert done["stats"] == {"new": 3, "updated": 1, "ghi_chú": "xong"}
    assert done["log_path"] == "logs/r1.log"
    assert [r["id"] for r in archive.runs()] == [r2, r1]
    assert [r["id"] for r in archive.runs(site="tinh-b")] == [r2]
    with pytest.raises(ValueError):
        archive.finish_run(r1, "failed", {})
    with pytest.raises(KeyError):
        archive.finish_run(999, "ok", {})
    with pytest.raises(ValueError):
        archive.start_run("tinh-a", trigger="cron")


# ------------------------------------------------------------------ database


def test_sqlite_file_wal_and_pragmas(tmp_path, sqlite_only):
    data_dir = tmp_path / "nested" / "data"
    with Archive.open(data_dir) as archive:
        assert archive.path == data_dir / "archive.sqlite"
        assert archive.path.exists()
        with archive.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        raw = sqlite3.connect(data_dir / "archive.sqlite")  # WAL is in the file
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        raw.close()
    # The last connection out leaves WAL, so the file alone is readable from read-only
    # media (tests/test_readonly_archive.py); the next writer switches back.
    raw = sqlite3.connect(data_dir / "archive.sqlite")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    raw.close()
    with Archive.open(data_dir) as archive, archive.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_new_archive_opened_while_another_process_writes_waits_for_wal(tmp_path, sqlite_only):
    """Two schedulers starting together on a new archive: while one writes, the other's
    switch to WAL is refused at once by SQLite (no busy wait); it must wait, not crash."""
    import threading

    from archive.db import _sqlite_engine

    path = tmp_path / "archive.sqlite"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")  # a rollback-journal file, as a new one is
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    done = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    done.start()
    engine = _sqlite_engine(path)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 1  # after the commit
    finally:
        done.join()
        engine.dispose()
        writer.close()


def test_migrated_to_head_and_matches_schema(archive):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head == "0012"
    with archive.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
        # the FTS5 virtual tables of 0004 (search_folded, search_exact and their shadow
        # tables) are raw SQL, deliberately outside metadata
        opts = {"include_name": lambda name, kind, _p: not _is_fts(name)}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    assert diff == []


# 0011's indexes: its own list
FILTER_INDEXES = ScriptDirectory.from_config(alembic_config()).get_revision("0011").module.INDEXES


def _is_fts(name: str | None) -> bool:
    """The search index's own objects, raw SQL outside metadata: FTS5 tables (SQLite),
    search_docs' text and tsvector columns, their GIN indexes and the filter indexes of
    0011 (PostgreSQL)."""
    from archive.search import _PG_TEXT

    return bool(name) and (
        name.startswith(("search_folded", "search_exact", "tsv_", "ix_search_docs_tsv_"))
        or name in _PG_TEXT
        or name in FILTER_INDEXES
    )


def _ddl(conn) -> dict[str, list[str]]:
    """name -> the CREATE statement, its parenthesised clauses sorted (order aside)."""
    out = {}
    query = "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name != ?"
    for name, sql in conn.exec_driver_sql(query, ("alembic_version",)):
        if _is_fts(name):
            continue
        head, _, body = re.sub(r"\s+", " ", sql).partition("(")
        clauses = body.rsplit(")", 1)[0].split(",")
        out[name] = [head.strip(), *sorted(c.strip() for c in clauses)]
    return out


def test_migration_ddl_equals_schema_ddl(archive, sqlite_only):
    """Also covers what compare_metadata skips: CHECK constraints and constraint names."""
    fresh = create_engine("sqlite://")
    metadata.create_all(fresh)
    with fresh.connect() as conn:
        expected = _ddl(conn)
    with archive.engine.connect() as conn:
        assert _ddl(conn) == expected
    assert "ck_versions_number_positive" in str(expected["versions"])


def test_reopen_keeps_data_and_does_not_remigrate(tmp_path):
    with Archive.open(tmp_path) as a:
        run = a.start_run("tinh-a")
        a.record(make(), run)
        a.record(make(body="v2"), run)
    with Archive.open(tmp_path) as a:
        assert a.counts() == {
            "runs": 1,
            "articles": 1,
            "live": 1,
            "removed": 0,
            "versions": 2,
            "aliases": 1,
        }
        assert a.record(make(body="v2"), None) == "unchanged"
        assert a.article("tinh-a", "123")["body"] == "v2"


def test_foreign_keys_are_enforced(archive):
    with pytest.raises(Exception, match=r"(?i)FOREIGN KEY"):
        archive.record(make(), run_id=12345)
    assert archive.counts()["articles"] == 0


def test_failure_mid_record_leaves_no_partial_rows(archive, run_id, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    # The aliases are written after the article and its version 1 (archive/batchwrites.py).
    monkeypatch.setattr(batchwrites, "_claim_urls", boom)
    with pytest.raises(RuntimeError):
        archive.record(make(), run_id)  # article + version 1 were inserted before this
    assert archive.counts() == {
        "runs": 1,
        "articles": 0,
        "live": 0,
        "removed": 0,
        "versions": 0,
        "aliases": 0,
    }
    assert archive.known_keys("tinh-a") == set()
    monkeypatch.undo()

    archive.record(make(), run_id)
    monkeypatch.setattr(batchwrites, "_claim_urls", boom)
    with pytest.raises(RuntimeError):
        archive.record(make(body="changed", fetched_at="2025-03-01T00:00:00+07:00"), run_id)
    art = archive.article("tinh-a", "123")
    assert art["version_count"] == 1 and art["body"] == "Đoạn một.\n\nĐoạn hai."
    assert art["last_seen"] == "2025-01-15T09:00:00+07:00"


def test_times_are_normalised_to_vietnam(archive, run_id):
    archive.record(make(fetched_at="2025-01-15T02:00:00Z"), run_id)
    art = archive.article("tinh-a", "123")
    assert art["first_seen"] == "2025-01-15T09:00:00+07:00"
    assert archive.run(run_id)["started_at"].endswith("+07:00")


def test_batched_iteration(archive, run_id, monkeypatch):
    monkeypatch.setattr(store_mod, "_BATCH", 2)
    for key in range(1, 6):
        archive.record(make(article_key=str(key), url=f"https://tinh-a.gov.vn/{key}"), run_id)
    assert [a["article_key"] for a in archive.articles()] == ["1", "2", "3", "4", "5"]


def test_same_content_under_new_key_is_alias(archive, run_id):
    first = make(article_key="1", url="https://tinh-a.gov.vn/1", title="Cùng một bài")
    second = make(article_key="2", url="https://tinh-a.gov.vn/2", title="Cùng một bài")
    assert archive.record(first, run_id) == "new"
    assert archive.record(second, run_id) == "alias"
    assert archive.counts()["articles"] == 1
    assert "https://tinh-a.gov.vn/2" in archive.article("tinh-a", "1")["aliases"]
    # the second key now resolves to the first article: recording it again is unchanged
    assert archive.record(second, run_id) == "unchanged"
    assert archive.crawl_state("tinh-a")["2"].status == "alias"


def test_same_content_on_another_site_is_not_an_alias(archive, run_id):
    archive.record(make(article_key="1", title="Thông cáo chung"), run_id)
    other = make(
        site="tinh-b", article_key="1", url="https://tinh-b.gov.vn/1", title="Thông cáo chung"
    )
    assert archive.record(other, run_id) == "new"


def test_body_html_is_stored_compressed_and_read_back(archive, run_id):
    html = "<p>Đoạn một.</p>" * 200
    archive.record(make(body_html=html), run_id)
    assert archive.article("tinh-a", "123")["body_html"] == html
    assert archive.versions(archive.article("tinh-a", "123")["article_id"])[0]["body_html"] == html
    with archive.engine.connect() as conn:
        plain, packed = conn.exec_driver_sql("SELECT body_html, body_html_zst FROM versions").one()
    assert plain == "" and len(packed) < len(html.encode()) / 4

"""PostgreSQL-only migrations: what changes an existing PostgreSQL archive's layout.

Not run on SQLite (nothing there to migrate); in CI PostgreSQL is always configured, so
these never skip there.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from archive.db import alembic_config, migrate
from archive.records import ArticleRecord
from archive.search import search
from archive.store import Archive


def _article(key: str, title: str, summary: str, body: str) -> ArticleRecord:
    return ArticleRecord(
        site="tinh-a", article_key=key, url=f"https://tinh-a.gov.vn/bai/{key}",
        fetched_url=f"https://tinh-a.gov.vn/bai/{key}", title=title, summary=summary,
        body=body, date="2025-01-15", fetched_at="2025-01-15T09:00:00+07:00",
    )  # fmt: skip


def test_0006_closes_the_phrase_gap_of_an_older_archive(tmp_path: Path, pg_url: str) -> None:
    """Downgrading to 0005 regenerates the tsvectors as they were (the phrase matched
    across title and summary); upgrading again closes that, for rows already there."""
    phrase = '"bao hiem xa hoi"'
    with Archive.open(tmp_path / "data", url=pg_url) as archive:
        archive.record(_article("9", "Về bảo hiểm", "Xã hội hóa", "Nội dung"), None)
        assert {h.id for h in search(archive, phrase).hits} == set()
    engine = create_engine(pg_url)
    across = (
        "SELECT count(*) FROM search_docs "
        "WHERE tsv_folded @@ to_tsquery('simple', 'bao <-> hiem <-> xa <-> hoi')"
    )
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0005")
        with engine.connect() as conn:
            assert conn.exec_driver_sql(across).scalar() == 1  # before 0006
        migrate(engine, "head")
        with engine.connect() as conn:
            assert conn.exec_driver_sql(across).scalar() == 0
    finally:
        engine.dispose()
    with Archive.open(tmp_path / "data", url=pg_url) as archive:
        assert {h.id for h in search(archive, phrase).hits} == set()
        assert {h.id for h in search(archive, "bao hiem xa hoi").hits} == {"tinh-a:9"}


def _pairs(engine: Any, query: str) -> dict[str, str]:
    """A catalog query's two columns as {first: second}."""
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql(query).all())


def _storage(engine: Any) -> dict[str, str]:
    return _pairs(
        engine,
        "SELECT attname, attstorage FROM pg_attribute "
        "WHERE attrelid = 'search_docs'::regclass AND attname IN ('tsv_folded', 'tsv_exact')",
    )


def test_0010_keeps_both_vectors_in_their_row(tmp_path: Path, pg_url: str) -> None:
    """A search reads thousands of vectors one by one: they are laid out in the row
    (STORAGE MAIN), also after 0006 regenerated them, and 0010 is what sets it."""
    with Archive.open(tmp_path / "data", url=pg_url) as archive:
        archive.record(_article("1", "Hội nghị", "Tóm tắt", "Nội dung " * 400), None)
    engine = create_engine(pg_url)
    try:
        assert _storage(engine) == {"tsv_folded": "m", "tsv_exact": "m"}
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0009")
        assert _storage(engine) == {"tsv_folded": "x", "tsv_exact": "x"}
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0005")
        migrate(engine, "head")  # 0006 drops and adds the vectors again, 0010 after it
        assert _storage(engine) == {"tsv_folded": "m", "tsv_exact": "m"}
    finally:
        engine.dispose()
    with Archive.open(tmp_path / "data", url=pg_url) as archive:
        assert [h.id for h in search(archive, "noi dung").hits] == ["tinh-a:1"]


def test_every_connection_plans_a_search_for_its_own_words(pg_url: str) -> None:
    """A prepared search statement is never given one plan for any words (generic
    plans ranked every match of a common word): writer and server-reader engines."""
    from archive.db import make_engine
    from archive.readers import server_reader_engine

    for engine in (make_engine(pg_url), server_reader_engine(pg_url, pool_size=1)):
        try:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == (
                    "force_custom_plan"
                )
        finally:
            engine.dispose()


FILTERS = ScriptDirectory.from_config(alembic_config()).get_revision("0011").module.INDEXES


def _indexes(engine: Any) -> dict[str, str]:
    return _pairs(
        engine,
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'search_docs' AND schemaname = current_schema()",
    )


def test_0011_finds_a_filters_matches_through_an_index_per_filtered_column(
    tmp_path: Path, pg_url: str
) -> None:
    """A site filter walked the whole table newest first (past the 5 s timeout at 500,000
    versions over 60 sites): 0011 indexes (site | author | category, id), and its
    downgrade drops them."""
    with Archive.open(tmp_path / "data", url=pg_url) as archive:
        archive.record(_article("1", "Hội nghị", "Tóm tắt", "Lao động việc làm"), None)
        archive.record(
            replace(_article("2", "Hội nghị", "Tóm tắt", "Lao động"), site="tinh-b"), None
        )
        assert [h.id for h in search(archive, "lao dong", sites="tinh-b").hits] == ["tinh-b:2"]
    engine = create_engine(pg_url)
    try:
        made = _indexes(engine)
        assert "(site, id)" in made["ix_search_docs_site_id"]
        assert "(author_folded, id)" in made["ix_search_docs_author_id"]
        assert "(category_folded, id)" in made["ix_search_docs_category_id"]
        with engine.begin() as conn:  # set back with the indexes there: migrated again
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0010'")
        migrate(engine, "head")
        assert set(FILTERS) <= set(_indexes(engine))
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0010")
        assert not set(_indexes(engine)) & set(FILTERS)
    finally:
        engine.dispose()

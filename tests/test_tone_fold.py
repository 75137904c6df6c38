"""Old and new tone placement ("ủy"/"uỷ", "hòa"/"hoà", "khỏe"/"khoẻ") are one spelling in
every search mode (archive/fold.py ``tone_placement``), and migration 0009 rebuilds the
index of an archive keyed before (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from archive.fold import exact_key, fold, tone_placement
from archive.records import ArticleRecord
from archive.search import search
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")

PAIRS = [("òa", "oà"), ("óa", "oá"), ("ỏa", "oả"), ("õa", "oã"), ("ọa", "oạ"), ("òe", "oè"),
         ("óe", "oé"), ("ỏe", "oẻ"), ("õe", "oẽ"), ("ọe", "oẹ"), ("ủy", "uỷ"), ("úy", "uý"),
         ("ùy", "uỳ"), ("ũy", "uỹ"), ("ụy", "uỵ")]  # fmt: skip


@pytest.mark.parametrize("old, new", PAIRS)
def test_old_placement_keys_as_new(old: str, new: str) -> None:
    for word in (f"h{old}", f"H{old.upper()}", f"th{old} lợi"):
        assert exact_key(word) == exact_key(
            word.replace(old, new).replace(old.upper(), new.upper())
        )
        assert len(exact_key(word)) == len(word)  # offsets still map onto the original
        assert fold(word) == fold(word.replace(old, new))


@pytest.mark.parametrize("word", ["hoàn", "quý", "của", "thuyền", "hòai", "toàn", "oa", "Đảng"])
def test_other_words_are_left_alone(word: str) -> None:
    assert tone_placement(word) == word


def rec(key: str, title: str, body: str) -> ArticleRecord:
    url = f"https://a.gov.vn/{key}"
    at = "2025-01-15T09:00:00+07:00"
    return ArticleRecord(site="a", article_key=key, url=url, fetched_url=url, title=title,
                         body=body, date=at[:10], fetched_at=at)  # fmt: skip


def ids(result) -> set[str]:
    return {h.id for h in result.hits}


def test_exact_mode_finds_both_placements(tmp_path) -> None:
    with Archive.open(tmp_path / "data") as a:
        a.record(rec("1", "Ủy ban nhân dân tỉnh", "Thủy lợi và sức khỏe."), None)
        a.record(rec("2", "Uỷ ban kiểm tra", "Thuỷ sản, hoà bình, khoẻ mạnh."), None)
        a.record(rec("3", "Úy lạo", "Không liên quan."), None)
        for query in ('"ủy ban"', '"uỷ ban"', "UỶ", "ủy"):
            assert ids(search(a, query, exact=True)) == {"a:1", "a:2"}, query
        assert ids(search(a, "thủy", exact=True)) == {"a:1", "a:2"}
        assert ids(search(a, "khoẻ", exact=True)) == {"a:1", "a:2"}
        assert ids(search(a, "hòa", exact=True)) == {"a:2"}
        assert ids(search(a, "úy", exact=True)) == {"a:3"}  # another tone: another word
        hit = next(h for h in search(a, "uỷ ban", exact=True).hits if h.id == "a:1")
        assert hit.title_html.startswith("<mark>Ủy</mark> <mark>ban</mark>")  # original kept


def test_migration_0009_rebuilds_an_index_keyed_the_old_way(tmp_path) -> None:
    with Archive.open(tmp_path / "data") as a:
        a.record(rec("1", "Ủy ban nhân dân", "Thủy lợi."), None)
        with a._write() as conn:  # the exact index as luutru before 0009 wrote it
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("INSERT INTO search_exact(search_exact) VALUES('delete-all')")
                conn.exec_driver_sql(
                    "INSERT INTO search_exact (rowid, title, summary, body) "
                    "SELECT id, lower(title), '', lower(body) FROM versions"
                )
            else:
                conn.execute(text("UPDATE search_docs SET title_x = 'ủy ban nhân dân'"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
        assert ids(search(a, "uỷ", exact=True)) == set()  # the stale index misses it
    with Archive.open(tmp_path / "data") as a:  # migrates 0008 → head (conftest: same PG schema)
        assert ids(search(a, "uỷ", exact=True)) == {"a:1"}
        assert ids(search(a, "ủy", exact=True)) == {"a:1"}

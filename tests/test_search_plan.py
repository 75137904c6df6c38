"""archive/search_plan.py: page order of relevance (bounded by RANK_CAP) and date sorts.

The caps are lowered here so that a dozen articles exercise the paths a 100k-article
archive takes: ranking only the newest RANK_CAP matches first, the dense date walk
(more than COUNT_CAP matches) and the scoring of ids one by one (raised _PROBE) or in
one pass (the default for more than one id).
"""

from __future__ import annotations

import pytest

import archive.search as search_module
import archive.search_plan as plan
from archive.records import ArticleRecord
from archive.search import search
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured

# (key, title, body, date): recorded in this order, so a later row is a newer doc.
# "lao" in a few articles only, so that BM25's idf stays positive; the oldest has the
# best title, so a bounded ranking visibly leaves it out of the first page.
ROWS = [
    ("1", "Lao lao lao động", "lao động lao động lao động", "2024-05-01"),
    ("2", "Tin y tế", "tiêm chủng mở rộng", "2024-05-01"),
    ("3", "Việc làm", "lao động việc làm và đào tạo nghề", "2024-05-01"),
    ("4", "Tin giáo dục", "khai giảng năm học mới", "2024-04-01"),
    ("5", "Hội nghị", "hội nghị về lao động nông thôn, lao động trẻ", None),
    ("6", "Tin văn hóa", "lễ hội truyền thống", "2024-06-01"),
    ("7", "Lao động trẻ", "thanh niên", "2024-05-01"),
    ("8", "Tin thể thao", "giải bóng đá", "2024-03-01"),
    ("9", "Chính sách", "bảo hiểm cho người lao động", "2024-06-01"),
    ("10", "Tin nông nghiệp", "mùa vụ mới", "2024-02-01"),
    ("11", "Thông báo", "tuyển lao động", "2023-12-31"),
    ("12", "Tin khoa học", "hội thảo khoa học", "2024-01-01"),
    ("13", "Lao động", "lao động", None),
    ("14", "Tin du lịch", "mùa du lịch", "2024-07-01"),
    ("3", "Việc làm mới", "lao động việc làm", "2024-05-01"),  # a new version of 3
]


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "data") as a:
        run = a.start_run("tinh-a")
        for n, (key, title, body, day) in enumerate(ROWS):
            site = "tinh-b" if int(key) % 3 == 0 else "tinh-a"
            a.record(
                ArticleRecord(
                    site=site, article_key=key, url=f"https://x.vn/{key}",
                    fetched_url=f"https://x.vn/{key}", title=title, body=body, date=day,
                    author=None, summary=None, category=None,
                    fetched_at=f"2025-01-{1 + n:02d}T09:00:00+07:00",
                ),
                run,
            )  # fmt: skip
        yield a


def recency() -> dict[tuple[str, int], int]:
    """(id, version) → its position in recording order (higher: newer doc)."""
    order: dict[tuple[str, int], int] = {}
    versions: dict[str, int] = {}
    for n, (key, *_rest) in enumerate(ROWS):
        hit_id = f"{'tinh-b' if int(key) % 3 == 0 else 'tinh-a'}:{key}"
        versions[hit_id] = versions.get(hit_id, 0) + 1
        order[(hit_id, versions[hit_id])] = n
    return order


def page_ids(archive, query: str, **kw) -> list[str]:
    return [h.id for h in search(archive, query, **kw).hits]


@pytest.mark.parametrize("filters", [{}, {"sites": "tinh-a"}, {"all_versions": True}])
def test_relevance_ranks_the_newest_rank_cap_matches_first(archive, monkeypatch, filters):
    full = search(archive, "lao", limit=100, **filters)
    reference = [(h.id, h.version) for h in full.hits]  # plain BM25 order: every match ranked
    assert reference[0] == ("tinh-a:1", 1)  # the oldest doc has the best score
    assert [h.score for h in full.hits] == sorted((h.score for h in full.hits), reverse=True)
    monkeypatch.setattr(plan, "RANK_CAP", 3)
    capped = [(h.id, h.version) for h in search(archive, "lao", limit=100, **filters).hits]
    order = recency()
    newest = sorted(reference, key=lambda r: order[r], reverse=True)[:3]
    expected = [r for r in reference if r in newest] + [r for r in reference if r not in newest]
    assert capped == expected and capped != reference
    for offset in range(len(expected) + 1):  # pages cut anywhere agree with the whole list
        for limit in (1, 2, 4):
            got = search(archive, "lao", limit=limit, offset=offset, **filters).hits
            assert [(h.id, h.version) for h in got] == expected[offset : offset + limit]
    assert search(archive, "lao", limit=2, offset=1, **filters).total == len(expected)


@pytest.mark.parametrize("filters", [{}, {"sites": "tinh-a"}, {"all_versions": True}])
def test_a_bounded_ranking_says_so_and_only_then(archive, monkeypatch, filters):
    matches = search(archive, "lao", limit=100, **filters).total
    assert search(archive, "lao", **filters).ranking_window is None  # all ranked together
    monkeypatch.setattr(plan, "RANK_CAP", matches)  # a full window, nothing older
    assert search(archive, "lao", **filters).ranking_window is None
    monkeypatch.setattr(plan, "RANK_CAP", matches - 1)
    for offset in (0, matches - 1, matches + 5):  # the page in, across and past the window
        result = search(archive, "lao", limit=1, offset=offset, **filters)
        assert result.ranking_window == matches - 1 and result.total == matches
    assert search(archive, "lao", sort="date", **filters).ranking_window is None


@pytest.mark.parametrize(
    "caps",
    [{}, {"COUNT_CAP": 2}, {"COUNT_CAP": 2, "_PROBE": 1000}, {"_PROBE": 1000}],
    ids=["sparse", "dense", "dense-probed", "sparse-probed"],
)
@pytest.mark.parametrize("filters", [{}, {"sites": "tinh-a"}, {"date_from": "2024-05-01"}])
def test_date_sort_is_date_then_score_then_newest(archive, monkeypatch, caps, filters):
    days = {f"{'tinh-b' if int(k) % 3 == 0 else 'tinh-a'}:{k}": d for k, _t, _b, d in ROWS}
    rank = {i: n for n, i in enumerate(page_ids(archive, "lao", limit=100, **filters))}
    expected = sorted(rank, key=lambda i: (days[i] is None, "" if days[i] is None else
                                           "".join(chr(255 - ord(c)) for c in days[i]),
                                           rank[i]))  # fmt: skip
    assert len(expected) > 3
    for name, value in caps.items():
        monkeypatch.setattr(plan, name, value)
        if name == "COUNT_CAP":
            monkeypatch.setattr(search_module, "COUNT_CAP", value)
    assert page_ids(archive, "lao", sort="date", limit=100, **filters) == expected
    for offset in range(len(expected) + 1):
        for limit in (1, 3):
            got = page_ids(archive, "lao", sort="date", limit=limit, offset=offset, **filters)
            assert got == expected[offset : offset + limit]


def test_lowered_count_cap_reports_a_lower_bound(archive, monkeypatch):
    monkeypatch.setattr(plan, "COUNT_CAP", 2)
    monkeypatch.setattr(search_module, "COUNT_CAP", 2)
    for sort in ("relevance", "date"):
        result = search(archive, "lao", sort=sort, limit=1)
        assert result.total_is_lower_bound and result.total == 2
        assert search(archive, "tiem", sort=sort).total == 1


def test_a_window_past_the_count_cap_is_its_own_count(archive, monkeypatch):
    """A bounded ranking that already holds more than COUNT_CAP matches reports the
    lower bound from its own rows: no second pass over the matches to count them."""
    from sqlalchemy import event

    matches = search(archive, "lao", limit=100).total
    for name, value in (("RANK_CAP", matches - 1), ("COUNT_CAP", 2)):
        monkeypatch.setattr(plan, name, value)
    monkeypatch.setattr(search_module, "COUNT_CAP", 2)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, sql, …)
    event.listen(archive.engine, "before_cursor_execute", listener)
    try:
        result = search(archive, "lao", limit=1)
    finally:
        event.remove(archive.engine, "before_cursor_execute", listener)
    assert result.total == 2 and result.total_is_lower_bound  # "2+"
    assert result.ranking_window == matches - 1
    assert not [s for s in statements if "SELECT count(*) FROM (SELECT 1" in s]
    monkeypatch.setattr(plan, "COUNT_CAP", matches)  # a window under the cap: counted
    monkeypatch.setattr(search_module, "COUNT_CAP", matches)
    assert search(archive, "lao", limit=1).total == matches


@pytest.mark.parametrize("ranges", [{"MARGIN": 1.25}, {"MARGIN": 0.1}, {"MAX_RANGES": 1}])
@pytest.mark.parametrize(
    "query, filters",
    [("lao", {}), ("lao", {"sites": "tinh-a"}), ("lao", {"all_versions": True}),
     ("lao NOT trẻ", {}), ('"lao động"', {"date_from": "2024-05-01"}), ("khoa", {}),
     ("lao", {"status": "live"})],
)  # fmt: skip
def test_a_sparse_query_read_in_id_ranges_pages_as_the_walk_does(
    archive, backend, monkeypatch, ranges, query, filters
):
    """PostgreSQL reads a sparse query's window in id ranges (archive/search_pg_ranges.py)
    and a dense one by walking the primary key: both give every page the same rows, in
    and past the window. Here every query is taken both ways; narrow ranges (a small
    MARGIN) need several, MAX_RANGES 1 goes to the rest of the archive at once."""
    if backend is None:
        pytest.skip("PostgreSQL only: SQLite ranks its FTS5 matches")
    import archive.search_pg_ranges as pg_ranges

    monkeypatch.setattr(plan, "RANK_CAP", 2)
    monkeypatch.setattr(pg_ranges, "PROBE_ROWS", 4)  # a density of this small archive's
    for name, value in ranges.items():
        monkeypatch.setattr(pg_ranges, name, value)
    pages = {}
    for way, sparse in (("walk", 0.0), ("ranges", 2.0)):
        monkeypatch.setattr(pg_ranges, "SPARSE", sparse)
        whole = search(archive, query, limit=100, **filters)
        cut = [
            [(h.id, h.version, h.score) for h in search(
                archive, query, limit=limit, offset=offset, **filters).hits]
            for offset in range(whole.total + 1) for limit in (1, 3)
        ]  # fmt: skip
        pages[way] = (whole.total, whole.ranking_window, [h.id for h in whole.hits], cut)
    assert pages["ranges"] == pages["walk"]
    assert pages["walk"][0] >= 1

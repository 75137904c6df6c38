"""Faceted search (archive/search_facets.py, luutru/web/facets.py): counts equal to the
matching articles' counts, exact-diacritic matches first, real scores, phrase highlights,
facets in /api/search and on the search page with a histogram of links (SQLite, PG)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import text

from archive.records import ArticleRecord
from archive.search import search
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")

AUTHORS = ["Minh Anh", "MINH ANH", "Trần Văn Bình", None]
CATEGORIES = ["Tin tức", "Thông báo", "tin tuc"]


def rec(site: str, key: str, title: str, body: str, day: str | None, **kw) -> ArticleRecord:
    url = f"https://{site}.gov.vn/{key}"
    at = "2025-03-01T09:00:00+07:00"
    return ArticleRecord(site=site, article_key=key, url=url, fetched_url=url, title=title,
                         body=body, date=day, fetched_at=at, **kw)  # fmt: skip


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "data") as a:
        a.upsert_site("a", "Sở LĐ-TB&XH tỉnh A", "Tỉnh A", "Lao động")
        a.upsert_site("b", "Sở Y tế tỉnh B", "Tỉnh B", "Y tế")
        a.upsert_site("c", "Sở Y tế tỉnh A", "Tỉnh A", "Y tế")
        n = 0
        for site, months in (("a", ["2024-11", "2025-01", "2025-01"]), ("b", ["2025-02"]),
                             ("c", ["2024-11", None])):  # fmt: skip
            for month in months:
                n += 1
                day = f"{month}-1{n % 9}" if month else None
                extra = {"author": AUTHORS[n % 4], "category": CATEGORIES[n % 3]}
                title, body = f"Tin lao động số {n}", "Về việc làm và lao động."
                a.record(rec(site, str(n), title, body, day, **extra), None)
        a.record(rec("b", "x", "Y tế dự phòng", "Tiêm chủng.", "2025-02-02"), None)  # no match
        # folded-only matches: the title weighs 10× the body, yet the exact ones come first
        a.record(rec("c", "f1", "Lão đồng lão đồng", "Đông lạnh.", "2025-02-03"), None)
        yield a


def test_facet_counts_equal_the_matching_articles_counts(archive):
    result = search(archive, "lao dong", facets=True, limit=100)
    hits = result.hits
    assert result.total == len(hits) == 7
    f = result.facets
    assert f["counted"] == 7 and not f["partial"]
    assert {i["value"]: i["count"] for i in f["site"]} == Counter(h.site for h in hits)
    assert {i["value"]: i["count"] for i in f["province"]} == {"Tỉnh A": 6, "Tỉnh B": 1}
    assert {i["value"]: i["count"] for i in f["department"]} == {"Lao động": 3, "Y tế": 4}
    assert sum(i["count"] for i in f["month"]) + f["undated"] == 7
    assert {i["value"]: i["count"] for i in f["month"]} == Counter(
        h.date[:7] for h in hits if h.date
    )
    assert [i["value"] for i in f["month"]] == sorted(i["value"] for i in f["month"])
    assert {i["value"]: i["count"] for i in f["year"]} == Counter(
        h.date[:4] for h in hits if h.date
    )
    # authors/categories are counted folded ("Minh Anh" = "MINH ANH"), shown as written
    authors = Counter((h.author or "").lower() for h in hits if h.author)
    assert sorted(i["count"] for i in f["author"]) == sorted(authors.values())
    categories = {i["value"].lower().replace("ứ", "u"): i["count"] for i in f["category"]}
    assert sum(categories.values()) == sum(1 for h in hits if h.category)
    # the facets of a filtered search are those of its matches only
    narrowed = search(archive, "lao dong", facets=True, province="Tỉnh B", limit=100)
    assert narrowed.total == 1 and [i["value"] for i in narrowed.facets["site"]] == ["b"]
    assert search(archive, "lao dong").facets is None  # only when asked


def test_exact_diacritic_matches_rank_first_with_real_scores(archive):
    result = search(archive, "lao động", limit=100)
    flags = [h.exact_match for h in result.hits]
    assert flags == [True] * 6 + [False]  # "Lão đồng" in the title, yet last
    assert result.hits[-1].id == "c:f1"
    assert all(h.score and h.score > 0 for h in result.hits)  # never 0.0 for all
    assert search(archive, "lao dong").hits[0].exact_match is None  # no diacritics typed
    folded = {h.id for h in search(archive, "lao dong", limit=100).hits}
    assert folded == {h.id for h in result.hits}  # the same matches, reordered


def test_exact_matches_first_within_a_bounded_ranking_window(archive, monkeypatch):
    """The exact-diacritic set is looked up from the window's oldest doc up: every doc
    of the window and every older one keeps the flag it has when all are ranked."""
    import archive.search_plan as plan

    full = {h.id: h.exact_match for h in search(archive, "lao động", limit=100).hits}
    assert set(full.values()) == {True, False}
    monkeypatch.setattr(plan, "RANK_CAP", 3)
    capped = search(archive, "lao động", limit=100)
    assert capped.ranking_window == 3
    assert {h.id: h.exact_match for h in capped.hits} == full
    for part in (capped.hits[:3], capped.hits[3:]):  # the window, then the older ones
        flags = [h.exact_match for h in part]
        assert flags == sorted(flags, reverse=True)


def test_folded_matches_are_highlighted_and_phrases_only_where_they_are(archive):
    hit = next(h for h in search(archive, "lao động", limit=100).hits if h.id == "c:f1")
    assert hit.title_html == "<mark>Lão</mark> <mark>đồng</mark> <mark>lão</mark> <mark>đồng</mark>"
    archive.record(rec("a", "p", "Việc làm", "Lao động trẻ. Động lực lao dong mới.", None), None)
    hit = next(h for h in search(archive, '"lao dong"', limit=100).hits if h.id == "a:p")
    # "động lực lao" is no occurrence of the phrase: only its two occurrences are marked
    assert hit.snippet == "[Lao] [động] trẻ. Động lực [lao] [dong] mới."


# --------------------------------------------------------------------------- web


@pytest.fixture
def client(archive, tmp_path):
    from fastapi.testclient import TestClient

    from luutru.web.app import create_app
    from luutru.web.settings import WebSettings

    return TestClient(create_app(WebSettings(data=str(tmp_path / "data")), archive=archive))


def test_api_search_has_facets(client):
    body = client.get("/api/search", params={"q": "lao dong", "limit": 200}).json()
    assert body["total"] == 7
    assert {i["value"]: i["count"] for i in body["facets"]["site"]} == {"a": 3, "b": 1, "c": 3}
    assert body["facets"]["site"][0]["label"] in ("Sở LĐ-TB&XH tỉnh A", "Sở Y tế tỉnh A")
    assert client.get("/api/search?q=lao&facets=false").json()["facets"] is None


def test_search_page_facets_histogram_and_pick_lists(client):
    html = client.get("/search", params={"q": "lao dong", "lang": "en"}).text
    assert 'id="facets"' in html and 'id="facet-province"' in html
    assert 'data-value="Tỉnh A">Tỉnh A</a> <span class="count">6</span>' in html
    # the histogram: Nov 2024 … Feb 2025, the empty December included, bars are links
    assert html.count('class="bar" data-key=') == 4 and 'data-key="2024-12"' in html
    assert "date_from=2025-01-01&amp;date_to=2025-01-31" in html
    assert ">11/2024</text>" in html and ">02/2025</text>" in html
    # pick-lists fed by the facets
    assert '<select name="province_is" id="f-province">' in html
    assert '<option value="Tỉnh A">Tỉnh A (6)</option>' in html
    narrowed = client.get("/search?q=lao+dong&date_from=2025-01-01&date_to=2025-01-31").text
    assert 'data-key="2025-01"' in narrowed and 'data-key="2024-11"' not in narrowed
    chosen = client.get("/search", params={"q": "lao dong", "province_is": "Tỉnh B"}).text
    assert '<a class="clear" href="/search?q=lao+dong">' in chosen
    link = '<li class="chosen"><a href="/search?q=lao+dong&amp;province_is=T%E1%BB%89nh+B"'
    assert link in chosen
    assert '<option value="Tỉnh B" selected>Tỉnh B (1)</option>' in chosen


@pytest.mark.parametrize("cap", [1000, 4, 1])
@pytest.mark.parametrize(
    "query, filters",
    [("lao dong", {}), ("lao dong", {"sites": "c"}), ("y te", {}), ("zzz", {}),
     ("lao dong", {"author": "minh"}), ("lao dong", {"status": "live"})],
)  # fmt: skip
def test_postgresql_counts_facets_in_the_database_as_python_does(
    archive, backend, monkeypatch, cap, query, filters
):
    """On PostgreSQL the facets are counted by the database (GROUPING SETS,
    ``count_facets_grouped``): the same answer as counting the matches' rows here
    (``count_facets``), also past a lowered cap (the newest matches only, "partial")."""
    if backend is None:
        pytest.skip("PostgreSQL only: SQLite counts the rows it reads")
    import archive.search as search_module
    import archive.search_facets as facets_module

    monkeypatch.setattr(facets_module, "FACET_CAP", cap)
    with archive.engine.begin() as conn:  # an undated match with an empty date
        conn.exec_driver_sql(
            "UPDATE search_docs SET date = '' WHERE id = (SELECT min(id) FROM search_docs)"
        )
    grouped = search(archive, query, facets=True, limit=0, **filters).facets
    rows_seen: list[int] = []

    def by_rows(conn, where, params, status):  # the matches' rows, counted in Python
        frm = "FROM search_docs d" + (" JOIN articles a ON a.id = d.article_id" if status else "")

        def select(columns: str, limit: int) -> list:
            condition = " AND ".join(where)
            query = f"SELECT {columns} {frm} WHERE {condition} ORDER BY d.id DESC LIMIT :n"
            rows = conn.execute(text(query), {**params, "n": limit}).all()
            rows_seen.append(len(rows))
            return rows

        return facets_module.count_facets(conn, select)

    monkeypatch.setattr(search_module, "pg_facets", by_rows)
    counted = search(archive, query, facets=True, limit=0, **filters).facets
    assert rows_seen  # the Python count ran
    assert grouped == counted
    assert grouped["partial"] == (rows_seen[0] > cap)

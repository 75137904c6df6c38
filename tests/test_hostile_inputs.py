"""Hostile and careless input: every attack answered within seconds, every user error one
clear line (SearchSyntaxError and its subclasses; a 400 with a JSON error on the API, an
error page on /search, exit 2 on the CLI), never a traceback or a 500.

- queries: 500 nested parentheses (was a RecursionError), 800 one-letter prefixes (6 s on
  300 articles), 10,000 words (ten minutes on 300 articles), unbalanced quotes, NUL bytes,
  a very long single term; the time budget of a search and the connection after it;
- aliases: 100,000 URL variants of 100 articles (was one transaction each, ten minutes);
- markup: stored URLs with ``javascript:``/``data:``/``vbscript:`` schemes never become an
  ``href``;
- dates: 2024-13-45 or 2024-02-30 are a 400, not an empty 200.

The archive tests run on SQLite, and on PostgreSQL too when LUUTRU_TEST_PG_URL is set.
"""

from __future__ import annotations

import contextlib
import os
import re
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

import archive.search as search_module
from archive.aliases import ALIAS_BATCH
from archive.records import ArticleRecord
from archive.search import (
    MAX_EXPANSION,
    SearchFilterError,
    SearchSyntaxError,
    SearchTooComplex,
    SearchTooCostly,
    parse_query,
    search,
    time_bounded,
    to_fts,
)
from archive.search_query import MAX_DEPTH, MAX_PREFIXES, MAX_QUERY_CHARS, MAX_WORDS, MIN_PREFIX
from archive.store import Archive
from luutru.web.app import create_app
from luutru.web.pages import url_link
from luutru.web.settings import WebSettings

WITHIN = 3.0  # seconds: "answered within seconds", with room for a loaded CI machine

TEXT = (
    "lao động thương binh xã hội hội nghị tổng kết công tác năm tỉnh sở y tế tiêm chủng trẻ "
    "em bác sĩ tuyển dụng đảng ủy khối họp việc làm thông báo chính phủ quyết định thành "
    "phố huyện phường ban hành kế hoạch triển khai thực hiện an toàn giao thông giáo dục"
)
WORDS = TEXT.split()

NESTED_500 = "(" * 500 + "lao" + ")" * 500
PREFIX_800 = " OR ".join(string.ascii_lowercase[i % 26] + "*" for i in range(800))
WORDS_10K = " ".join(WORDS[i % len(WORDS)] for i in range(10_000))

HOSTILE_URLS = {
    "canonical": "javascript:alert(1)",
    "alias_mixed_case": "JaVaScRiPt:alert(2)",
    "alias_leading_space": " javascript:alert(5)",
    "alias_tab": "java\tscript:alert(6)",
    "alias_protocol_relative": "//evil.example/x",
    "attachment_data": "data:text/html,<script>alert(3)</script>",
    "attachment_vbscript": "vbscript:msgbox(4)",
}
GOOD_ATTACHMENT = "https://so-a.gov.vn/files/quyet-dinh.pdf"


@contextlib.contextmanager
def answered_within(seconds: float = WITHIN) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"took {elapsed:.2f} s"


def _text(i: int, n: int) -> str:
    return " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(n))


def _record(i: int, **kw: Any) -> ArticleRecord:
    base: dict[str, Any] = dict(
        site="so-a",
        article_key=str(i),
        url=f"https://so-a.gov.vn/tin/{i}",
        fetched_url=f"https://so-a.gov.vn/tin/{i}",
        title=_text(i, 8),
        body="Người lao động. " + _text(i + 1, 120),
        date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        author="Nguyễn Văn A",
        category="Tin tức",
        fetched_at="2025-01-15T09:00:00+07:00",
    )
    base.update(kw)
    return ArticleRecord(**base)


def _plant_hostile_urls(archive: Archive) -> str:
    """An article whose canonical URL, aliases and attachments carry other schemes."""
    record = _record(
        999,
        article_key="evil-urls",
        url=HOSTILE_URLS["canonical"],
        fetched_url="https://so-a.gov.vn/tin/evil-urls",
        title="Bài có đường dẫn độc hại",
        aliases=[v for k, v in HOSTILE_URLS.items() if k.startswith("alias")],
        attachments=[
            HOSTILE_URLS["attachment_data"],
            HOSTILE_URLS["attachment_vbscript"],
            GOOD_ATTACHMENT,
        ],
    )
    assert archive.record(record, None) == "new"
    return "so-a:evil-urls"


@pytest.fixture(scope="module")
def data(backend_module: str | None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 articles and the one with hostile URLs, on this module's backend."""
    data = tmp_path_factory.mktemp("hostile")
    with Archive.open(data) as archive:
        archive.upsert_site("so-a", "Sở A", "Tỉnh A", "Lao động")
        for i in range(40):
            archive.record(_record(i), None)
        _plant_hostile_urls(archive)
    return data


@pytest.fixture(scope="module")
def archive(data: Path) -> Iterator[Archive]:
    with Archive.open(data) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(data: Path) -> TestClient:
    return TestClient(create_app(WebSettings(data=str(data))))


def ids(result: Any) -> list[str]:
    return [h.id for h in result.hits]


# --------------------------------------------------------------------------- the parser


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        (NESTED_500, SearchTooComplex, "too many nested parentheses"),
        ("(" * (MAX_DEPTH + 1) + "lao" + ")" * (MAX_DEPTH + 1), SearchTooComplex, "nested"),
        ("lao " + "-(" * 40 + "dong" + ")" * 40, SearchTooComplex, "nested"),
        (")" * 50 + "(" * 50 + "lao", SearchTooComplex, "nested"),
        (PREFIX_800, SearchTooComplex, "prefix too short"),
        ("lao t*", SearchTooComplex, f"at least {MIN_PREFIX} letters"),
        ('"thuong b"*', SearchTooComplex, "prefix too short"),
        (" ".join(f"a{c}*" for c in "bcdefghij"), SearchTooComplex, "too many prefixes"),
        (WORDS_10K, SearchTooComplex, "too many words"),
        (" OR ".join(["lao"] * 10_000), SearchTooComplex, "too many words"),
        (" ".join(["lao"] * (MAX_WORDS + 1)), SearchTooComplex, "too many words"),
        ('"' + " ".join(["lao"] * (MAX_WORDS + 1)) + '"', SearchTooComplex, "too many words"),
        ("a" * 100_000, SearchTooComplex, "query too long"),
        ("a" * 10_000_000, SearchTooComplex, "query too long"),
        ("lao " * 30 + "!" * MAX_QUERY_CHARS, SearchTooComplex, "query too long"),
        ('"lao động', SearchSyntaxError, "unbalanced quote"),
        ('lao "dong" "viec', SearchSyntaxError, "unbalanced quote"),
        ('"' * 9_999, SearchSyntaxError, "unbalanced quote"),
        ("\x00" * 50, SearchSyntaxError, "empty query"),
        ("(" * 20, SearchSyntaxError, "parenthes"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_hostile_queries_are_one_clear_error_at_once(query: str, error: type, message: str):
    with answered_within(1.0), pytest.raises(error, match=message) as caught:
        parse_query(query)
    text = str(caught.value)
    assert "\n" not in text and len(text) < 200  # one line, for a person


def test_limits_themselves_are_allowed():
    parse_query("(" * MAX_DEPTH + "lao" + ")" * MAX_DEPTH)
    parse_query(" ".join(["lao"] * MAX_WORDS))
    parse_query(" ".join(f"a{c}*" for c in "bcdefghi"[:MAX_PREFIXES]))
    parse_query("ab*")
    parse_query("lao\x00dong\x00")  # NUL separates words, like any punctuation
    assert to_fts(parse_query("lao\x00dong")) == '"lao dong"'
    with pytest.raises(SearchTooComplex):  # errors are still SearchSyntaxError/ValueError
        parse_query("(" * 99)
    assert issubclass(SearchTooComplex, SearchSyntaxError)
    assert issubclass(SearchTooCostly, SearchSyntaxError)
    assert issubclass(SearchFilterError, SearchSyntaxError)
    assert issubclass(SearchSyntaxError, ValueError)


def test_recursion_limit_cannot_be_reached():
    # the deepest query allowed, parsed and rendered with a small recursion limit
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        depth = MAX_DEPTH - 1  # and one more inside
        tree = parse_query("(" * depth + "lao OR dong -(viec)" + ")" * depth)
        to_fts(tree)
    finally:
        sys.setrecursionlimit(old)


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    "query",
    [NESTED_500, PREFIX_800, WORDS_10K, '"thương binh', "a" * 100_000, "x*", "lao " + "(" * 40],
    ids=["nested-500", "prefix-800", "words-10k", "quote", "long-term", "short-prefix", "open"],
)
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_hostile_queries_on_an_archive(archive: Archive, query: str, sort: str):
    with answered_within(), pytest.raises(SearchSyntaxError):
        search(archive, query, sort=sort)
    assert search(archive, "lao động", sort=sort).total > 0  # and the archive still answers


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_nul_bytes_and_long_words_are_harmless(archive: Archive, sort: str):
    with answered_within():
        phrase = ids(search(archive, '"lao động"', sort=sort))
        assert phrase and ids(search(archive, "lao\x00động", sort=sort)) == phrase
        assert search(archive, "x" * 900, sort=sort).total == 0
        assert search(archive, " ".join(["lao"] * MAX_WORDS), sort=sort).total > 0
    for filters in ({"author": "Nguy\x00n"}, {"category": "\x00"}, {"sites": ["so-a\x00"]},
                    {"province": "T\x00"}):  # fmt: skip
        with pytest.raises(SearchFilterError, match="NUL"):
            search(archive, "lao", **filters)


@pytest.mark.parametrize(
    "query", ["th*", "lao*", "tiê*", '"lao độ"*', "ho* -thu*", "(ki* OR gi*) AND na*", "zz*"]
)
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_prefixes_find_the_same_expanded_or_native(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, query: str, sort: str
):
    """On SQLite a prefix is an OR of the words it starts (fts5vocab); past the budget it
    stays a native FTS5 prefix and the plan never probes row by row: same matches."""
    expanded = search(archive, query, sort=sort, limit=100)
    monkeypatch.setattr(search_module, "MAX_EXPANSION", 0)
    native = search(archive, query, sort=sort, limit=100)
    assert expanded.total == native.total
    assert set(ids(expanded)) == set(ids(native))
    if sort == "date":
        assert [h.date for h in expanded.hits] == [h.date for h in native.hits]
    for hit in expanded.hits:
        assert "<mark>" in hit.title_html + hit.snippet_html


def test_exact_mode_prefix(archive: Archive):
    assert search(archive, "thươ*", exact=True).total == search(archive, "thuo*").total > 0
    assert search(archive, "thuo*", exact=True).total == 0


def test_prefix_expansion_budget(archive: Archive):
    if archive.engine.dialect.name != "sqlite":
        pytest.skip("SQLite expands prefixes itself; PostgreSQL's GIN index does it")
    from archive.search import _expansions
    from archive.search_query import prefix_terms

    tree = parse_query("th* OR ho* OR lao*")
    assert prefix_terms(tree) == ["th", "ho", "lao"]
    with archive._read() as conn:
        expand, native = _expansions(conn, "search_folded", tree)
    assert not native and {"thuong", "thong"} <= set(expand["th"]) and expand["lao"] == ["lao"]
    assert all(w.startswith(p) for p, words in expand.items() for w in words)
    assert sum(len(w) for w in expand.values()) <= MAX_EXPANSION


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("2024-13-45", None, "date_from 2024-13-45 is not a day of the calendar"),
        (None, "2024-02-30", "date_to 2024-02-30 is not a day of the calendar"),
        ("15/01/2025", None, "YYYY-MM-DD"),
        ("2024-06-01", "2024-01-01", "is after date_to"),
    ],
)
def test_invalid_dates_are_errors(archive: Archive, date_from, date_to, message):
    with pytest.raises(SearchFilterError, match=message):
        search(archive, "lao", date_from=date_from, date_to=date_to)
    assert search(archive, "lao", date_from="2024-02-29", date_to="2024-02-29").total >= 0


def test_huge_offsets_are_an_error_not_an_overflow(archive: Archive):
    with pytest.raises(SearchFilterError, match="at most"):
        search(archive, "lao", offset=10**20)
    with pytest.raises(SearchFilterError, match="at most"):
        search(archive, "lao", limit=10**20, sort="date")


# --------------------------------------------------------------------------- time budget


def _slow_sql(archive: Archive) -> str:
    """A statement that runs for many seconds on this backend."""
    if archive.engine.dialect.name == "postgresql":
        return "SELECT pg_sleep(30)"
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
        "SELECT count(*) FROM n"
    )


def test_time_budget_stops_a_statement_and_leaves_the_connection_usable(archive: Archive):
    with (
        answered_within(),
        pytest.raises(SearchTooCostly, match="too costly"),
        archive._read() as conn,
        time_bounded(conn, 0.2),
    ):
        conn.exec_driver_sql(_slow_sql(archive)).all()
    # the pooled connection answers again, without the budget, and writes still work
    for _ in range(3):
        with archive._read() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    assert search(archive, "lao").total > 0
    archive.upsert_site("so-b", "Sở B")


def test_a_search_past_its_budget_is_too_costly(archive: Archive, monkeypatch):
    """Any statement of a search counts: here a slow one slipped in before the hits."""
    real_hits = search_module.hits

    def slow_hits(conn, *args, **kwargs):
        conn.exec_driver_sql(_slow_sql(archive)).all()
        return real_hits(conn, *args, **kwargs)

    monkeypatch.setattr(search_module, "hits", slow_hits)
    monkeypatch.setattr(search_module, "SEARCH_TIMEOUT", 0.3)
    for sort in ("relevance", "date"):
        with answered_within(), pytest.raises(SearchTooCostly, match=r"stopped after 0\.3 s"):
            search(archive, "lao", sort=sort)
    monkeypatch.undo()
    assert search(archive, "lao").total > 0


def test_sqlite_budget_of_zero_stops_any_search(archive: Archive, monkeypatch):
    if archive.engine.dialect.name != "sqlite":
        pytest.skip("the progress handler is SQLite's")
    monkeypatch.setattr(search_module, "SEARCH_TIMEOUT", 0.0)
    monkeypatch.setattr(search_module, "_PROGRESS_STEPS", 1)
    with pytest.raises(SearchTooCostly):
        search(archive, "lao OR dong")
    monkeypatch.undo()
    assert search(archive, "lao OR dong").total > 0
    with archive._read() as conn:  # the handler went with the search
        raw = conn.connection.driver_connection
        raw.execute("SELECT count(*) FROM search_docs").fetchall()


def test_the_cli_says_one_line_and_exits_2(data: Path):
    env = {**os.environ, "PYTHONUTF8": "1"}
    for args in ([NESTED_500], ["lao t*"], ["lao", "--from", "2024-13-45"]):
        result = subprocess.run(
            [sys.executable, "-m", "luutru", "search", *args, "--data", str(data)],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr[-2000:]
        lines = result.stderr.strip().splitlines()
        assert "Traceback" not in result.stderr and len(lines) <= 2, result.stderr[-2000:]


# --------------------------------------------------------------------------- aliases


def _counting(archive: Archive) -> dict[str, int]:
    """Transactions begun and statements sent (an executemany counts once)."""
    counts = {"transactions": 0, "statements": 0, "alias_inserts": 0}

    @event.listens_for(archive.engine, "begin")
    def _begin(conn):
        counts["transactions"] += 1

    @event.listens_for(archive.engine, "before_cursor_execute")
    def _execute(conn, cursor, statement, parameters, context, executemany):
        counts["statements"] += 1
        if statement.lstrip().upper().startswith("INSERT INTO ALIASES"):
            counts["alias_inserts"] += 1

    return counts


def test_100k_alias_variants_are_batched(tmp_path: Path, fresh_backend: str | None):
    articles, per_article = 100, 1_000
    with Archive.open(tmp_path / "data") as archive:
        for i in range(articles):
            archive.record(_record(i), None)
        variants = {
            str(i): [f"https://so-a.gov.vn/tin/{i}?utm={j}" for j in range(per_article)]
            for i in range(articles)
        }
        variants["0"].append("https://so-a.gov.vn/tin/1")  # article 1's own URL: stays its
        variants["1"].append("https://so-a.gov.vn/tin/0?utm=5")  # claimed by 0 first
        counts = _counting(archive)
        start = time.perf_counter()
        added = archive.add_aliases("so-a", variants)
        elapsed = time.perf_counter() - start
        total = articles * per_article
        print(
            f"\n{total:,} alias variants ({archive.engine.dialect.name}): {elapsed:.2f} s, "
            f"{counts['transactions']} transactions, {counts['statements']} statements"
        )
        assert added == total
        batches = -(-total // ALIAS_BATCH)
        assert counts["transactions"] <= batches + 2  # + the read of the article ids
        assert counts["statements"] <= 4 * batches + 10  # BEGIN/lock, lookup, insert
        assert elapsed < 60, f"{total:,} aliases took {elapsed:.1f} s"
        assert archive.counts()["aliases"] == total + articles
        assert archive.resolve("https://so-a.gov.vn/tin/1") == ("so-a", "1")
        assert archive.resolve("https://so-a.gov.vn/tin/0?utm=5") == ("so-a", "0")
        assert archive.resolve(f"https://so-a.gov.vn/tin/99?utm={per_article - 1}") == (
            "so-a",
            "99",
        )
        # again: nothing new, nothing moved
        assert archive.add_aliases("so-a", {"2": variants["1"][:10]}) == 0
        assert archive.resolve("https://so-a.gov.vn/tin/1?utm=3") == ("so-a", "1")
        with pytest.raises(KeyError, match="so-a:nope"):
            archive.add_aliases("so-a", {"3": ["https://so-a.gov.vn/new"], "nope": ["x"]})
        assert archive.resolve("https://so-a.gov.vn/new") is None  # nothing written


def test_a_record_inserts_its_urls_in_one_statement(
    tmp_path: Path, fresh_backend: str | None, monkeypatch: pytest.MonkeyPatch
):
    from archive import batchwrites

    insert_rows = batchwrites.insert_rows

    def counted(conn, table, rows):  # SQLite's batch inserts go past SQLAlchemy's events
        if table.name == "aliases" and conn.dialect.name == "sqlite":
            counts["alias_inserts"] += 1
        return insert_rows(conn, table, rows)

    monkeypatch.setattr(batchwrites, "insert_rows", counted)
    with Archive.open(tmp_path / "data") as archive:
        counts = _counting(archive)
        aliases = [f"https://so-a.gov.vn/tin/7?v={j}" for j in range(300)]
        assert archive.record(_record(7, aliases=aliases), None) == "new"
        assert counts["alias_inserts"] == 1
        assert len(archive.article("so-a", "7")["aliases"]) == 300 + 0  # url is canonical


def test_key_aliases_are_batched(tmp_path: Path, fresh_backend: str | None):
    with Archive.open(tmp_path / "data") as archive:
        for i in range(3):
            archive.record(_record(i), None)
        rekeyed = {f"old-{j}": str(j % 3) for j in range(2_500)}
        rekeyed["1"] = "0"  # an article's own key is never another's alias
        counts = _counting(archive)
        assert archive.add_key_aliases("so-a", rekeyed) == 2_500
        assert counts["transactions"] <= 3 + 1
        assert archive.add_key_aliases("so-a", {"old-1": "2"}) == 0  # taken: stays with 1
        assert archive.add_key_alias("so-a", "2", "old-1") is False
        with pytest.raises(KeyError):
            archive.add_key_aliases("so-a", {"x": "nope"})


def test_the_crawl_writes_its_variants_in_batches(tmp_path: Path, fresh_backend: str | None):
    """crawler/pipelines.py: close_spider hands the spider's variants over at once."""
    from types import SimpleNamespace

    from crawler.pipelines import ArchivePipeline

    with Archive.open(tmp_path / "data") as archive:
        for i in range(2):
            archive.record(_record(i), None)
        spider = SimpleNamespace(
            site_id="so-a",
            aliases={"0": {f"https://so-a.gov.vn/tin/0?p={j}" for j in range(1_500)},
                     "gone": {"https://so-a.gov.vn/gone?p=1"}},
            rekeyed={"0-print": "0", "x": "gone"},
        )  # fmt: skip
        session = SimpleNamespace(archive=archive, is_open=True, stopping=False)
        pipeline = ArchivePipeline.__new__(ArchivePipeline)
        pipeline.crawler = SimpleNamespace(spider=spider)
        pipeline.session = session
        counts = _counting(archive)
        pipeline.close_spider()
        assert counts["alias_inserts"] == 2  # 1,500 URLs: two batches
        assert len(archive.article("so-a", "0")["aliases"]) == 1_500
        assert archive.resolve("https://so-a.gov.vn/gone?p=1") is None
        with archive._read() as conn:
            assert archive._article_id(conn, "so-a", "0-print") == archive._article_id(
                conn, "so-a", "0"
            )
            assert archive._article_id(conn, "so-a", "x") is None


# --------------------------------------------------------------------------- markup


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "srcset", "poster"):
                self.targets.append((tag, name, value or ""))


def _assert_only_safe_targets(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    for tag, name, value in parser.targets:
        ours = value.startswith("/") and not value.startswith("//")
        web = re.match(r"https?://", value, flags=re.I) is not None
        assert ours or web or value in ("", "#"), f"<{tag} {name}={value!r}>"
    return [value for _tag, _name, value in parser.targets]


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://so-a.gov.vn/a?b=1&c=2", True),
        ("HTTP://SO-A.GOV.VN/", True),
        ('http://so-a.gov.vn/" onmouseover="alert(1)', True),  # quotes escaped
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/", False),
        ("/articles/x", False),  # a stored URL is never "ours", even when relative
        ("ftp://so-a.gov.vn/f", False),
        ("https:evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_url_link_filter(url: str | None, link: bool):
    html = str(url_link(url))
    assert html.startswith("<a ") == link
    _assert_only_safe_targets(html)
    assert "<script" not in html and 'onmouseover="' not in html


def test_article_page_renders_other_schemes_as_text(client: TestClient):
    r = client.get("/articles/so-a:evil-urls")
    assert r.status_code == 200
    targets = _assert_only_safe_targets(r.text)
    low = r.text.lower()
    for url in HOSTILE_URLS.values():
        assert url not in targets
    assert "javascript:" in low and "vbscript:" in low and "data:text/html" in low  # as text
    assert "&lt;script&gt;" in r.text and "<script" not in low
    assert GOOD_ATTACHMENT in targets  # http(s) still a link
    assert any(t.startswith("https://so-a.gov.vn/tin/evil-urls") for t in targets)
    assert 'class="url not-a-link"' in r.text

    api = client.get("/api/articles/so-a:evil-urls").json()  # JSON keeps the data as it is
    assert api["url"] == HOSTILE_URLS["canonical"]
    assert HOSTILE_URLS["alias_mixed_case"] in api["aliases"]


def test_search_page_links_are_ours(client: TestClient):
    r = client.get("/search", params={"q": "đường dẫn độc hại"})
    assert r.status_code == 200 and "evil-urls" in r.text
    _assert_only_safe_targets(r.text)


# --------------------------------------------------------------------------- web API and pages


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "lao", "date_from": "2024-13-45"}, "not a date"),
        ({"q": "lao", "date_to": "2024-02-30"}, "not a date"),
        ({"q": "lao", "date_from": "tomorrow-ish"}, "not a date"),
        ({"q": "lao", "date_from": "2024-06-01", "date_to": "2024-01-01"}, "after"),
        ({"q": NESTED_500}, "nested parentheses"),
        ({"q": PREFIX_800}, "prefix too short"),
        # URLs are shorter than the CLI's arguments (httpx stops at 64 KiB, uvicorn's h11 at
        # 16 KiB of request line): the 10,000 words and 100,000 letters are tested above
        ({"q": " ".join(WORDS[i % len(WORDS)] for i in range(2_000))}, "too many words"),
        ({"q": "a" * 5_000}, "too long"),
        ({"q": '"thương binh'}, "unbalanced quote"),
        ({"q": "lao", "author": "a\x00b"}, "NUL"),
        ({"q": "lao", "offset": str(10**20)}, "at most"),
        ({"q": "lao", "site": "so-a\x00"}, "NUL"),
    ],
    ids=lambda v: None,
)
def test_api_answers_400_with_one_line(client: TestClient, params: dict, message: str):
    with answered_within():
        r = client.get("/api/search", params=params)
    assert r.status_code == 400, r.text[:300]
    error = r.json()["error"]
    assert message in error and "\n" not in error


@pytest.mark.parametrize("value", ["2024-02-29", "today", "yesterday", "7d", "15/01/2025"])
def test_api_accepts_the_cli_date_forms(client: TestClient, value: str):
    r = client.get("/api/search", params={"q": "lao", "date_from": value, "date_to": value})
    assert r.status_code == 200, r.text
    r = client.get("/api/search", params={"q": "lao\x00động"})  # NUL in the query: a space
    assert r.status_code == 200 and r.json()["total"] > 0


@pytest.mark.parametrize(
    "params",
    [
        {"q": "lao", "date_from": "2024-13-45"},
        {"q": "lao", "date_to": "2024-02-30"},
        {"q": NESTED_500},
        {"q": PREFIX_800},
        {"q": "lao", "page": str(10**20)},
    ],
    ids=lambda v: None,
)
def test_search_page_and_export_answer_400_with_a_message(client: TestClient, params: dict):
    with answered_within():
        r = client.get("/search", params=params)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert 'id="search-error"' in r.text
    if "page" not in params:
        export = client.get("/search/export", params=params)
        assert export.status_code == 400 and 'id="error"' in export.text


def test_a_search_past_its_budget_is_a_400_saying_so(
    client: TestClient, archive: Archive, monkeypatch
):
    real_hits = search_module.hits

    def slow_hits(conn, *args, **kwargs):
        conn.exec_driver_sql(_slow_sql(archive)).all()
        return real_hits(conn, *args, **kwargs)

    monkeypatch.setattr(search_module, "hits", slow_hits)
    monkeypatch.setattr(search_module, "SEARCH_TIMEOUT", 0.3)
    with answered_within():
        r = client.get("/api/search", params={"q": "lao"})
    assert r.status_code == 400 and "too costly" in r.json()["error"]
    page = client.get("/search", params={"q": "lao"})
    assert page.status_code == 400 and "too costly" in page.text
    monkeypatch.undo()
    assert client.get("/api/search", params={"q": "lao"}).status_code == 200

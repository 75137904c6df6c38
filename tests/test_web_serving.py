"""`luutru serve` under many readers: worker count, read-only reader connections, caches
that a new version invalidates, requests served side by side, the highlight fast path.
No timings here: the figures are `python -m bench --only serve`."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from archive.readers import ReadOnlyArchiveError
from archive.records import Gone
from archive.store import Archive
from luutru.cli import main
from luutru.cli_parser import build_parser
from luutru.config import load_config
from luutru.web import service
from luutru.web.app import create_app
from luutru.web.highlight import _parsed, safe_highlight
from luutru.web.server import open_reader, worker_count
from luutru.web.settings import WebSettings
from tests.archive_builders import news_record


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with Archive.open(tmp_path) as archive:
        archive.record(news_record("1", "Hội nghị về an toàn lao động tại huyện Đông Sơn."), None)
    return tmp_path


# --------------------------------------------------------------------------- workers


def test_workers_option_is_parsed_and_checked(capsys: pytest.CaptureFixture) -> None:
    parser = build_parser()
    assert parser.parse_args(["serve", "--workers", "3"]).workers == 3
    assert parser.parse_args(["serve"]).workers is None
    for bad in ("0", "-2", "many"):
        with pytest.raises(SystemExit) as exited:
            parser.parse_args(["serve", "--workers", bad])
        assert exited.value.code == 2
        assert "--workers" in capsys.readouterr().err


def test_worker_count_option_then_configuration_then_cpus(tmp_path: Path) -> None:
    assert worker_count(None, 0) == (os.cpu_count() or 1)
    assert worker_count(None, 3) == 3
    assert worker_count(2, 3) == 2
    (tmp_path / "luutru.toml").write_text("[server]\nworkers = 4\n", "utf-8")
    assert load_config(tmp_path).server.workers == 4


def test_a_bad_workers_setting_is_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "luutru.toml").write_text('[server]\nworkers = "lots"\n', "utf-8")
    assert main(["serve", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "workers" in err and "Traceback" not in err


# --------------------------------------------------------------------------- readers


def test_reader_connections_refuse_writes_and_see_new_commits(data: Path) -> None:
    reader = open_reader(data, None)
    try:
        assert reader.read_only
        with pytest.raises(OperationalError, match="readonly"), reader.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM runs")
        with pytest.raises(ReadOnlyArchiveError):
            reader.start_run("demo-aspnet")
        assert reader.counts()["articles"] == 1
        with Archive.open(data) as writer:  # a crawl beside the server
            writer.record(news_record("2", "Một bài khác."), None)
        assert reader.counts()["articles"] == 2  # not immutable: the commit is seen
    finally:
        reader.close()
    assert not list(data.glob("*.sqlite-journal"))


# --------------------------------------------------------------------------- caches


def test_cached_search_is_recomputed_when_a_version_is_archived(data: Path) -> None:
    settings = WebSettings(data=str(data))
    app = create_app(settings, archive=open_reader(data, None), close_archive=True)
    with TestClient(app) as client:
        cache = app.state.cache
        first = client.get("/api/search", params={"q": "lao động"}).json()
        assert first["total"] == 1
        misses = cache.misses
        again = client.get("/api/search", params={"q": "lao động"}).json()
        assert again == first and cache.misses == misses  # answered from the cache
        page = client.get("/articles/demo-aspnet:1").text
        assert "Đông Sơn" in page
        with Archive.open(data) as writer:
            writer.record(news_record("3", "Tuyển dụng lao động cho khu công nghiệp."), None)
            writer.record(
                news_record("1", "Hội nghị về an toàn lao động tại huyện Hà Trung."), None
            )
        after = client.get("/api/search", params={"q": "lao động"}).json()
        assert after["total"] == 2
        article = client.get("/api/articles/demo-aspnet:1").json()
        assert article["version_count"] == 2
        assert "Hà Trung" in client.get("/articles/demo-aspnet:1").text


def test_a_crawl_commit_without_a_new_version_keeps_cached_searches(data: Path) -> None:
    """Runs, crawl state and captures of unchanged pages change nothing a search shows:
    the cached page stays; an article found removed changes its status: recomputed."""
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client:
        cache = app.state.cache
        removed = {"q": "lao động", "status": "removed"}
        first = client.get("/api/search", params={"q": "lao động"}).json()
        assert client.get("/api/search", params=removed).json()["total"] == 0
        misses = cache.misses
        with Archive.open(data) as writer:  # a crawl that found nothing new
            run = writer.start_run("demo-aspnet")
            writer.finish_run(run, "ok", {})
        assert client.get("/api/search", params={"q": "lao động"}).json() == first
        assert cache.misses == misses  # still the cached page and facets
        with Archive.open(data) as writer:
            gone = Gone("demo-aspnet", "1", "http://127.0.0.1:9/tin?id=1",
                        "2024-06-01T08:00:00+07:00", 404, vanished=True)  # fmt: skip
            assert writer.gone(gone, None) == "removed"
        assert client.get("/api/search", params=removed).json()["total"] == 1
        hit = client.get("/api/search", params={"q": "lao động"}).json()["hits"][0]
        assert hit["status"] == "removed"


def test_a_version_the_query_does_not_match_keeps_its_cached_page(data: Path) -> None:
    """A crawl adding versions other queries match leaves this query's page (and facets)
    cached; a new version that takes an article out of the matches does not."""
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client:
        cache = app.state.cache
        first = client.get("/api/search", params={"q": "lao động"}).json()
        assert first["total"] == 1
        misses = cache.misses
        with Archive.open(data) as writer:
            writer.record(news_record("4", "Tuyển sinh lớp mười tại huyện Nga Sơn."), None)
        assert client.get("/api/search", params={"q": "lao động"}).json() == first
        assert cache.misses == misses and cache.revalidated == 2  # page and facets
        assert client.get("/api/search", params={"q": "Nga Sơn"}).json()["total"] == 1
        with Archive.open(data) as writer:  # article 1 no longer says "lao động"
            writer.record(
                news_record("1", "Hội nghị về an toàn giao thông tại huyện Đông Sơn."), None
            )
        after = client.get("/api/search", params={"q": "lao động"}).json()
        assert after["total"] == 0 and after["facets"]["site"] == []


def test_while_versions_keep_arriving_a_search_lags_by_at_most_search_lag(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first new version shows at once; once a page was recomputed for new versions,
    later ones show within SEARCH_LAG, in the facet counts within FACETS_LAG (a crawl
    writing does not recompute them each time), recomputed in the background: the reader
    who finds the page due gets it as it was."""
    from luutru.web import cache as web_cache

    monkeypatch.setattr(web_cache, "SEARCH_LAG", 60.0)  # no slow machine outlasts it
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client:
        cache = app.state.cache

        def total() -> int:
            return client.get("/api/search", params={"q": "lao động"}).json()["total"]

        assert total() == 1
        with Archive.open(data) as writer:
            writer.record(news_record("3", "Tuyển dụng lao động cho khu công nghiệp."), None)
        assert total() == 2 and cache.stale_served == 0  # at once
        with Archive.open(data) as writer:
            writer.record(news_record("4", "Lao động nông thôn được học nghề."), None)
        assert total() == 2 and cache.stale_served == 2  # within the lag: page and facets
        monkeypatch.setattr(web_cache, "SEARCH_LAG", 0.0)  # as when the lag has passed
        assert total() == 2  # due: answered as it was, recomputed in the background
        assert cache.wait_refreshed() and cache.refreshed >= 1
        assert total() == 3

        def counted() -> int:
            facets = client.get("/api/search", params={"q": "lao động"}).json()["facets"]
            return sum(item["count"] for item in facets["site"])

        assert counted() == 2  # the facets lag longer (FACETS_LAG: they cost more)
        monkeypatch.setattr(web_cache, "FACETS_LAG", 0.0)
        assert counted() == 2
        assert cache.wait_refreshed()
        assert counted() == 3


def test_a_page_due_beside_new_versions_is_recomputed_in_the_background(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from luutru.web import cache as web_cache

    monkeypatch.setattr(web_cache, "SEARCH_LAG", 0.0)
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app):
        cache = app.state.cache
        assert cache.search(("k",), lambda: "v1") == "v1"

        def add(key: str) -> None:
            with Archive.open(data) as writer:
                writer.record(news_record(key, f"Tin lao động số {key}."), None)

        add("3")
        assert cache.search(("k",), lambda: "v2") == "v2"  # after a quiet spell: at once
        add("4")  # versions keep coming: the page is due (lag 0)
        release, threads = threading.Event(), []

        def slow() -> str:
            threads.append(threading.current_thread().name)
            release.wait(10)
            return "v3"

        assert cache.search(("k",), slow) == "v2"  # answered as it was, not after `slow`
        assert cache.search(("k",), lambda: "never") == "v2"  # being recomputed
        release.set()
        assert cache.wait_refreshed()
        assert threads and threads[0].startswith("luutru-refresh")
        assert cache.search(("k",), lambda: "never") == "v3"
        # Never more than STALE_LIMIT behind: past it the reader's request recomputes.
        add("5")
        monkeypatch.setattr(web_cache, "STALE_LIMIT", 0.0)
        assert cache.search(("k",), lambda: "v4") == "v4"


def test_a_first_new_version_while_other_pages_are_computed_is_refreshed_behind(
    data: Path,
) -> None:
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app):
        cache = app.state.cache
        assert cache.search(("a",), lambda: "a1") == "a1"
        assert cache.search(("b",), lambda: "b1") == "b1"
        with Archive.open(data) as writer:  # a crawl starts writing: both pages are due
            writer.record(news_record("3", "Tuyển dụng lao động cho khu công nghiệp."), None)
        release = threading.Event()

        def slow() -> str:
            release.wait(10)
            return "a2"

        with ThreadPoolExecutor(1) as pool:
            computing = pool.submit(cache.search, ("a",), slow)  # after a quiet spell
            while ("search", ("a",)) not in cache._running:
                threading.Event().wait(0.01)
            # "b" meanwhile: answered as it was, recomputed behind "a"
            assert cache.search(("b",), lambda: "b2") == "b1"
            release.set()
            assert computing.result(10) == "a2"
        assert cache.wait_refreshed()
        assert cache.search(("b",), lambda: "never") == "b2"


def test_lookups_never_evict_search_pages(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beside a crawl each commit makes new lookup keys (an article at this marker): they
    once filled the cache the search pages shared and evicted them."""
    from luutru.web import cache as web_cache

    monkeypatch.setattr(web_cache, "SEARCH_ENTRIES", 4)
    monkeypatch.setattr(web_cache, "LOOKUP_ENTRIES", 4)
    cache = web_cache.WebCache(open_reader(data, None))
    try:
        assert cache.search(("k",), lambda: "page") == "page"
        for i in range(20):
            assert cache.get(("find", i), lambda i=i: i) == i
        assert cache.search(("k",), lambda: "evicted") == "page"
    finally:
        cache.close()


def test_a_reader_is_not_kept_waiting_while_the_same_page_is_recomputed(data: Path) -> None:
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app):
        cache = app.state.cache
        assert cache.search(("k",), lambda: "before") == "before"
        with Archive.open(data) as writer:  # new versions: the page must be recomputed
            writer.record(news_record("3", "Tuyển dụng lao động cho khu công nghiệp."), None)
        release = threading.Event()

        def slow() -> str:
            release.wait(10)
            return "after"

        with ThreadPoolExecutor(1) as pool:
            computing = pool.submit(cache.search, ("k",), slow)
            while ("search", ("k",)) not in cache._running:
                threading.Event().wait(0.01)
            # Answered at once with the page as it was, not after ONCE_WAIT.
            assert cache.search(("k",), lambda: "never") == "before"
            release.set()
            assert computing.result() == "after"
        assert cache.search(("k",), lambda: "never") == "after"


def test_unchanged_since_errs_on_changed(data: Path) -> None:
    from archive.search_fresh import unchanged_since

    reader = open_reader(data, None)
    try:
        with reader.engine.connect() as conn:
            marks = conn.exec_driver_sql(
                "SELECT (SELECT max(id) FROM versions), (SELECT max(id) FROM search_docs)"
            ).one()
        assert unchanged_since(reader, "lao động", False, *marks)  # nothing new
        assert not unchanged_since(reader, "", False, *marks)  # the newest articles
        assert not unchanged_since(reader, "lao động", False, None, None)
        with Archive.open(data) as writer:
            writer.record(news_record("5", "Lao động nông thôn được học nghề."), None)
        assert not unchanged_since(reader, "lao dong", False, *marks)  # matched, folded
        assert not unchanged_since(reader, "nông thôn", True, *marks)  # matched, exact
        assert unchanged_since(reader, "giao thông", False, *marks)  # not matched
        assert not unchanged_since(reader, '"lao động', False, *marks)  # bad syntax
    finally:
        reader.close()


def test_the_facets_are_counted_once_for_every_page_of_a_query(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    real = service._search

    def counting(archive, params, page=True):
        calls.append(page)
        return real(archive, params, page=page)

    monkeypatch.setattr(service, "_search", counting)
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client:
        answers = [
            client.get("/api/search", params={"q": "lao", "offset": offset, "sort": sort}).json()
            for offset, sort in ((0, "relevance"), (20, "relevance"), (0, "date"))
        ]
    assert calls.count(False) == 1  # one count of the facets, three pages
    assert len(calls) == 4
    assert answers[0]["facets"] == answers[1]["facets"] == answers[2]["facets"]
    assert answers[0]["facets"]["site"][0]["count"] == 1


def test_a_prefix_search_works_on_read_only_reader_connections(data: Path) -> None:
    """A prefix reads the FTS vocabulary through a temp table, which a query_only
    connection could not create on demand (it answered 500)."""
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client:
        answer = client.get("/api/search", params={"q": "lao*"})
        assert answer.status_code == 200 and answer.json()["total"] == 1
        assert client.get("/search", params={"q": "đông sơ*", "exact": "true"}).status_code == 200


def test_a_route_cannot_spoil_what_the_next_request_gets(data: Path) -> None:
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client:
        html = client.get("/search", params={"q": "lao"}).text  # adds markup to its hits
        assert client.get("/search", params={"q": "lao"}).text == html
        api = client.get("/api/search", params={"q": "lao"}).json()
        assert all("title_markup" not in hit for hit in api["hits"])


# --------------------------------------------------------------------------- concurrency


def test_two_searches_are_served_at_the_same_time(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each search waits at a barrier for the other one: served one at a time, the first
    would wait alone and break the barrier (a 500) instead of both answering."""
    barrier = threading.Barrier(2, timeout=20)
    real = service._search

    def meeting(archive, params, **kw):
        barrier.wait()
        return real(archive, params, **kw)

    monkeypatch.setattr(service, "_search", meeting)
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client, ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda q: client.get("/api/search", params={"q": q}),
                ["lao động", "hội nghị"],  # two queries: two cache keys, two searches
            )
        )
    assert [a.status_code for a in answers] == [200, 200]
    assert not barrier.broken


def test_readers_asking_for_one_missing_page_compute_it_once(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first reader computes; the second waits for it (its wait lets the first one
    finish) instead of computing the same page beside it."""
    import types

    from luutru.web import cache as cache_module

    waiting = threading.Event()

    class Watched(threading.Event):
        def wait(self, timeout=None):
            waiting.set()
            return super().wait(timeout)

    monkeypatch.setattr(
        cache_module, "threading", types.SimpleNamespace(Lock=threading.Lock, Event=Watched)
    )
    calls: list[bool] = []
    real = service._search

    def slow(archive, params, page=True):
        calls.append(page)
        if len(calls) == 1:
            assert waiting.wait(20), "the second reader never waited"
        return real(archive, params, page=page)

    monkeypatch.setattr(service, "_search", slow)
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    query = {"q": "lao động", "facets": "false"}
    with TestClient(app) as client, ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: client.get("/api/search", params=query), range(2)))
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert calls == [True]  # one computation of the page


# --------------------------------------------------------------------------- highlights

_pieces = st.lists(
    st.sampled_from(
        [
            "<mark>",
            "</mark>",
            "&amp;",
            "&lt;",
            "&#39;",
            "&",
            "<",
            ">",
            '"',
            "a",
            "động",
            " ",
            "<b>",
            "<!--",
            "<mark x=1>",
        ]
    ),
    max_size=12,
)


@given(_pieces)
def test_the_highlight_fast_path_says_what_the_parser_says(pieces: list[str]) -> None:
    fragment = "".join(pieces)
    slow = _parsed(fragment)
    slow += "</mark>" * max(slow.count("<mark>") - slow.count("</mark>"), 0)
    assert str(safe_highlight(fragment)) == slow

"""The crawl benchmark's measure on a portal nobody wrote selectors for (bench/crawl.py)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench import crawl, real_portal
from bench.summary import _crawl
from crawler.profiles import load_profiles


def test_the_unprofiled_site_is_a_profile_without_selectors(tmp_path: Path) -> None:
    sites = crawl.unprofiled_sites(tmp_path / "profiles")
    profile = load_profiles(tmp_path / "profiles")[sites[0]]
    assert profile.listing.links == "" and profile.listing.next == ""
    assert profile.article.title == "" and profile.article.body == ""
    assert profile.start_urls == ("http://127.0.0.1:8765/lf/web/so-tttt/trang-chu",)


def _measure(delay: float, unprofiled: bool) -> dict:
    side = {"pages_per_s": 100.0, "cpu_ms_per_page": 10.0}
    return {"luutru": side, "bare": {**side, "pages_per_s": 125.0}, "ratio_luutru_over_bare": 0.8,
            "portal_delay_s": delay, "page_padding_kb": 0, "unprofiled": unprofiled,
            "articles": 1000, "rounds": 1}  # fmt: skip


def test_the_summary_names_the_unprofiled_measure() -> None:
    result = {**_measure(0.0, False), "unprofiled": _measure(0.05, True)}
    metrics = [row["metric"] for row in _crawl(result)]
    assert metrics == [
        "crawl throughput, luutru crawl (loopback)",
        "crawl throughput, luutru crawl (one portal without selectors, answering in 0.05 s)",
    ]


def test_the_real_pages_site_is_a_profile_without_selectors(tmp_path: Path) -> None:
    sites = crawl.real_pages_sites(tmp_path / "profiles")
    profile = load_profiles(tmp_path / "profiles")[sites[0]]
    assert profile.listing.links == "" and profile.article.body == ""
    assert profile.start_urls == ("http://127.0.0.1:8765/list/1",)


def test_the_portal_of_real_pages_serves_listings_and_numbered_real_articles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bench/real_portal.py: 20 dated links a listing page and a pager up to the last
    article; each article one of the five real pages with its headline numbered."""
    monkeypatch.setattr(real_portal.Handler, "articles", 45)
    server = real_portal.Server(("127.0.0.1", 0), real_portal.Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:

        def get(path: str) -> str:
            with urllib.request.urlopen(base + path, timeout=5) as answer:
                return answer.read().decode("utf-8")

        first, last = get("/list/1"), get("/list/3")
        assert first.count('href="/a/') == 20 and 'href="/list/2"' in first
        assert last.count('href="/a/') == 5 and "/list/4" not in last
        pages = real_portal.real_pages()
        assert len(pages) == 5
        _page, title = pages[7 % 5]
        article = get("/a/7")
        assert title.decode() + " (7)" in article and len(article) > 40_000
        assert '<link href="/a/7" rel="canonical" />' in article  # its own URL, as declared
        for missing in ("/a/45", "/list/4", "/list/0", "/x"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                get(missing)
    finally:
        server.shutdown()
        server.server_close()


def test_the_summary_names_the_real_pages_measure() -> None:
    result = {**_measure(0.0, False), "real_pages": _measure(0.05, True)}
    metrics = [row["metric"] for row in _crawl(result)]
    assert metrics[-1] == (
        "crawl throughput, luutru crawl (real pages without selectors, answering in 0.05 s)"
    )


def test_bare_crawlers_are_the_luutru_sites_named_in_the_url_list() -> None:
    """bench/bare_spider.py runs one crawler per luutru site, so both sides have the same
    download slots: the portal of real pages is one site, though its listings (/list)
    and articles (/a) differ in their first path segment."""
    from bench.bare_spider import group_by_site

    lines = [
        "bench-real-pages\thttp://127.0.0.1:1/list/1",
        "bench-real-pages\thttp://127.0.0.1:1/a/0",
        "bench-real-pages\thttp://127.0.0.1:1/list/2",
    ]
    assert group_by_site(lines) == {
        "bench-real-pages": [
            "http://127.0.0.1:1/list/1",
            "http://127.0.0.1:1/a/0",
            "http://127.0.0.1:1/list/2",
        ]
    }


def test_bare_urls_without_a_site_go_by_their_first_path_segment() -> None:
    from bench.bare_spider import group_by_site

    urls = ["http://h/lf/a", "http://h/asp/b", "http://h/lf/c", "http://h/"]
    assert group_by_site(urls) == {
        "lf": ["http://h/lf/a", "http://h/lf/c"],
        "asp": ["http://h/asp/b"],
        "-": ["http://h/"],
    }


def test_the_ratio_by_whole_command_counts_start_up_and_exit() -> None:
    """Same pages, the crawl phase at 0.9 of bare Scrapy's rate; luutru's command lives
    1.2 s longer around it than bare Scrapy's 0.5 s: 100/8.4 against 100/6.1."""
    from bench.crawl import _by_process_wall

    one = {
        "luutru": {"pages": 100, "process_wall_seconds": 8.4},
        "bare": {"pages": 100, "process_wall_seconds": 6.1},
    }
    assert round(_by_process_wall(one), 3) == round(6.1 / 8.4, 3)
    assert _by_process_wall({**one, "bare": {"pages": 0, "process_wall_seconds": 0.0}}) == 0.0
    measure = {
        **_measure(0.0, False),
        "ratio_by_process_wall": 0.726,
        "luutru": {"pages_per_s": 100.0, "cpu_ms_per_page": 10.0, "process_wall_seconds": 8.4},
        "bare": {"pages_per_s": 125.0, "cpu_ms_per_page": 2.0, "process_wall_seconds": 6.1},
    }
    (row,) = _crawl(measure)
    assert "x0.726 by each command's whole wall time (8.40 vs 6.10 s)" in row["notes"]


def test_the_cpu_budget_is_what_the_cpus_allow_beside_the_portal() -> None:
    # 1,000 pages/s of bare Scrapy, x0.85 of it is 850 pages/s: 2 CPUs give 2.35 ms of
    # CPU a page, the portal's 0.5 ms taken off
    assert crawl.cpu_budget_ms_per_page(1000.0, 0.5, 2) == 1.85
    # a slow portal leaves a crawler far more than it needs; a greedy one nothing
    assert crawl.cpu_budget_ms_per_page(60.0, 1.0, 2) == 38.22
    assert crawl.cpu_budget_ms_per_page(1000.0, 5.0, 2) == 0.0
    assert crawl.cpu_budget_ms_per_page(0.0, 0.5, 2) is None
    assert crawl.cpu_budget_ms_per_page(1000.0, None, 2) is None


def test_the_budget_line_says_whether_the_crawl_is_bound_by_the_cpus() -> None:
    result = {
        "cpu_budget_ms_per_page": 1.85,
        "cpus": 2,
        "luutru": {"cpu_ms_per_page": 7.7},
        "bare": {"portal_cpu_ms_per_page": 0.5},
    }
    assert "over it: this measure is bound by the CPUs" in crawl.budget_line(result)
    result["luutru"]["cpu_ms_per_page"] = 1.2
    assert "within it" in crawl.budget_line(result)
    assert "not measured" in crawl.budget_line({"cpu_budget_ms_per_page": None})


def test_a_portals_cpu_is_read_while_it_runs(tmp_path: Path) -> None:
    from bench.processes import cpu_seconds, portal

    with portal(40, tmp_path) as served:
        before = cpu_seconds(served.pid)
        assert before > 0  # its start-up
        # /proc counts in clock ticks (10 ms): serve until the portal's count moves
        deadline = time.monotonic() + 10
        while cpu_seconds(served.pid) == before and time.monotonic() < deadline:
            urllib.request.urlopen(f"{served.base}/robots.txt", timeout=10).close()
        assert cpu_seconds(served.pid) > before

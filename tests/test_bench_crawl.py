"""The crawl benchmark's measure on a portal nobody wrote selectors for (bench/crawl.py)."""

from __future__ import annotations

from pathlib import Path

from bench import crawl
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

"""bench/scale.py's generator and a tiny scale run; bench/startup.py's import-time reading."""

from __future__ import annotations

import os
from collections import Counter
from itertools import islice

import pytest

from bench import scale, startup


def test_synthetic_versions_count_edits_and_repeat() -> None:
    records = list(scale.synthetic_versions(2_600))
    assert len(records) == 2_600
    per_key = Counter((r.site, r.article_key) for r in records)
    assert set(per_key.values()) == {1, 2}
    twice = [k for k, n in per_key.items() if n == 2]
    assert len(twice) == 2_600 - len(per_key)  # every extra capture is an edit
    first = {(r.site, r.article_key): r for r in reversed(records)}  # version 1 wins
    edited = next(r for r in reversed(records) if (r.site, r.article_key) == twice[0])
    assert edited.body != first[twice[0]].body and edited.body.startswith(first[twice[0]].body)
    assert len({r.site for r in records}) == scale.SITES
    again = list(islice(scale.synthetic_versions(2_600), 50))
    assert [r.body for r in again] == [r.body for r in records[:50]]  # the same every time


@pytest.mark.slow
def test_a_small_scale_run_measures_every_figure() -> None:
    result = scale.run(240)
    r = result["sqlite"]
    assert r["build"]["outcomes"] == {"new": 200, "updated": 40}
    assert r["build"]["counts"]["versions"] == 240
    assert r["db_bytes"] > 0 and r["warc_bytes"] > 240 * 5_000  # real page chrome, gzipped
    assert r["memory"]["keys"] == 4  # tinh-00: articles 0, 60, 120, 180
    assert r["memory"]["crawl_state_bytes_per_key"] > 0
    assert r["search"]["queries"] == scale.QUERIES
    assert "province (5M versions)" in scale.table(result)


def test_importtime_names_what_a_command_imports() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    seen = startup.importtime(["-c", "import sqlite3"], env, runs=1, top=100)
    assert "sqlite3" in seen["top_ms"] and seen["total_ms"] > 0


def test_a_query_the_archive_stops_is_counted_not_fatal(monkeypatch) -> None:
    """At a million versions a query may pass SEARCH_TIMEOUT: the run reports it per kind
    (what a reader would get) instead of losing the hour-long build to a traceback."""
    import archive.search as search_module

    def search(archive, query, **kwargs):
        if query == "ki*":
            raise search_module.SearchTooCostly("stopped after 5 s")

    monkeypatch.setattr(search_module, "search", search)
    out = scale.time_queries(object(), seed=1)
    assert out["stopped"]["short prefix"] >= 1 and set(out["stopped"]) == {"short prefix"}
    assert out["queries"] == scale.QUERIES
    assert set(out["worst_by_kind_ms"]) == {label for _kwargs, label in scale.QUERY_MIX}

"""Search benchmark: query latency of ``archive.search.search`` at 10k and N articles.

The archive is built fast: article and version rows are bulk-inserted straight into a
migrated archive (the demo portal's sentences, filled with figures and districts, ~2 KB
bodies), then ``Archive.reindex_search()`` indexes them (its time is reported too). At
10k articles, and again at ``--search-articles`` (default 100k), 200 mixed queries are
timed (words with and without diacritics, phrases, AND/OR/NOT, prefixes, filters, date
sort, exact mode), each the full call: count, page of 20, snippets.

    python -m bench --only search [--search-articles 100000]
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SITES = ("demo-liferay", "demo-aspnet")
QUERIES = 200
QUERY_MIX = [
    ({"query": "lao dong"}, "words, no diacritics"),
    ({"query": "lao động"}, "words"),
    ({"query": "thương binh"}, "words"),
    ({"query": "dang uy"}, "words, đ folded"),
    ({"query": '"thương binh"'}, "phrase"),
    ({"query": '"tai nan lao dong"'}, "phrase"),
    ({"query": "hội nghị AND huyện"}, "AND"),
    ({"query": "tuyển dụng OR việc làm"}, "OR"),
    ({"query": "lao động NOT tuyển"}, "NOT"),
    ({"query": "bảo hiểm -thất"}, "-word"),
    ({"query": "thuong*"}, "prefix"),
    ({"query": "ki*"}, "short prefix"),
    ({"query": "(hội nghị OR hội thảo) AND kế hoạch"}, "parentheses"),
    ({"query": "lao dong", "sites": "demo-aspnet"}, "site filter"),
    ({"query": "lao dong", "date_from": "2023-01-01", "date_to": "2023-12-31"}, "date range"),
    ({"query": "lao dong", "sort": "date"}, "date sort"),
    ({"query": "lao động", "exact": True}, "exact"),
    ({"query": "y tế", "province": "Hòa An"}, "province"),
    ({"query": "kiểm tra", "author": "nguyen"}, "author"),
    ({"query": "việc làm", "status": "live"}, "status"),
]


def _sentences(rng: random.Random, count: int) -> list[str]:
    from demo_portal.content import fill
    from demo_portal.vocab import SENTENCES

    return [fill(rng.choice(SENTENCES), rng, rng.randint(2019, 2025)) for _ in range(count)]


def _rows(start: int, count: int, rng: random.Random, pool: list[str]):
    from demo_portal.vocab import ACTORS, DISTRICTS, GIVENS, SURNAMES, TOPICS, VERBS

    articles, versions = [], []
    for i in range(start, start + count):
        site = SITES[i % 2]
        year = 2019 + i % 7
        day = f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        title = (
            f"{rng.choice(ACTORS[site])} {rng.choice(VERBS)} {rng.choice(TOPICS[site])} "
            f"tại huyện {rng.choice(DISTRICTS)} năm {year}"
        )
        paras = [" ".join(rng.choices(pool, k=rng.randint(2, 4))) for _ in range(5)]
        body = "\n\n".join(paras)
        author = f"{rng.choice(SURNAMES)} {rng.choice(GIVENS)}"
        at = f"{day}T08:00:00+07:00"
        articles.append((i + 1, site, str(i + 1), f"http://bench/{site}/{i + 1}", at, at))
        digest = hashlib.sha256(body.encode()).hexdigest()
        versions.append(
            (i + 1, i + 1, 1, at, digest, title[0].upper() + title[1:], day, author,
             paras[0][:200], body, "Tin tức")
        )  # fmt: skip
    return articles, versions


def _bulk_insert(path: Path, start: int, count: int, rng: random.Random, pool: list[str]):
    conn = sqlite3.connect(path)
    try:
        with conn:
            for first in range(start, start + count, 10_000):
                arts, vers = _rows(first, min(10_000, start + count - first), rng, pool)
                conn.executemany(
                    "INSERT INTO articles (id, site, article_key, canonical_url, first_seen, "
                    "last_seen, status) VALUES (?, ?, ?, ?, ?, ?, 'live')",
                    arts,
                )
                conn.executemany(
                    "INSERT INTO versions (id, article_id, number, fetched_at, content_hash, "
                    "title, date, author, summary, body, category) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    vers,
                )
    finally:
        conn.close()


def _time_queries(archive: Any, rng: random.Random) -> dict[str, Any]:
    from archive.search import search

    times: list[float] = []
    worst: dict[str, float] = {}
    for n in range(QUERIES):
        kwargs, label = (
            QUERY_MIX[n % len(QUERY_MIX)] if n < len(QUERY_MIX) else rng.choice(QUERY_MIX)
        )
        t0 = time.perf_counter()
        search(archive, **kwargs, limit=20)
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        worst[label] = max(worst.get(label, 0.0), ms)
    times.sort()
    return {
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
        "worst_by_kind_ms": {k: round(v, 1) for k, v in sorted(worst.items())},
    }


def run(articles: int = 100_000) -> dict[str, Any]:
    from archive.store import Archive

    rng = random.Random("bench-search")
    pool = _sentences(rng, 5_000)
    out: dict[str, Any] = {"steps": []}
    with (
        tempfile.TemporaryDirectory(prefix="luutru-bench-search-") as tmp,
        Archive.open(tmp) as archive,
    ):
        archive.upsert_site("demo-liferay", "Sở LĐ-TB&XH", "Hòa An", "Lao động")
        archive.upsert_site("demo-aspnet", "Sở Y tế", "Hòa An", "Y tế")
        assert archive.path is not None
        done = 0
        for size in sorted({min(10_000, articles), articles}):
            t0 = time.perf_counter()
            _bulk_insert(archive.path, done, size - done, rng, pool)
            t1 = time.perf_counter()
            indexed = archive.reindex_search()
            t2 = time.perf_counter()
            done = size
            step = {
                "articles": size,
                "insert_s": round(t1 - t0, 1),
                "reindex_s": round(t2 - t1, 1),
                "indexed": indexed,
                "db_mb": round(archive.path.stat().st_size / 1e6, 1),
                **_time_queries(archive, random.Random(size)),
            }
            out["steps"].append(step)
    return out


def table(result: dict[str, Any]) -> str:
    lines = [f"{'articles':>9} {'insert s':>9} {'reindex s':>10} {'p50 ms':>7} {'p95 ms':>7} "
             f"{'max ms':>7}"]  # fmt: skip
    for s in result["steps"]:
        lines.append(
            f"{s['articles']:>9} {s['insert_s']:>9} {s['reindex_s']:>10} {s['p50_ms']:>7} "
            f"{s['p95_ms']:>7} {s['max_ms']:>7}"
        )
        worst = ", ".join(f"{k} {v}" for k, v in s["worst_by_kind_ms"].items())
        lines.append(f"          worst by kind (ms): {worst}")
    return "\n".join(lines)


if __name__ == "__main__":
    result = run(10_000)
    print(table(result))

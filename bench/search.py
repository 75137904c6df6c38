"""Search benchmark: query latency of ``archive.search.search`` at 10k and N articles.

The archive is built fast: article and version rows are bulk-inserted straight into a
migrated archive (the demo portal's sentences, filled with figures and districts, ~2 KB
bodies), then ``Archive.reindex_search()`` indexes them (its time is reported too). At
10k articles, and again at ``--search-articles`` (default 100k), 200 mixed queries are
timed (words with and without diacritics, phrases, AND/OR/NOT, prefixes, filters, date
sort, exact mode), each the full call: count, page of 20, snippets.

With a PostgreSQL URL (``--search-pg-url`` or env ``LUUTRU_BENCH_PG_URL``) the same corpus
is built in PostgreSQL too (COPY, then the same reindex), in a schema of its own that is
dropped afterwards, and the same queries are timed there: one table, both backends.

    python -m bench --only search [--search-articles 100000] [--search-pg-url URL]
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
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


def _chunks(start: int, count: int, rng: random.Random, pool: list[str]):
    """(articles, versions) rows, 10k articles at a time: the same rows for the same
    (start, count) calls on an rng in the same state, whichever backend they go to."""
    for first in range(start, start + count, 10_000):
        yield _rows(first, min(10_000, start + count - first), rng, pool)


def _bulk_insert(path: Path, start: int, count: int, rng: random.Random, pool: list[str]):
    conn = sqlite3.connect(path)
    try:
        with conn:
            for arts, vers in _chunks(start, count, rng, pool):
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


def _pg_copy(archive: Any, start: int, count: int, rng: random.Random, pool: list[str]):
    """PostgreSQL: the same rows as ``_bulk_insert``, by COPY (one transaction)."""
    raw = archive.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        for arts, vers in _chunks(start, count, rng, pool):
            with cur.copy(
                "COPY articles (id, site, article_key, canonical_url, first_seen, last_seen) "
                "FROM STDIN"
            ) as copy:
                for row in arts:
                    copy.write_row(row)
            with cur.copy(
                "COPY versions (id, article_id, number, fetched_at, content_hash, title, date, "
                "author, summary, body, category) FROM STDIN"
            ) as copy:
                for row in vers:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _pg_mb(archive: Any) -> float:
    with archive.engine.connect() as conn:
        size = conn.exec_driver_sql(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        ).scalar()
    return round(int(size or 0) / 1e6, 1)


def _steps(archive: Any, sizes: list[int], insert: Any, size_mb: Any) -> list[dict[str, Any]]:
    """Grow the archive to each size (same corpus on every backend), reindex, time."""
    rng = random.Random("bench-search")
    pool = _sentences(rng, 5_000)
    archive.upsert_site("demo-liferay", "Sở LĐ-TB&XH", "Hòa An", "Lao động")
    archive.upsert_site("demo-aspnet", "Sở Y tế", "Hòa An", "Y tế")
    steps, done = [], 0
    for size in sizes:
        t0 = time.perf_counter()
        insert(done, size - done, rng, pool)
        t1 = time.perf_counter()
        indexed = archive.reindex_search()
        t2 = time.perf_counter()
        if archive.engine.dialect.name == "postgresql":
            # what autovacuum does after a bulk load, so plans see the real row counts
            with archive.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        done = size
        steps.append(
            {
                "articles": size,
                "insert_s": round(t1 - t0, 1),
                "reindex_s": round(t2 - t1, 1),
                "indexed": indexed,
                "db_mb": size_mb(),
                **_time_queries(archive, random.Random(size)),
            }
        )
    return steps


def _run_pg(url: str, sizes: list[int]) -> dict[str, Any]:
    """The PostgreSQL steps, in a schema created for them and dropped after."""
    from urllib.parse import quote

    from sqlalchemy import create_engine

    from archive.store import Archive

    schema = f"luutru_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        sep = "&" if "?" in url else "?"
        with Archive.open(url=f"{url}{sep}options={quote(f'-csearch_path={schema}')}") as pg:
            steps = _steps(pg, sizes, lambda *a: _pg_copy(pg, *a), lambda: _pg_mb(pg))
        return {"server_version": version, "steps": steps}
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def run(articles: int = 100_000, pg_url: str | None = None) -> dict[str, Any]:
    from archive.store import Archive

    sizes = sorted({min(10_000, articles), articles})
    out: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="luutru-bench-search-") as tmp,
        Archive.open(tmp) as archive,
    ):
        path = archive.path
        assert path is not None
        out["steps"] = _steps(
            archive,
            sizes,
            lambda *a: _bulk_insert(path, *a),
            lambda: round(path.stat().st_size / 1e6, 1),
        )
    if pg_url:
        out["postgresql"] = _run_pg(pg_url, sizes)
    else:
        out["postgresql"] = {"not_run": "no PostgreSQL URL"}
    return out


def table(result: dict[str, Any]) -> str:
    lines = [f"{'backend':<11} {'articles':>9} {'insert s':>9} {'reindex s':>10} {'p50 ms':>7} "
             f"{'p95 ms':>7} {'max ms':>7} {'db MB':>7}"]  # fmt: skip
    pg = result.get("postgresql") or {}
    for backend, steps in (("sqlite", result["steps"]), ("postgresql", pg.get("steps", []))):
        for s in steps:
            lines.append(
                f"{backend:<11} {s['articles']:>9} {s['insert_s']:>9} {s['reindex_s']:>10} "
                f"{s['p50_ms']:>7} {s['p95_ms']:>7} {s['max_ms']:>7} {s['db_mb']:>7}"
            )
            worst = ", ".join(f"{k} {v}" for k, v in s["worst_by_kind_ms"].items())
            lines.append(f"            worst by kind (ms): {worst}")
    if "steps" not in pg:
        lines.append(
            f"{'postgresql':<11} not run ({pg.get('not_run', 'no PostgreSQL URL')}: "
            "--search-pg-url URL or env LUUTRU_BENCH_PG_URL)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    result = run(10_000, os.environ.get("LUUTRU_BENCH_PG_URL") or None)
    print(table(result))

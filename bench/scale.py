"""Scale benchmark: an archive of N synthetic versions, what it weighs, how search holds,
what a crawl of one of its sites keeps in memory.

``synthetic_versions`` streams N captures over 60 sites (a province's portals): Vietnamese
titles and 1.5-4 KB bodies from the demo portal's sentences, one article in five edited
once (its version 2 arrives 2,000 captures later, as a re-crawl would bring it). Each
capture's page goes into a WARC response record first (a real portal page, the frozen
sotttt.hanoi.gov.vn article of tests/pages/real, with the article's body in it: page
chrome is most of a real page's bytes), then the capture is stored through the archive's
public write API, in batches of ``BATCH``: ``record_many`` when the archive has it, else
``record`` per capture (one transaction each: the API allows no wider one).

Measured: build rate; bytes per article and per version (database, checkpointed, and WARC
files); search latency over a fixed mix of queries (bench/search.py's, its site filter on
one of these sites); the memory of loading one site's crawl state (``crawl_state``: every
known key with its validators, what a crawl holds from start to end), of the near-duplicate
index a crawl that writes versions builds, and, simulated, of Scrapy's dupefilter (one
40-character fingerprint per request) for that many URLs, by tracemalloc. Then each per-unit
figure times a province (60 portals, 5 million versions) and a country (63 provinces).

    python -m bench --only scale [--scale-versions 1000000] [--search-pg-url URL]
    python -m bench.scale --versions 20000 [--pg URL]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.archive_writes import _body, checkpoint
from bench.search import QUERY_MIX

VN_TZ = timezone(timedelta(hours=7))
SITES = 60  # a province: ~60 department and district portals
EDIT_SHARE = 0.2  # articles edited once after publication
EDIT_LAG = 2_000  # captures between an article's version 1 and its edit
BATCH = 500
PROVINCE_VERSIONS = 5_000_000
PROVINCES = 63
QUERIES = 200
REPO = Path(__file__).resolve().parent.parent
SHELL_PAGE = REPO / "tests" / "pages" / "real" / "2022-08-27_sotttt-hanoi_1005503.html"


def site_id(i: int) -> str:
    return f"tinh-{i % SITES:02d}"


def _article(i: int, seed: int, version: int) -> Any:
    """Article ``i`` as captured the ``version``-th time (1 or 2): the same for the same
    arguments, so an edit is regenerated, not remembered."""
    from archive.records import ArticleRecord
    from demo_portal.content import fill
    from demo_portal.vocab import ACTORS, DISTRICTS, EDIT_SENTENCES, SURNAMES, TOPICS, VERBS

    rng = random.Random(f"scale:{seed}:{i}")
    site = site_id(i)
    family = ("demo-liferay", "demo-aspnet")[i % 2]
    published = datetime(2019, 1, 2, tzinfo=VN_TZ) + timedelta(minutes=rng.randrange(3_500_000))
    title = (
        f"{rng.choice(ACTORS[family])} {rng.choice(VERBS)} {rng.choice(TOPICS[family])} "
        f"tại huyện {rng.choice(DISTRICTS)} năm {published.year}"
    )
    paras = _body(rng, published.year, rng.randint(1_500, 4_000))
    author = f"{rng.choice(SURNAMES)} Minh" if i % 3 else None
    fetched = published + timedelta(hours=1 + 24 * (version - 1) * rng.randint(1, 30))
    if version == 2:
        paras.append(fill(rng.choice(EDIT_SENTENCES), rng, published.year))
    key = str(100_000 + i)
    url = f"https://{site}.example.gov.vn/tin-tuc/{key}.html"
    return ArticleRecord(
        site=site,
        article_key=key,
        url=url,
        fetched_url=url,
        title=title[0].upper() + title[1:],
        body="\n\n".join(paras),
        body_html="".join(f"<p>{html.escape(p)}</p>" for p in paras),
        date=published.date().isoformat(),
        datetime=published.isoformat() if i % 2 else None,
        author=author,
        summary=paras[0][:200],
        category="Tin hoạt động",
        fetched_at=fetched.isoformat(),
        etag=f'"{i}-{version}"',
    )


def _edited(j: int, articles: int, edits: int) -> bool:
    # exactly `edits` of the first `articles` indices, evenly spread
    return (j + 1) * edits // articles > j * edits // articles


def synthetic_versions(n: int, seed: int = 1) -> Iterator[Any]:
    """``n`` captures (ArticleRecord), each a new version: version 1 of every article, and
    version 2 of one in five, ``EDIT_LAG`` captures later. Streamed: memory stays flat."""
    articles = max(1, round(n / (1 + EDIT_SHARE)))
    edits = n - articles
    for i in range(articles):
        yield _article(i, seed, 1)
        j = i - EDIT_LAG
        if j >= 0 and _edited(j, articles, edits):
            yield _article(j, seed, 2)
    for j in range(max(0, articles - EDIT_LAG), articles):
        if _edited(j, articles, edits):
            yield _article(j, seed, 2)


# --------------------------------------------------------------------------- build


def build(archive: Any, warc_dir: Path, n: int) -> dict[str, Any]:
    from bench.scale_feed import WARC_SAMPLE, feed

    for k in range(SITES):  # half the province filter's "Hòa An", as bench/search.py
        archive.upsert_site(site_id(k), f"Cổng {k}", "Hòa An" if k % 2 else "Bình Sơn", "Sở")
    many = getattr(archive, "record_many", None)
    run_id = archive.start_run("scale-build")
    outcomes: dict[str, int] = {}
    t0 = time.perf_counter()
    done, step = 0, max(n // 20, BATCH)
    for batch in feed(synthetic_versions(n), BATCH, warc_dir, SHELL_PAGE):
        results = many(batch, run_id) if many else [archive.record(r, run_id) for r in batch]
        for outcome in results:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if (done + len(batch)) // step > done // step:  # a long build shows its progress
            rate = (done + len(batch)) / (time.perf_counter() - t0)
            print(f"scale: {done + len(batch)} of {n} versions, {rate:.0f}/s", file=sys.stderr)
        done += len(batch)
    seconds = time.perf_counter() - t0
    archive.finish_run(run_id, "succeeded", {})
    sample = min(n, WARC_SAMPLE)
    return {
        "versions": n,
        "api": "record_many" if many else "record (one transaction per capture)",
        "seconds": round(seconds, 1),
        "per_s": round(n / seconds, 1),
        "outcomes": outcomes,
        "counts": archive.counts(),
        "warc_sample": sample,
        "warc_bytes": round(_dir_bytes(warc_dir) * n / sample),
    }


# --------------------------------------------------------------------------- measures


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def time_queries(archive: Any, seed: int) -> dict[str, Any]:
    """bench/search.py's query mix, its site filter on a site of this archive. A query
    the archive stops (SearchTooCostly, after SEARCH_TIMEOUT) is what a reader gets:
    counted as stopped, its time (the timeout) among the others."""
    from archive.search import SearchTooCostly, search

    mix = [({**kw, "sites": site_id(1)} if "sites" in kw else kw, lbl) for kw, lbl in QUERY_MIX]
    rng = random.Random(seed)
    times = []
    worst: dict[str, float] = {}
    stopped: dict[str, int] = {}
    for q in range(QUERIES):
        kwargs, label = mix[q % len(mix)] if q < len(mix) else rng.choice(mix)
        t0 = time.perf_counter()
        try:
            search(archive, **kwargs, limit=20)
        except SearchTooCostly:
            stopped[label] = stopped.get(label, 0) + 1
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        worst[label] = max(worst.get(label, 0.0), ms)
    times.sort()
    return {
        "queries": QUERIES,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(QUERIES * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
        "stopped": stopped,
        "worst_by_kind_ms": {k: round(v, 1) for k, v in sorted(worst.items())},
    }


@contextmanager
def _traced() -> Iterator[dict[str, int]]:
    out: dict[str, int] = {}
    tracemalloc.start()
    try:
        yield out
        out["retained"], out["peak"] = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()


def crawl_memory(reopen: Any) -> dict[str, Any]:
    """What a crawl of the largest site holds: its crawl state, the near-duplicate index,
    and (simulated) Scrapy's set of request fingerprints for that many URLs. On a freshly
    opened handle, as a crawl starts; another site's state is loaded first, so SQLAlchemy's
    one-off statement caches do not count as the state's."""
    with reopen() as archive:
        return _crawl_memory(archive)


def _crawl_memory(archive: Any) -> dict[str, Any]:
    site = site_id(0)
    archive.crawl_state(site_id(1))
    with _traced() as state_mem:
        state = archive.crawl_state(site)
    keys = len(state)
    del state
    with _traced() as seen_mem:
        seen = {hashlib.sha1(f"{site}:{k}".encode()).hexdigest() for k in range(keys)}
    del seen
    out = {
        "site": site,
        "keys": keys,
        "crawl_state_bytes": state_mem["retained"],
        "crawl_state_peak_bytes": state_mem["peak"],
        "crawl_state_bytes_per_key": round(state_mem["retained"] / max(keys, 1)),
        "dupefilter_bytes_per_url": round(seen_mem["retained"] / max(keys, 1)),
    }
    neardups = getattr(archive, "_neardups", None)  # archive/history.py: built on first write
    if neardups is not None:
        from archive.history import NEARDUP_INDEX_SIZE

        with _traced() as index_mem:
            neardups()
        out["neardup_index_bytes"] = index_mem["retained"]
        out["neardup_index_cap"] = NEARDUP_INDEX_SIZE
    return out


def measure(archive: Any, reopen: Any, n: int, db_bytes: int, warc_bytes: int) -> dict[str, Any]:
    counts = archive.counts()
    articles = counts.get("articles") or 1
    return {
        "db_bytes": db_bytes,
        "warc_bytes": warc_bytes,
        "bytes_per_article": round((db_bytes + warc_bytes) / articles),
        "db_bytes_per_version": round(db_bytes / n),
        "warc_bytes_per_version": round(warc_bytes / n),
        "search": time_queries(archive, n),
        "memory": crawl_memory(reopen),
    }


def _sqlite(n: int) -> dict[str, Any]:
    from archive.store import Archive

    with tempfile.TemporaryDirectory(prefix="luutru-bench-scale-") as tmp:
        data = Path(tmp)
        with Archive.open(data) as archive:
            out = {"build": build(archive, data / "warc", n)}
            checkpoint(data)
            db = (data / "archive.sqlite").stat().st_size
            warc = out["build"]["warc_bytes"]
            out |= measure(archive, lambda: Archive.open(data), n, db, warc)
    return out


def _postgresql(url: str, n: int) -> dict[str, Any]:
    """The same build in PostgreSQL, in a schema of its own dropped after."""
    from urllib.parse import quote

    from sqlalchemy import create_engine

    from archive.store import Archive
    from bench.search import _pg_mb

    schema = f"luutru_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        sep = "&" if "?" in url else "?"
        target = f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
        with (
            tempfile.TemporaryDirectory(prefix="luutru-bench-scale-pg-") as tmp,
            Archive.open(url=target) as archive,
        ):
            out = {"server_version": version, "build": build(archive, Path(tmp) / "warc", n)}
            with archive.engine.connect() as conn:  # what autovacuum does after a bulk load
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            db = int(_pg_mb(archive) * 1e6)
            warc = out["build"]["warc_bytes"]
            out |= measure(archive, lambda: Archive.open(url=target), n, db, warc)
        return out
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def extrapolate(r: dict[str, Any]) -> dict[str, Any]:
    """Per-version and per-key figures, times a province and a country (linear: the
    database's indexes grow a little faster than that, search latency is not linear)."""
    per_version = r["db_bytes_per_version"] + r["warc_bytes_per_version"]
    mem = r["memory"]
    keys_per_site = PROVINCE_VERSIONS / (1 + EDIT_SHARE) / SITES
    return {
        "province_db_gb": round(r["db_bytes_per_version"] * PROVINCE_VERSIONS / 1e9, 1),
        "province_warc_gb": round(r["warc_bytes_per_version"] * PROVINCE_VERSIONS / 1e9, 1),
        "country_tb": round(per_version * PROVINCE_VERSIONS * PROVINCES / 1e12, 2),
        "province_build_hours": round(PROVINCE_VERSIONS / r["build"]["per_s"] / 3600, 1),
        "keys_per_site": round(keys_per_site),
        "crawl_state_mb_per_site": round(mem["crawl_state_bytes_per_key"] * keys_per_site / 1e6, 1),
        "dupefilter_mb_per_site": round(mem["dupefilter_bytes_per_url"] * keys_per_site / 1e6, 1),
    }


def run(
    versions: int = 1_000_000, pg_url: str | None = None, sqlite: bool = True
) -> dict[str, Any]:
    out: dict[str, Any] = {"versions": versions, "sites": SITES}
    out["sqlite"] = _sqlite(versions) if sqlite else {"not_run": "--no-sqlite"}
    if sqlite:
        out["sqlite"]["extrapolated"] = extrapolate(out["sqlite"])
    if pg_url:
        out["postgresql"] = _postgresql(pg_url, versions)
        out["postgresql"]["extrapolated"] = extrapolate(out["postgresql"])
    else:
        out["postgresql"] = {"not_run": "no PostgreSQL URL"}
    return out


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{'backend':<11} {'versions':>9} {'build/s':>8} {'B/article':>10} {'db B/v':>7} "
        f"{'warc B/v':>9} {'p50 ms':>7} {'p95 ms':>7} {'state B/key':>11} {'neardup MB':>10}"
    ]
    for backend in ("sqlite", "postgresql"):
        r = result.get(backend) or {}
        if "build" not in r:
            lines.append(f"{backend:<11} not run ({r.get('not_run', '')})")
            continue
        m, s = r["memory"], r["search"]
        lines.append(
            f"{backend:<11} {r['build']['versions']:>9} {r['build']['per_s']:>8} "
            f"{r['bytes_per_article']:>10} {r['db_bytes_per_version']:>7} "
            f"{r['warc_bytes_per_version']:>9} {s['p50_ms']:>7} {s['p95_ms']:>7} "
            f"{m['crawl_state_bytes_per_key']:>11} "
            f"{m.get('neardup_index_bytes', 0) / 1e6:>10.1f}"
        )
        e = r["extrapolated"]
        lines.append(
            f"            province (5M versions): db {e['province_db_gb']} GB, WARC "
            f"{e['province_warc_gb']} GB, build {e['province_build_hours']} h at this rate; "
            f"crawl state {e['crawl_state_mb_per_site']} MB + dupefilter "
            f"{e['dupefilter_mb_per_site']} MB per site ({e['keys_per_site']} keys); "
            f"country {e['country_tb']} TB"
        )
        lines.append(
            f"            search: stopped {s.get('stopped') or 'none'}; worst by kind (ms): "
            + ", ".join(f"{k} {v}" for k, v in (s.get("worst_by_kind_ms") or {}).items())
        )
        b = r["build"]
        lines.append(
            f"            write API: {b['api']}; outcomes {b['outcomes']}; WARC bytes: "
            f"the first {b['warc_sample']} captures' mean, times {b['versions']}"
        )
    lines.append(
        f"{result['sites']} sites, 1 article in 5 edited once, real page chrome in the WARC; "
        f"search: {QUERIES} mixed queries; memory by tracemalloc on the largest site"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get("LUUTRU_TEST_PG_URL") or os.environ.get("LUUTRU_BENCH_PG_URL"),
        help="also build in PostgreSQL at this URL (default: env LUUTRU_TEST_PG_URL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    result = run(args.versions, args.pg, sqlite=not args.no_sqlite)
    print(json.dumps(result, ensure_ascii=False))
    print(table(result))


if __name__ == "__main__":
    main()

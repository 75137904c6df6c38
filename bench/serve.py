"""Serving benchmark: ``luutru serve`` under 30 concurrent keep-alive readers, alone and
while a crawl writes into the same archive, beside one client alone (same run).

1. A synthetic archive (bench/search.py's corpus: demo-portal sentences, ~2 KB bodies;
   every 10th article has a second version) of ``--articles`` articles (default 100,000),
   built once and cached under ``bench/data/serve-N/`` (gitignored); each run works on a
   copy, since the crawl phase writes into it.
2. ``python -m luutru serve`` as a real subprocess on 127.0.0.1 (a free port), with its
   default worker count unless ``--serve-workers`` says otherwise.
3. Phases, each ``--serve-seconds`` (default 20 s) after a short warm-up: one client
   alone (the comparison), 30 clients, 30 clients none of whose requests repeats (each
   carries a parameter no route reads, so the server's response cache never answers it:
   what a page costs when it is made), and 30 clients while ``luutru crawl demo-liferay
   demo-aspnet`` crawls a demo portal (its own process) into the same archive, restarted
   until the phase ends: once flat out (politeness off), once at the product's own
   politeness (a scheduled crawl). The request list (bench/serve_load.py) mixes JSON and HTML
   searches (words with and without diacritics, phrases, filters, pages 1–3), article
   pages, version pages and the article API.
4. With a PostgreSQL URL (``--search-pg-url`` or env ``LUUTRU_BENCH_PG_URL``) the same
   corpus is built in a schema of its own (dropped after) and the 30-client phase is run
   against ``luutru serve --db URL`` too.

    python -m bench --only serve [--serve-articles 5000] [--serve-seconds 20]
    LUUTRU_BENCH_SERVE_ARTICLES=5000 python -m bench --only serve
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.crawl import OVERRIDES
from bench.processes import REPO, answering, cpu_seconds, free_port, portal_process
from bench.serve_corpus import (
    LINKS_SQL,
    cached_archive,
    sample_requests,
    second_versions_sql,
    upsert_demo_sites,
)
from bench.serve_load import drive, request_mix

CLIENTS = 30
WARMUP_S = 2.0
CRAWL_PORTAL_ARTICLES = 3_000  # enough that a crawl round lasts several seconds


# --------------------------------------------------------------------------- processes


@contextmanager
def server(
    data: Path, log_dir: Path, workers: int | None, db: str | None
) -> Iterator[tuple[str, int]]:
    """``luutru serve`` in its own process; yields (base URL, pid) once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "luutru", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--data", str(data)]  # fmt: skip
    if workers is not None:
        cmd += ["--workers", str(workers)]
    if db is not None:
        cmd += ["--db", db]
    probe = base + "/api/search?q=x&limit=1"
    log_path = log_dir / f"serve-{port}.log"
    with answering(cmd, log_path, probe, "luutru serve", 120, stop_wait=15) as proc:
        yield base, proc.pid


# The crawl beside the readers: flat out (the crawl benchmark's overrides: politeness off,
# dozens of versions a second, every one matching the mix's queries), or at the politeness
# a real portal's profile gets (crawler/settings.py's defaults, which the demo profiles
# lower for a quick demo: 2 requests at a time per portal, 0.25 s apart at least,
# AutoThrottle from 1 s), as a scheduled crawl runs beside readers.
POLITE = (
    "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    "DOWNLOAD_DELAY=0.25",
    "AUTOTHROTTLE_START_DELAY=1.0",
    "LOG_LEVEL=INFO",
)


@contextmanager
def crawling(
    data: Path, log_dir: Path, db: str | None, polite: bool = False
) -> Iterator[dict[str, Any]]:
    """A demo-portal crawl of both demo sites into ``data``, restarted whenever it ends,
    until the block exits; yields counters filled in when it stops."""
    import threading

    stats: dict[str, Any] = {"crawls": 0, "failed": 0}
    stop = threading.Event()
    with portal_process(CRAWL_PORTAL_ARTICLES, log_dir) as portal:
        cmd = [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
               "--quiet", "--base-url", portal, "--data", str(data)]  # fmt: skip
        if db is not None:
            cmd += ["--db", db]
        for pair in POLITE if polite else OVERRIDES:
            cmd += ["-s", pair]
        holder: dict[str, subprocess.Popen] = {}

        def loop() -> None:
            with open(log_dir / "crawl.log", "ab") as log:
                while not stop.is_set():
                    holder["p"] = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=log)
                    code = holder["p"].wait()
                    if not stop.is_set():
                        stats["crawls"] += 1
                        stats["failed"] += code != 0

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        time.sleep(3.0)  # let it start writing before the clients measure
        try:
            yield stats
        finally:
            stop.set()
            if "p" in holder and holder["p"].poll() is None:
                holder["p"].terminate()
                try:
                    holder["p"].wait(15)
                except subprocess.TimeoutExpired:
                    holder["p"].kill()
            thread.join(30)


def _versions_written(data: Path, db: str | None) -> int:
    from archive.store import Archive

    with Archive.open(data, url=db) as archive, archive.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM versions").scalar() or 0)


# --------------------------------------------------------------------------- phases


def _phases(
    data: Path, log_dir: Path, paths: list[str], seconds: float, workers: int | None,
    db: str | None = None, single: bool = True,
) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {}
    with server(data, log_dir, workers, db) as (base, pid):

        def measured(clients: int, unseen: bool = False) -> dict[str, Any]:
            cpu, load = cpu_seconds(pid), os.getloadavg()[0]
            figures = drive(base, paths, clients, seconds, unseen)
            figures["load_average_before"] = round(load, 1)
            used = cpu_seconds(pid) - cpu
            figures["server_cpu_ms_per_request"] = round(
                1000 * used / max(figures["requests"] + figures["errors"], 1), 2
            )
            return figures

        drive(base, paths, CLIENTS, WARMUP_S)  # warm-up: imports, caches, page cache
        if single:
            out["single"] = measured(1)
        out["concurrent"] = measured(CLIENTS)
        # The same clients with no request repeated: what the response cache saves.
        out["concurrent_unseen"] = measured(CLIENTS, unseen=True)
        for phase, polite in (("during_crawl", False), ("during_polite_crawl", True)):
            before = _versions_written(data, db)
            with crawling(data, log_dir, db, polite) as crawl:
                t0 = time.monotonic()
                out[phase] = measured(CLIENTS)
                crawl_seconds = time.monotonic() - t0
            written = _versions_written(data, db) - before
            out[phase]["crawl"] = {
                **crawl,
                "versions_written": written,
                "versions_per_s": round(written / max(crawl_seconds + 3.0, 1e-9), 1),
            }
    return out


def _pg(url: str, articles: int, log_dir: Path, paths: list[str], seconds: float,
        workers: int | None) -> dict[str, Any]:  # fmt: skip
    from sqlalchemy import create_engine

    from archive.store import Archive
    from bench.search import _pg_copy, _sentences

    schema = f"luutru_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in url else "?"
        scoped = f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
        rng = random.Random("bench-serve")
        pool = _sentences(rng, 5_000)
        with Archive.open(url=scoped) as pg:
            upsert_demo_sites(pg)
            _pg_copy(pg, 0, articles, rng, pool)
            with pg.engine.begin() as conn:
                # COPY gave explicit ids: move the sequence past them first
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('versions', 'id'), "
                    "(SELECT max(id) FROM versions))"
                )
                conn.exec_driver_sql(second_versions_sql("chr(10)"))
                for sql in LINKS_SQL:
                    conn.exec_driver_sql(sql)
            pg.reindex_search()
            with pg.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        with tempfile.TemporaryDirectory(prefix="luutru-bench-serve-pg-") as tmp:
            return _phases(Path(tmp), log_dir, paths, seconds, workers, db=scoped, single=True)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def run(
    articles: int = 100_000,
    seconds: float = 20.0,
    workers: int | None = None,
    pg_url: str | None = None,
) -> dict[str, Any]:
    source = cached_archive(articles)
    out: dict[str, Any] = {"articles": articles, "clients": CLIENTS, "seconds": seconds,
                           "workers": workers if workers is not None else "default"}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="luutru-bench-serve-") as tmp:
        data = Path(tmp) / "archive"
        data.mkdir()
        shutil.copy2(source / "archive.sqlite", data / "archive.sqlite")
        from archive.store import Archive

        with Archive.open(data) as archive:  # an archive cached before it was built so
            upsert_demo_sites(archive)
        ids, versions = sample_requests(data / "archive.sqlite")
        paths = request_mix(ids, versions)
        out["sqlite"] = _phases(data, Path(tmp), paths, seconds, workers)
        if pg_url:
            out["postgresql"] = _pg(pg_url, articles, Path(tmp), paths, seconds, workers)
        else:
            out["postgresql"] = {"not_run": "no PostgreSQL URL"}
    return out


PHASE_LABELS = (
    ("single", "1 client"),
    ("concurrent", f"{CLIENTS} clients"),
    ("concurrent_unseen", f"{CLIENTS} clients, unseen"),
    ("during_crawl", f"{CLIENTS} clients + crawl"),
    ("during_polite_crawl", f"{CLIENTS} clients + polite crawl"),
)


def table(result: dict[str, Any]) -> str:
    lines = [f"{'backend':<11} {'phase':<26} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
             f"{'p99 ms':>7} {'errors':>6} {'cpu ms/req':>10}"]  # fmt: skip
    for backend in ("sqlite", "postgresql"):
        phases = result.get(backend) or {}
        if "not_run" in phases:
            lines.append(f"{backend:<11} not run ({phases['not_run']}: --search-pg-url URL "
                         "or env LUUTRU_BENCH_PG_URL)")  # fmt: skip
            continue
        for name, label in PHASE_LABELS:
            f = phases.get(name)
            if not f:
                continue
            lines.append(
                f"{backend:<11} {label:<26} {f['req_per_s']:>7} {f['p50_ms']:>7} "
                f"{f['p95_ms']:>7} {f['p99_ms']:>7} {f['errors']:>6} "
                f"{f.get('server_cpu_ms_per_request', '–'):>10}"
            )
            for sample in f.get("error_samples", []):
                lines.append(f"{'':<11}   error: {sample[:120]}")
        for phase, how in (("during_crawl", "flat-out"), ("during_polite_crawl", "polite")):
            crawl = (phases.get(phase) or {}).get("crawl")
            if crawl:
                lines.append(
                    f"{'':<11}   {how} crawl beside it: {crawl['versions_written']} versions "
                    f"written ({crawl['versions_per_s']}/s), {crawl['crawls']} crawls "
                    f"finished, {crawl['failed']} failed"
                )
    return "\n".join(lines)


def articles_default() -> int:
    return int(os.environ.get("LUUTRU_BENCH_SERVE_ARTICLES") or 100_000)


if __name__ == "__main__":
    print(table(run(articles_default(), 10.0, None, os.environ.get("LUUTRU_BENCH_PG_URL"))))

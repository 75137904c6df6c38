"""``python -m bench [--articles N] [--only NAME]``: run the benchmarks, print their tables and
one summary table, save everything as JSON (bench/results/latest.json)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.summary import RESULTS, summary, summary_table

NAMES = ["crawl", "extraction", "archive", "search", "memory", "serve", "startup", "scale"]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "scrapy": version("scrapy"),
        "twisted": version("twisted"),
        "lxml": version("lxml"),
    }


def merged(results: dict[str, Any], only: str) -> dict[str, Any]:
    """``--only NAME`` replaces NAME in the previous latest.json and keeps its other
    benchmarks when they came from the same machine, so that one benchmark can be re-run
    (e.g. search, last, on a quiet machine) without re-running the rest."""
    try:
        old = json.loads(RESULTS.read_text("utf-8"))
    except (OSError, ValueError):
        return results
    same = {k: old.get("machine", {}).get(k) for k in ("nproc", "cpu", "python")} == {
        k: results["machine"][k] for k in ("nproc", "cpu", "python")
    }
    if not same:
        return results
    kept = [name for name in NAMES if name != only and name in old]
    out = {**old, **results, "when_by_benchmark": dict(old.get("when_by_benchmark", {}))}
    for name in NAMES:
        if name in old and name != only:
            out[name] = old[name]
            out["when_by_benchmark"].setdefault(name, old.get("when"))
    out["when_by_benchmark"][only] = results["when"]
    out["merged_from"] = (
        f"{', '.join(kept)} kept from the previous bench/results/latest.json" if kept else ""
    )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--articles", type=int, default=300, help="demo portal size")
    parser.add_argument(
        "--only",
        choices=[*NAMES, "extract"],
        help="run only this benchmark (extract = extraction)",
    )
    parser.add_argument("--search-articles", type=int, default=100_000, help="search: archive size")
    parser.add_argument(
        "--search-pg-url",
        default=os.environ.get("LUUTRU_BENCH_PG_URL") or None,
        help="search: also time PostgreSQL at this SQLAlchemy URL, in a schema of its own "
        "dropped after (default: env LUUTRU_BENCH_PG_URL; none: not run)",
    )
    parser.add_argument(
        "--serve-articles",
        type=int,
        default=int(os.environ.get("LUUTRU_BENCH_SERVE_ARTICLES") or 100_000),
        help="serve: archive size (default: env LUUTRU_BENCH_SERVE_ARTICLES or 100000; "
        "built once, cached under bench/data/)",
    )
    parser.add_argument(
        "--serve-seconds", type=float, default=20.0, help="serve: seconds per load phase"
    )
    parser.add_argument(
        "--serve-workers",
        type=int,
        default=None,
        help="serve: `luutru serve --workers N` (default: the server's own default)",
    )
    parser.add_argument(
        "--memory-articles", type=int, default=10_000, help="memory: demo portal size"
    )
    parser.add_argument("--reps", type=int, default=5, help="extraction repetitions")
    parser.add_argument("--rounds", type=int, default=5, help="crawl rounds (median reported)")
    parser.add_argument(
        "--crawl-articles",
        type=int,
        default=None,
        help="crawl: demo portal size (default: --articles, at least 1000)",
    )
    parser.add_argument(
        "--versions", type=int, default=5_000, help="archive: synthetic records per write pass"
    )
    parser.add_argument(
        "--scale-versions", type=int, default=1_000_000, help="scale: synthetic versions"
    )
    parser.add_argument(
        "--startup-rounds", type=int, default=15, help="startup: rounds (median reported)"
    )
    args = parser.parse_args(argv)
    if args.only == "extract":
        args.only = "extraction"

    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    m = results["machine"]
    print(f"machine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}, Scrapy {m['scrapy']}")
    if args.only in (None, "crawl"):
        from bench import crawl

        size = args.crawl_articles or max(args.articles, crawl.MIN_ARTICLES)
        results["crawl"] = crawl.run(size, rounds=args.rounds)
        print(f"\n== crawl: demo portal, {size} articles, both sites, loopback (CPU-bound) ==")
        print(crawl.table(results["crawl"]))
        slow = crawl.run(size, rounds=max(1, args.rounds // 2), delay=crawl.LATENCY_S)
        results["crawl"]["with_latency"] = slow
        print(f"\n== crawl: the same, each response after {crawl.LATENCY_S} s (a remote portal) ==")
        print(crawl.table(slow))
        heavy = crawl.run(size, rounds=max(1, args.rounds // 2), delay=crawl.LATENCY_S,
                          padding_kb=crawl.REAL_PAGE_KB)  # fmt: skip
        results["crawl"]["with_real_pages"] = heavy
        print(f"\n== crawl: the same, pages {crawl.REAL_PAGE_KB} KB heavier (real portals') ==")
        print(crawl.table(heavy))
        without_selectors = (
            ("unprofiled", {"unprofiled": True}, "one portal without selectors"),
            ("real_pages", {"real_pages": True},
             "a portal of real pages (tests/pages/real), without selectors"),
        )  # fmt: skip
        for key, kind, title in without_selectors:
            measure = crawl.run(size, rounds=max(1, args.rounds // 2),
                                delay=crawl.UNPROFILED_LATENCY_S, **kind)  # fmt: skip
            results["crawl"][key] = measure
            print(f"\n== crawl: {title}, each response after {crawl.UNPROFILED_LATENCY_S} s ==")
            print(crawl.table(measure))
    if args.only in (None, "extraction"):
        from bench import extraction, extraction_table, file_text

        results["extraction"] = extraction.run(args.articles, reps=args.reps)
        print(f"\n== extraction: demo portal, {args.articles} articles ==")
        print(extraction_table.table(results["extraction"]))
        results["extraction"]["file_text"] = file_text.run(reps=args.reps)
        print("\n== attached files: PDF text, luutru against pypdf ==")
        print(file_text.table(results["extraction"]["file_text"]))
    if args.only in (None, "archive"):
        from bench import archive

        results["archive"] = archive.run(args.articles, versions=args.versions)
        print(
            f"\n== archive: {args.versions} synthetic records; "
            f"demo portal, {args.articles} articles =="
        )
        print(archive.table(results["archive"]))
    if args.only in (None, "memory"):
        from bench import memory

        results["memory"] = memory.run(args.memory_articles)
        print(
            f"\n== memory: peak RSS of luutru crawl, demo portal, "
            f"{args.memory_articles} articles =="
        )
        print(memory.table(results["memory"]))
    if args.only in (None, "search"):
        from bench import search

        results["search"] = search.run(args.search_articles, args.search_pg_url)
        print(
            f"\n== search: 200 mixed queries, 10k and {args.search_articles} articles, "
            "SQLite and PostgreSQL =="
        )
        print(search.table(results["search"]))
    if args.only in (None, "serve"):
        from bench import serve

        results["serve"] = serve.run(
            args.serve_articles, args.serve_seconds, args.serve_workers, args.search_pg_url
        )
        print(
            f"\n== serve: luutru serve, {args.serve_articles:,} articles, "
            f"{serve.CLIENTS} keep-alive clients, {args.serve_seconds:g} s per phase =="
        )
        print(serve.table(results["serve"]))

    if args.only in (None, "startup"):
        from bench import startup

        results["startup"] = startup.run(args.startup_rounds)
        print("\n== startup: luutru commands as subprocesses, CPU and wall, median of rounds ==")
        print(startup.table(results["startup"]))

    if args.only in (None, "scale"):
        from bench import scale

        results["scale"] = scale.run(args.scale_versions, args.search_pg_url)
        print(f"\n== scale: {args.scale_versions} synthetic versions, {scale.SITES} sites ==")
        print(scale.table(results["scale"]))

    if args.only:
        results = merged(results, args.only)
    results["summary"] = summary(results)
    print(f"\n== summary ({m['nproc']} CPUs, {m['cpu']}, Python {m['python']}) ==")
    if args.only and results.get("merged_from"):
        print(f"(other rows: {results['merged_from']})")
    print(summary_table(results["summary"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"\nresults: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

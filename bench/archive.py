"""Archive benchmark: write throughput, bytes per re-crawl, ``luutru verify`` cost.

1. Write throughput: N synthetic Vietnamese ``ArticleRecord``s (sentences of the demo
   portal's generator, bodies 3-5 KB) recorded into a fresh archive by ``record_many``
   batches (as the crawl's writer thread does), in three passes: "new" (every key first
   seen), "updated" (every body changed: a version 2 each), "unchanged" (identical again:
   no version); beside it, in the same run, one ``record()`` per item into another archive
   (bench/archive_writes.py).
2. Bytes per re-crawl: the demo portal in its own process, ``luutru crawl demo-liferay
   demo-aspnet`` into a fresh data dir, then an immediate ``--full`` re-crawl (conditional
   GETs, 304s) and an incremental one; the data dir (archive.sqlite, -wal, warc/) is
   measured after each, with the WAL checkpointed first.
3. ``verify()`` time and bytes read (also as a multiple of the data directory's size), on
   the crawled archive of (2) (database + WARC) and on the synthetic archive of (1)
   (database only), scaled per 10k versions.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.archive_writes import data_bytes, write_throughput
from bench.crawl import SITES
from bench.processes import REPO, portal_process, tail

# Politeness off, for benchmarks only (as bench.crawl); ROBOTSTXT_OBEY stays True.
OVERRIDES = (
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_DELAY=0",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "LOG_LEVEL=INFO",
)
PER = 10_000  # verify figures are scaled per this many versions


# --------------------------------------------------------------------------- re-crawls


def crawl_once(base: str, data: Path, log_path: Path, full: bool) -> dict[str, Any]:
    from archive.store import Archive

    before = 0
    if (data / "archive.sqlite").exists():
        with Archive.open(data) as archive:
            before = max((r["id"] for r in archive.runs()), default=0)
    cmd = [sys.executable, "-m", "luutru", "crawl", *SITES, "--base-url", base, "--data", str(data)]
    if full:
        cmd.append("--full")
    for pair in OVERRIDES:
        cmd += ["-s", pair]
    with open(log_path, "wb") as log:
        started = time.monotonic()
        done = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=log, check=False)
        wall = time.monotonic() - started
    with Archive.open(data) as archive:
        runs = [r for r in archive.runs() if r["id"] > before]
        counts = archive.counts()
    stats = [r["stats"] for r in runs]
    if not stats or not all(stats):
        raise RuntimeError(f"luutru crawl exited {done.returncode}:\n{tail(log_path)}")
    outcomes: dict[str, int] = {}
    for s in stats:
        for k, v in s.items():
            if k.startswith("luutru/articles_"):
                name = k.removeprefix("luutru/articles_")
                outcomes[name] = outcomes.get(name, 0) + int(v)
    statuses: dict[str, int] = {}
    for s in stats:
        for k, v in s.items():
            if k.startswith("downloader/response_status_count/"):
                code = k.rsplit("/", 1)[1]
                statuses[code] = statuses.get(code, 0) + int(v)
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    return {
        "full": full,
        "exit_code": done.returncode,
        "wall_seconds": round(wall, 2),
        "requests": sum(int(s.get("downloader/request_count", 0)) for s in stats),
        "response_statuses": dict(sorted(statuses.items())),
        "outcomes": dict(sorted(outcomes.items())),
        "run_status": {r["site"]: r["status"] for r in runs},
        "counts": counts,
        "bytes": data_bytes(data),
        "errors": [line[:300] for line in log_text.splitlines() if "] ERROR:" in line][:20],
        "summary": done.stdout.decode("utf-8", "replace").strip().splitlines(),
    }


def recrawl_bytes(articles: int, data: Path, work: Path) -> dict[str, Any]:
    with portal_process(articles, work) as base:
        first = crawl_once(base, data, work / "crawl-1.log", full=False)
        full = crawl_once(base, data, work / "crawl-2-full.log", full=True)
        incr = crawl_once(base, data, work / "crawl-3-incremental.log", full=False)
    n_articles = first["counts"]["articles"]
    out: dict[str, Any] = {"articles": articles, "archived_articles": n_articles}
    previous = first
    for name, crawl in (("first", first), ("full", full), ("incremental", incr)):
        if crawl is not first:
            added = crawl["bytes"]["total"] - previous["bytes"]["total"]
            crawl["bytes_added"] = added
            crawl["bytes_added_parts"] = {
                k: crawl["bytes"][k] - previous["bytes"][k] for k in ("sqlite", "wal", "warc")
            }
            crawl["bytes_per_article"] = round(added / n_articles, 1) if n_articles else None
            crawl["requests_share"] = (
                round(crawl["requests"] / first["requests"], 4) if first["requests"] else None
            )
            previous = crawl
        out[name] = crawl
    return out


# --------------------------------------------------------------------------- verify


def _rchar() -> int | None:
    """Bytes this process has passed through read() so far (page-cache hits included)."""
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def verify_cost(data: Path) -> dict[str, Any]:
    from archive.store import Archive
    from archive.verify import verify

    with Archive.open(data) as archive:
        read_before = _rchar()
        started = time.perf_counter()
        report = verify(archive, data)
        seconds = time.perf_counter() - started
        read_after = _rchar()
    read = read_after - read_before if read_before is not None and read_after is not None else None
    n = report.versions
    return {
        "versions": n,
        "pointers": report.pointers,
        "warc_files": report.warc_files,
        "warc_bytes": report.warc_bytes,
        "problems": report.problems[:20],
        "problem_count": len(report.problems),
        "seconds": round(seconds, 3),
        "bytes_read": read,
        "seconds_per_10k_versions": round(seconds * PER / n, 2) if n else None,
        "bytes_read_per_10k_versions": round(read * PER / n) if n and read is not None else None,
        "data_bytes": data_bytes(data),
    }


# --------------------------------------------------------------------------- run / table


def run(articles: int = 300, versions: int = 5_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="luutru-bench-archive-") as tmp:
        work = Path(tmp)
        writes = write_throughput(work / "synthetic", versions)
        recrawl = recrawl_bytes(articles, work / "crawled", work)
        verify_crawled = verify_cost(work / "crawled")
        verify_synthetic = verify_cost(work / "synthetic")
    return {
        "write": writes,
        "recrawl": recrawl,
        "verify": {"crawled": verify_crawled, "synthetic": verify_synthetic},
        "overrides": list(OVERRIDES),
    }


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # unreachable


def _rows(result: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    w = result["write"]
    note = (
        f"{w['records']} records, body {w['body_bytes_min']}-{w['body_bytes_max']} B "
        f"(mean {w['body_bytes_mean']})"
    )
    for name in ("new", "updated", "unchanged"):
        p, one = w["passes"][name], w["single"][name]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(p["outcomes"].items()))
        yield (
            f"write {name}, record_many by {w['batch']}",
            f"{p['per_s']:.0f} versions/s",
            (
                f"{p['per_s'] / one['per_s']:.1f}x one record() each ({one['per_s']:.0f}/s "
                f"on {one['records']}, same run); CPU {p['per_cpu_s']:.0f} vs "
                f"{one['per_cpu_s']:.0f} rec per CPU-s; {p['seconds']:.1f} s; {outcomes}"
            ),
        )
    yield (
        "write: archive size",
        _fmt_bytes(w["bytes"]["total"]),
        (
            f"{w['counts']['versions']} versions, "
            f"{w['bytes']['total'] / max(w['counts']['versions'], 1):.0f} B/version; {note}"
        ),
    )
    rc = result["recrawl"]
    f = rc["first"]
    yield (
        "crawl 1 (first)",
        _fmt_bytes(f["bytes"]["total"]),
        (
            f"{f['requests']} requests; {rc['archived_articles']} articles; "
            f"sqlite {_fmt_bytes(f['bytes']['sqlite'])}, warc {_fmt_bytes(f['bytes']['warc'])}"
        ),
    )
    for name, label in (("full", "re-crawl --full"), ("incremental", "re-crawl incremental")):
        c = rc[name]
        parts = c["bytes_added_parts"]
        outcomes = ", ".join(f"{k} {v}" for k, v in c["outcomes"].items()) or "none"
        yield (
            f"{label}: bytes added",
            _fmt_bytes(c["bytes_added"]),
            (f"sqlite {parts['sqlite']:+d} B, warc {parts['warc']:+d} B"),
        )
        yield (
            f"{label}: per article",
            f"{c['bytes_per_article']:.0f} B",
            (f"over {rc['archived_articles']} archived articles"),
        )
        yield (
            f"{label}: requests",
            f"{c['requests_share']:.1%} of crawl 1",
            (
                f"{c['requests']} vs {f['requests']}; statuses {c['response_statuses']}; "
                f"outcomes {outcomes}"
            ),
        )
    for name, label in (
        ("crawled", "verify crawled (db+WARC)"),
        ("synthetic", "verify synthetic (db)"),
    ):
        v = result["verify"][name]
        yield (
            f"{label}: time",
            f"{v['seconds_per_10k_versions']:.2f} s / 10k versions",
            (
                f"measured {v['seconds']:.2f} s on {v['versions']} versions, "
                f"{v['pointers']} WARC pointers, {v['warc_files']} WARC files"
            ),
        )
        read = v["bytes_read_per_10k_versions"]
        yield (
            f"{label}: read",
            f"{_fmt_bytes(read)} / 10k versions" if read is not None else "n/a",
            (
                f"{_fmt_bytes(v['bytes_read'])} read() in total = "
                f"{v['bytes_read'] / max(v['data_bytes']['total'], 1):.2f}x the data dir "
                f"({_fmt_bytes(v['data_bytes']['total'])}: WARC "
                f"{_fmt_bytes(v['data_bytes']['warc'])}, database "
                f"{_fmt_bytes(v['data_bytes']['sqlite'] + v['data_bytes']['wal'])}); "
                f"problems {v['problem_count']}"
                if v["bytes_read"] is not None
                else "/proc/self/io unavailable"
            ),
        )


def table(result: dict[str, Any]) -> str:
    rows = [("measure", "figure", "notes"), *_rows(result)]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{r[0].ljust(widths[0])}  {r[1].rjust(widths[1])}  {r[2]}" for r in rows]
    rc = result["recrawl"]
    for name in ("first", "full", "incremental"):
        c = rc[name]
        if c["exit_code"] != 0 or c["errors"]:
            lines.append(f"NOTE: crawl {name} exited {c['exit_code']}; errors in its log:")
            lines.extend(f"  {e}" for e in c["errors"])
            lines.extend(f"  {e}" for e in c["summary"])
    for name, v in result["verify"].items():
        if v["problem_count"]:
            lines.append(f"NOTE: verify {name}: {v['problem_count']} problems, first ones:")
            lines.extend(f"  {p}" for p in v["problems"][:5])
    return "\n".join(lines)

"""Archive benchmark: write throughput, bytes per re-crawl, ``luutru verify`` cost.

1. Write throughput: N synthetic Vietnamese ``ArticleRecord``s (sentences of the demo
   portal's generator, bodies 3-5 KB) recorded into a fresh archive by ``record_many``
   batches (as the crawl's writer thread does), in three passes: "new" (every key first
   seen), "updated" (every body changed: a version 2 each), "unchanged" (identical again:
   no version); beside it, in the same run, one ``record()`` per item into another archive.
2. Bytes per re-crawl: the demo portal in its own process, ``luutru crawl demo-liferay
   demo-aspnet`` into a fresh data dir, then an immediate ``--full`` re-crawl (conditional
   GETs, 304s) and an incremental one; the data dir (archive.sqlite, -wal, warc/) is
   measured after each, with the WAL checkpointed first.
3. ``verify()`` time and bytes read, on the crawled archive of (2) (database + WARC) and
   on the synthetic archive of (1) (database only), scaled per 10k versions.
"""

from __future__ import annotations

import html
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.crawl import REPO, SITES, _tail, portal_process

VN_TZ = timezone(timedelta(hours=7))
# Politeness off, for benchmarks only (as bench.crawl); ROBOTSTXT_OBEY stays True.
OVERRIDES = (
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_DELAY=0",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "LOG_LEVEL=INFO",
)
PER = 10_000  # verify figures are scaled per this many versions


# --------------------------------------------------------------------------- records


def _body(rng: random.Random, year: int, target: int) -> list[str]:
    """Paragraphs of demo-portal sentences (filled with random figures and districts)
    until the text reaches ``target`` UTF-8 bytes."""
    from demo_portal.content import fill
    from demo_portal.vocab import SENTENCES

    paras: list[str] = []
    size = 0
    while size < target:
        text = " ".join(fill(s, rng, year) for s in rng.sample(SENTENCES, rng.randint(2, 4)))
        paras.append(text)
        size += len(text.encode("utf-8")) + 2
    return paras


def synthetic_records(n: int, seed: int = 1) -> list[ArticleRecordT]:
    """``n`` distinct articles, alternating between the two demo sites."""
    from archive.records import ArticleRecord
    from demo_portal.content import ascii_slug
    from demo_portal.vocab import ACTORS, DISTRICTS, GIVENS, SOURCES, SURNAMES, TOPICS, VERBS

    rng = random.Random(f"bench-archive:{seed}")
    fetched = datetime(2025, 3, 1, 8, 0, tzinfo=VN_TZ)
    out = []
    for i in range(n):
        site = SITES[i % 2]
        published = datetime(2020, 1, 2, tzinfo=VN_TZ) + timedelta(minutes=rng.randrange(2_300_000))
        title = (
            f"{rng.choice(ACTORS[site])} {rng.choice(VERBS)} "
            f"{rng.choice(TOPICS[site])} tại huyện {rng.choice(DISTRICTS)} "
            f"năm {published.year} (số {i + 1})"
        )
        title = title[0].upper() + title[1:]
        paras = _body(rng, published.year, rng.randint(3_000, 5_000))
        key = str(1_000_000 + i)
        if site == "demo-liferay":
            url = f"http://127.0.0.1:8765/lf/web/so-tttt/-/asset_publisher/x/content/{key}"
        else:
            url = f"http://127.0.0.1:8765/asp/Pages/tin-tuc-{key}.aspx"
        url += f"?{ascii_slug(title, 40)}" if i % 5 == 0 else ""
        author = f"{rng.choice(SURNAMES)} {rng.choice(GIVENS)}" if i % 4 else None
        out.append(
            ArticleRecord(
                site=site,
                article_key=key,
                url=url,
                fetched_url=url,
                title=title,
                body="\n\n".join(paras),
                body_html="".join(f"<p>{html.escape(p)}</p>" for p in paras),
                date=published.date().isoformat(),
                datetime=published.isoformat() if i % 3 else None,
                author=author,
                source=None if author else rng.choice(SOURCES),
                summary=paras[0][:200],
                category="Tin hoạt động" if i % 2 else "Công nghệ thông tin",
                fetched_at=(fetched + timedelta(seconds=i)).isoformat(),
                etag=f'"{seed}-{i}-1"',
                last_modified="Sat, 01 Mar 2025 01:00:00 GMT",
            )
        )
    return out


ArticleRecordT = Any  # archive.records.ArticleRecord, imported lazily


def updated_records(records: list[ArticleRecordT], seed: int = 1) -> list[ArticleRecordT]:
    """Every body edited as portals do: one sentence appended, one figure changed."""
    from demo_portal.content import fill
    from demo_portal.vocab import EDIT_SENTENCES

    rng = random.Random(f"bench-archive-edit:{seed}")
    out = []
    for i, r in enumerate(records):
        extra = fill(rng.choice(EDIT_SENTENCES), rng, 2025)
        body = r.body.replace(" năm ", " trong năm ", 1) + "\n\n" + extra
        out.append(
            replace(
                r,
                body=body,
                body_html=r.body_html + f"<p>{html.escape(extra)}</p>",
                fetched_at=(
                    datetime(2025, 3, 2, 8, 0, tzinfo=VN_TZ) + timedelta(seconds=i)
                ).isoformat(),
                etag=f'"{seed}-{i}-2"',
            )
        )
    return out


BATCH = 200  # records per record_many call: what the crawl's writer thread takes at most
SINGLE_MAX = 1_000  # records of the one-record()-each comparison (it is 10x slower)


def _passes(archive: Any, passes: list[tuple[str, list[Any]]], batch: int) -> dict[str, Any]:
    """Each pass into ``archive``, ``batch`` records per ``record_many`` (0: one
    ``record()`` each); wall and CPU time, outcomes."""
    out: dict[str, Any] = {}
    for name, records in passes:
        run_id = archive.start_run(f"bench-{name}")
        outcomes: dict[str, int] = {}
        started, cpu = time.perf_counter(), time.process_time()
        if batch:
            done = [o for i in range(0, len(records), batch)
                    for o in archive.record_many(records[i : i + batch], run_id)]  # fmt: skip
        else:
            done = [archive.record(record, run_id) for record in records]
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        for outcome in done:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        archive.finish_run(run_id, "finished", {})
        out[name] = {
            "records": len(records),
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "per_s": round(len(records) / seconds, 1),
            "per_cpu_s": round(len(records) / cpu, 1) if cpu else None,
            "outcomes": outcomes,
        }
    return out


def write_throughput(data: Path, n: int) -> dict[str, Any]:
    """The three passes batched (``record_many``, as the crawl writes) into ``data``, and
    the first ``SINGLE_MAX`` records one ``record()`` each into another archive, in the
    same run (same machine load)."""
    from archive import neardup
    from archive.store import Archive

    first = synthetic_records(n)
    second = updated_records(first)
    third = [
        replace(
            r, fetched_at=(datetime.fromisoformat(r.fetched_at) + timedelta(days=1)).isoformat()
        )
        for r in second
    ]
    body_bytes = [len(r.body.encode("utf-8")) for r in first]
    result: dict[str, Any] = {
        "records": n,
        "batch": BATCH,
        "body_bytes_mean": round(sum(body_bytes) / n),
        "body_bytes_min": min(body_bytes),
        "body_bytes_max": max(body_bytes),
    }
    neardup.signatures([first[0].body])  # one-time imports and tables, for neither side
    k = min(n, SINGLE_MAX)
    passes = [("new", first), ("updated", second), ("unchanged", third)]
    with Archive.open(data.with_name(data.name + "-single")) as archive:
        result["single"] = _passes(archive, [(p, rs[:k]) for p, rs in passes], 0)
    with Archive.open(data) as archive:
        result["passes"] = _passes(archive, passes, BATCH)
        result["counts"] = archive.counts()
    result["bytes"] = data_bytes(data)
    return result


# --------------------------------------------------------------------------- sizes


def checkpoint(data: Path) -> None:
    """Fold the WAL into archive.sqlite so sizes compare across runs."""
    conn = sqlite3.connect(data / "archive.sqlite")
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()


def data_bytes(data: Path) -> dict[str, int]:
    checkpoint(data)

    def size(p: Path) -> int:
        return p.stat().st_size if p.exists() else 0

    warc = data / "warc"
    parts = {
        "sqlite": size(data / "archive.sqlite"),
        "wal": size(data / "archive.sqlite-wal"),
        "warc": sum(p.stat().st_size for p in warc.rglob("*") if p.is_file())
        if warc.is_dir()
        else 0,
    }
    parts["total"] = sum(parts.values())
    return parts


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
        raise RuntimeError(f"luutru crawl exited {done.returncode}:\n{_tail(log_path)}")
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

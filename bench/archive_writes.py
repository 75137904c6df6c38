"""Archive benchmark, part 1: write throughput (bench/archive.py runs it), and the data
directory's size.

N synthetic Vietnamese ``ArticleRecord``s (sentences of the demo portal's generator, bodies
3-5 KB) recorded in three passes: "new" (every key first seen), "updated" (every body
changed: a version 2 each), "unchanged" (identical again: no version). Batched by
``record_many`` as the crawl's writer thread does, and beside it, in the same run, one
``record()`` per item into another archive.
"""

from __future__ import annotations

import html
import random
import sqlite3
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.crawl import SITES

VN_TZ = timezone(timedelta(hours=7))


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

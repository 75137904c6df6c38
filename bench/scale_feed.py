"""The scale benchmark's captures, produced in a process of their own (bench/scale.py).

Why: at a million versions, generating a capture (0.4 ms of Python) and writing its page
into a gzipped WARC record (1.5 ms: 45 KB of real page chrome compressed) cost more than
storing it; done in the writing process they made a million-version build take an hour.
Here a child process generates the captures and writes their WARC records while the
parent stores the previous batch, and only the first ``warc_sample`` captures get a WARC
record of their own: later ones point at a sampled record, round-robin (the database rows
hold exactly as many bytes as real pointers), and the WARC bytes of the whole archive are
the sample's bytes per capture times the captures (every page is the same shell around a
1.5–4 KB body, so the sample's mean is the population's to within a percent).
"""

from __future__ import annotations

import html
import multiprocessing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WARC_SAMPLE = 20_000  # captures that get a WARC record of their own
_QUEUE = 4  # batches produced ahead of the writer


def _shell(page: Path) -> tuple[str, str]:
    raw = page.read_text("utf-8")
    cut = raw.lower().rfind("</body>")
    return (raw[:cut], raw[cut:]) if cut > 0 else (raw, "")


def with_warc(series: Any, shell: tuple[str, str], record: Any) -> Any:
    """Write the capture's page as a WARC response; the record then points at it."""
    from archive.records import WarcRef

    page = shell[0] + f"<h1>{html.escape(record.title)}</h1>{record.body_html}" + shell[1]
    body = page.encode("utf-8")
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    pointer, record_id, digest = series.write_response(
        record.fetched_url, 200, "OK", headers, body, date=record.fetched_at
    )
    record.warc = WarcRef(pointer.file, pointer.offset, pointer.length, digest, record_id)
    return record


def _batches(records: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _produce(
    records: Iterator[Any], batch: int, warc_dir: Path, page: Path, sample: int, queue: Any
) -> None:
    from archive.warc import WarcSeries

    shell = _shell(page)
    series = WarcSeries(warc_dir, "scale")
    refs: list[Any] = []
    done = 0
    try:
        for chunk in _batches(records, batch):
            out = []
            for record in chunk:
                if done < sample:
                    refs.append(with_warc(series, shell, record).warc)
                else:
                    record.warc = refs[done % len(refs)]
                out.append(record)
                done += 1
            if done >= sample:
                series.close()
            queue.put(out)
    finally:
        series.close()
        queue.put(None)


def feed(
    records: Iterator[Any], batch: int, warc_dir: Path, page: Path, sample: int = WARC_SAMPLE
) -> Iterator[list[Any]]:
    """``records`` (a generator, run in the child) in batches of ``batch`` with their WARC
    pointers, produced by a child process (fork: it inherits the generator and the
    imported modules) ``_QUEUE`` batches ahead."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue(maxsize=_QUEUE)
    child = ctx.Process(
        target=_produce, args=(records, batch, warc_dir, page, sample, queue), daemon=True
    )
    child.start()
    try:
        while (records := queue.get()) is not None:
            yield records
        child.join()
        if child.exitcode:
            raise RuntimeError(f"the capture generator exited with {child.exitcode}")
    finally:
        if child.is_alive():
            child.terminate()
            child.join()

"""The archive's writer thread: the crawl's items are stored off the reactor, in batches.

Why: each item written on the reactor thread stopped every download, parse and WARC write
for the length of its transaction (SQL, commit, near-duplicate lookup). Here the pipeline
hands each item to one writer thread and awaits its outcome; the reactor goes on with other
responses meanwhile. The writer takes everything queued when it is free — one item when the
crawl is slow, up to ``max_batch`` when it is fast — and stores the consecutive article
records of it with one ``record_many`` (one transaction, one commit) and its attached files
with one ``record_attachments``; 304s, gone and dead links are written one by one, in their
place in the order.

Fault safety: an item counts as stored (its await returns, Scrapy counts it scraped, the
run's stats count its outcome) only after its batch committed. A killed process loses only
items that were never acknowledged; a resumed run walks fully and finds them again. When a
batch fails, its records are written again one by one, so one bad record fails alone (as
it did before batching) and a storage error reaches each item (the pipeline then stops the
crawl: crawler/session.py ``stop_for``). The queue is bounded: when the writer falls behind,
``submit`` waits for room, and the crawl slows down instead of holding items in memory.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from twisted.internet import defer
from twisted.python.failure import Failure

from archive.attachments import AttachmentCapture
from archive.records import ArticleRecord, DeadLink, Gone, NotModified

log = logging.getLogger(__name__)

_STOP = object()
Entry = tuple[Any, defer.Deferred]
# A batch also closes once no item came for LULL_GAPS times the usual gap between items
# (never less than MIN_LULL seconds). The crawl's last items, or those before a pause,
# would otherwise wait out the whole linger, and the crawl's close with them. On the demo
# portal at 0.1 s a page: last page to close 143-213 ms -> 88 ms; ~10 items a batch (~14).
LULL_GAPS = 4.0
MIN_LULL = 0.02
_GAP_WEIGHT = 0.2  # of the newest gap in the running mean


class ArchiveWriter:
    """One thread writing ``archive`` for one run; ``submit`` from the reactor thread."""

    def __init__(
        self,
        archive: Any,
        run_id: int | None,
        call_in_reactor: Callable[..., Any],
        max_batch: int = 200,
        max_queue: int = 2_000,
        linger: float = 0.0,
    ) -> None:
        self.archive, self.run_id = archive, run_id
        self._call = call_in_reactor  # reactor.callFromThread
        self.max_batch = max_batch
        # Seconds the writer waits after a first item for more to join its batch: each batch
        # is one transaction (commit, near-duplicate pass), and without waiting a fast crawl
        # wrote ~1.1 records per batch, so per-batch costs were paid per article.
        self.linger = linger
        # Running mean of the time between two submitted items (each gap counted up to
        # the linger): a slow crawl's batches linger out as before, a fast one's close in
        # its first lull.
        self._gap = 0.0
        self._last_submit: float | None = None
        self._queue: queue.Queue[Any] = queue.Queue(max_queue)
        self.batches = 0  # committed record_many calls (for the run's stats)
        self._thread = threading.Thread(target=self._run, name="luutru-archive-writer")
        self._thread.daemon = True  # a killed crawl must not hang on it
        self._thread.start()

    def submit(self, item: Any) -> defer.Deferred:
        """A Deferred that fires (on the reactor thread) with the item's outcome once it is
        committed, or fails with the error that kept it out of the archive."""
        d: defer.Deferred = defer.Deferred()
        now = time.monotonic()
        if self._last_submit is not None:
            gap = min(now - self._last_submit, self.linger)
            self._gap += _GAP_WEIGHT * (gap - self._gap)
        self._last_submit = now
        self._queue.put((item, d))
        return d

    def lull(self) -> float:
        """Seconds without a new item after which a batch is closed before its linger."""
        return max(MIN_LULL, LULL_GAPS * self._gap)

    def close(self) -> None:
        """Write what is queued, then stop the thread (waits for it)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    # ---------------------------------------------------------------- the thread

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[Entry] = [first]
            stop = False
            deadline = time.monotonic() + self.linger
            while len(batch) < self.max_batch:
                wait = min(deadline - time.monotonic(), self.lull())
                try:
                    entry = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if entry is _STOP:
                    stop = True
                    break
                batch.append(entry)
            try:
                self._write(batch)
            except BaseException as exc:  # never leave an item unanswered
                for _item, d in batch:
                    self._fail(d, exc)
            if stop:
                return

    def _write(self, batch: list[Entry]) -> None:
        """Between two other items (304s, gone, dead links: written one by one, in their
        place), the article records in one ``record_many``, then the files in one
        ``record_attachments``. Files after records: a file links to its article, whose
        record the pipeline handed over before the file was fetched; interleaved, the two
        cut each other's batches into transactions of one or two items."""
        records: list[Entry] = []
        files: list[Entry] = []
        for entry in batch:
            if isinstance(entry[0], ArticleRecord):
                records.append(entry)
            elif isinstance(entry[0], AttachmentCapture):
                files.append(entry)
            else:
                self._records(records)
                self._files(files)
                records, files = [], []
                self._one(entry)
        self._records(records)
        self._files(files)

    def _records(self, entries: list[Entry]) -> None:
        self.batches += self._batch(entries, self.archive.record_many, "records")

    def _files(self, entries: list[Entry]) -> None:
        self._batch(entries, self.archive.record_attachments, "files")

    def _batch(self, entries: list[Entry], write: Callable[..., list[str]], what: str) -> int:
        """``write`` the items in one transaction and answer each; when it fails, write
        them again one by one, so one bad item fails alone. Returns the transactions
        that committed."""
        if not entries:
            return 0
        try:
            outcomes = write([item for item, _d in entries], self.run_id)
        except Exception as exc:
            if len(entries) == 1:
                self._fail(entries[0][1], exc)
                return 0
            log.warning("a batch of %d %s failed (%s): writing them one by one",
                        len(entries), what, exc)  # fmt: skip
            return sum(self._batch([entry], write, what) for entry in entries)
        for (_item, d), outcome in zip(entries, outcomes, strict=True):
            self._call(d.callback, outcome)
        return 1

    def _one(self, entry: Entry) -> None:
        item, d = entry
        archive, run_id = self.archive, self.run_id
        try:
            if isinstance(item, NotModified):
                outcome = archive.not_modified(item, run_id)
            elif isinstance(item, Gone):
                outcome = archive.gone(item, run_id)
            elif isinstance(item, DeadLink):
                archive.dead_link(item)
                outcome = "dead_link"
            else:
                raise TypeError(f"not an archive item: {type(item).__name__}")
        except Exception as exc:
            self._fail(d, exc)
            return
        self._call(d.callback, outcome)

    def _fail(self, d: defer.Deferred, exc: BaseException) -> None:
        self._call(d.errback, Failure(exc, type(exc), exc.__traceback__))

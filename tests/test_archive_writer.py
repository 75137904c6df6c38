"""The crawl's archive writer thread (crawler/archivewriter.py): batches, waiting for a
batch to fill, one-by-one retry of a failed batch, every item answered."""

from __future__ import annotations

import threading
import time
from typing import Any

from archive.attachments import AttachmentCapture
from archive.records import ArticleRecord, DeadLink
from crawler.archivewriter import ArchiveWriter


class FakeArchive:
    """Records the batches it is given; a record titled "bad" fails its batch."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.dead: list[str] = []

    def record_many(self, records: list[ArticleRecord], run_id: int | None) -> list[str]:
        self.batches.append([r.article_key for r in records])
        if any(r.title == "bad" for r in records):
            raise ValueError("bad record")
        return ["new"] * len(records)

    def dead_link(self, item: DeadLink) -> None:
        self.dead.append(item.article_key)

    def record_attachments(self, files: list[AttachmentCapture], run_id: int | None) -> list[str]:
        self.batches.append([f"file:{f.url}" for f in files])
        if any(f.fetch == "bad" for f in files):
            raise ValueError("bad file")
        return ["new"] * len(files)


def record(key: str, title: str = "Tiêu đề") -> ArticleRecord:
    return ArticleRecord("s", key, f"http://a.vn/{key}", f"http://a.vn/{key}", title, "Nội dung")


def direct(fn: Any, *args: Any) -> None:
    fn(*args)  # the test has no reactor: Deferreds fire on the writer thread


def outcomes(writer: ArchiveWriter, items: list[Any]) -> list[Any]:
    results: list[Any] = [None] * len(items)
    done = threading.Event()

    def keep(i: int) -> Any:
        def on(value: Any) -> None:
            results[i] = value.value if hasattr(value, "value") else value
            if all(r is not None for r in results):
                done.set()

        return on

    for i, item in enumerate(items):
        writer.submit(item).addBoth(keep(i))
    assert done.wait(10)
    return results


def test_items_arriving_within_the_linger_share_one_transaction() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=0.5)
    try:
        assert outcomes(writer, [record(str(i)) for i in range(5)]) == ["new"] * 5
    finally:
        writer.close()
    assert archive.batches == [["0", "1", "2", "3", "4"]]
    assert writer.batches == 1


def test_without_linger_an_item_alone_is_written_at_once() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=0.0)
    try:
        assert outcomes(writer, [record("1")]) == ["new"]
    finally:
        writer.close()
    assert archive.batches == [["1"]]


def test_a_batch_never_exceeds_max_batch() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, max_batch=3, linger=0.5)
    try:
        outcomes(writer, [record(str(i)) for i in range(7)])
    finally:
        writer.close()
    assert [len(b) for b in archive.batches] == [3, 3, 1]


def test_a_failed_batch_is_written_again_one_by_one_and_only_the_bad_record_fails() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=0.5)
    try:
        results = outcomes(writer, [record("1"), record("2", "bad"), record("3")])
    finally:
        writer.close()
    assert results[0] == "new" and results[2] == "new"
    assert isinstance(results[1], ValueError)
    assert archive.batches[0] == ["1", "2", "3"]
    assert archive.batches[1:] == [["1"], ["2"], ["3"]]


def test_other_items_keep_their_place_between_batches() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=0.5)
    dead = DeadLink("s", "9", "http://a.vn/9", "http_404", "2026-12-03T10:00:00+07:00")
    try:
        results = outcomes(writer, [record("1"), dead, record("2")])
    finally:
        writer.close()
    assert results == ["new", "dead_link", "new"]
    assert archive.batches == [["1"], ["2"]] and archive.dead == ["9"]


def file(url: str, key: str = "1", fetch: str = "ok") -> AttachmentCapture:
    return AttachmentCapture("s", key, url, url, "2026-12-03T10:00:00+07:00", fetch)


def test_records_then_files_each_in_one_transaction_between_other_items() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=0.5)
    dead = DeadLink("s", "9", "http://a.vn/9", "http_404", "2026-12-03T10:00:00+07:00")
    items = [record("1"), file("a.pdf"), record("2"), file("b.pdf", "2"), dead, record("3")]
    try:
        results = outcomes(writer, items)
    finally:
        writer.close()
    assert results == ["new", "new", "new", "new", "dead_link", "new"]
    # the records of a stretch first (a file's article is stored before it), then its files
    assert archive.batches == [["1", "2"], ["file:a.pdf", "file:b.pdf"], ["3"]]
    assert archive.dead == ["9"]


def test_a_failed_batch_of_files_is_written_again_one_by_one() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=0.5)
    items = [file("a.pdf"), file("b.pdf", fetch="bad"), file("c.pdf")]
    try:
        results = outcomes(writer, items)
    finally:
        writer.close()
    assert results[0] == "new" and results[2] == "new"
    assert isinstance(results[1], ValueError)
    assert archive.batches[1:] == [["file:a.pdf"], ["file:b.pdf"], ["file:c.pdf"]]


def test_close_writes_what_is_queued() -> None:
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=5.0)  # longer than the test waits
    for i in range(3):
        writer.submit(record(str(i)))
    writer.close()
    assert archive.batches == [["0", "1", "2"]]


def test_a_batch_closes_when_the_items_stop_coming_not_at_the_end_of_its_linger() -> None:
    """The crawl's last items (crawler/archivewriter.py LULL_GAPS): written once no more
    came for a few of the usual gaps, while a linger of 5 s would keep them waiting."""
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=5.0)
    answered = threading.Event()
    try:
        for i in range(5):
            d = writer.submit(record(str(i)))
        d.addCallback(lambda _outcome: answered.set())
        assert answered.wait(2.0)  # well before the 5 s linger
    finally:
        writer.close()
    # one batch as a rule; a test thread held up past the lull may split it
    assert [key for batch in archive.batches for key in batch] == ["0", "1", "2", "3", "4"]


def test_a_slow_crawls_items_still_wait_out_the_linger_together() -> None:
    """Gaps longer than the linger count as the linger: items a little more than the
    lull apart (but within the linger) still share a batch when the crawl is slow."""
    archive = FakeArchive()
    writer = ArchiveWriter(archive, 1, direct, linger=1.0)
    try:
        first = writer.submit(record("0"))
        time.sleep(0.05)  # past MIN_LULL: with no gap known yet, the first goes alone
        writer.submit(record("1"))
        time.sleep(1.1)  # a gap of a slow crawl: counted as the whole linger
        writer.submit(record("2"))
        time.sleep(0.3)  # well within the lull the slow gap set (4 x 0.2 s)
        last = writer.submit(record("3"))
        done = threading.Event()
        last.addCallback(lambda _outcome: done.set())
        first.addCallback(lambda _outcome: None)
        assert done.wait(5)
    finally:
        writer.close()
    assert archive.batches[-1] == ["2", "3"]

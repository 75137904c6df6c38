"""Large captures are written by a thread of their own (crawler/middlewares.py,
THREAD_BYTES), small ones on the reactor unless a large one is still queued; either way
the records land whole, in the order the responses arrived, each pointer naming its own
record (set by the time ``capture_written`` returns), records written beside them from
another thread never interleave, and a capture that fails is reported, awaited or not."""

from __future__ import annotations

import asyncio
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

from archive.warc import WarcPointer, WarcSeries, check_file, index_file, read_record
from crawler import middlewares
from crawler.middlewares import THREAD_BYTES, WarcCaptureMiddleware, capture_written
from crawler.warc_thread import WarcThread


class Counter(dict):
    """What the pipeline reads of Scrapy's stats."""

    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count


class _Session:
    """What the capture middleware reads of a crawl session, over a real WARC series."""

    is_open = True
    stopping = False

    def __init__(self, directory: Path) -> None:
        self.warc = WarcSeries(directory, "test")
        self.state: dict[str, Any] = {}
        self.written: dict[str, Any] = {}
        self.archive = None
        self.directory = directory
        self.failures: list[tuple[str, BaseException]] = []
        self.warc_thread = WarcThread(self._report)

    def _report(self) -> None:  # as CrawlSession.report_failures is told
        self.failures.extend(self.warc_thread.take_failures())

    def hand_over(self, record_id: str, record: Any) -> None:
        self.written[record_id] = record

    def take(self, record_id: str | None) -> Any:
        return self.written.pop(record_id, None) if record_id else None

    def warc_relative(self, name: str) -> str:
        return name

    def stop_for(self, exc: BaseException) -> bool:
        return False


def _response(n: int, size: int) -> HtmlResponse:
    url = f"http://127.0.0.1:9/tin?id={n}"
    body = b"<html><body>" + str(n).encode() + b"x" * size + b"</body></html>"
    request = Request(url, meta={"article_key": str(n)})
    return HtmlResponse(url, body=body, request=request, headers={"Content-Type": "text/html"})


@pytest.fixture
def session(tmp_path: Path):
    session = _Session(tmp_path)
    yield session
    session.warc.close()


def _run(middleware: WarcCaptureMiddleware, responses: list[HtmlResponse]) -> None:
    """Each response through the middleware, then awaited as the spider awaits it."""

    async def all_at_once() -> None:
        for r in responses:
            middleware.process_response(r.request, r)  # type: ignore[arg-type]
        await asyncio.gather(*(capture_written(r) for r in responses))

    asyncio.run(all_at_once())
    middleware.session.warc_thread.drain()  # type: ignore[union-attr]


def test_a_large_capture_is_written_off_the_calling_thread(
    session: _Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: dict[int, str] = {}
    capture = WarcCaptureMiddleware._capture

    def recording(self: Any, session: Any, request: Request, response: Any) -> None:
        threads[len(response.body)] = threading.current_thread().name
        capture(self, session, request, response)

    monkeypatch.setattr(WarcCaptureMiddleware, "_capture", recording)
    small, large = _response(1, 100), _response(2, THREAD_BYTES)
    _run(WarcCaptureMiddleware(session), [small])  # type: ignore[arg-type]
    _run(WarcCaptureMiddleware(session), [large])  # type: ignore[arg-type]
    assert threads[len(small.body)] == threading.current_thread().name
    assert threads[len(large.body)].startswith("luutru-warc")


def test_captures_land_whole_in_arrival_order_with_their_own_pointers(
    session: _Session,
) -> None:
    # large and small mixed: the small ones queue behind a large one still being written
    responses = [_response(n, THREAD_BYTES * 2 if n % 3 == 0 else 200) for n in range(12)]
    _run(WarcCaptureMiddleware(session), responses)  # type: ignore[arg-type]
    session.warc.close()
    for response in responses:
        ref = response.request.meta["warc"]  # type: ignore[union-attr]
        record = read_record(session.directory, WarcPointer(ref.file, ref.offset, ref.length))
        assert record.rec_type == "response" and record.target_uri == response.url
        assert record.payload == response.body
        assert record.record_id == ref.record_id
    (path,) = session.directory.glob("*.warc.gz")
    assert check_file(path) == []
    captured = [e["uri"] for e in index_file(path) if e["rec_type"] == "response"]
    assert captured == [r.url for r in responses]


def test_records_written_beside_captures_from_another_thread_never_interleave(
    session: _Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(middlewares, "THREAD_BYTES", 1)  # every capture in the thread
    responses = [_response(n, 20_000) for n in range(20)]
    stop = threading.Event()

    def metadata_writer() -> None:  # as the article pipeline writes records beside them
        while not stop.is_set():
            session.warc.write_metadata("http://127.0.0.1:9/", {"outcome": "new"})

    beside = threading.Thread(target=metadata_writer)
    beside.start()
    try:
        _run(WarcCaptureMiddleware(session), responses)  # type: ignore[arg-type]
    finally:
        stop.set()
        beside.join()
    session.warc.close()
    for path in session.directory.glob("*.warc.gz"):
        assert check_file(path) == []
    for response in responses:  # each response followed by its own request record
        ref = response.request.meta["warc"]  # type: ignore[union-attr]
        record = read_record(session.directory, WarcPointer(ref.file, ref.offset, ref.length))
        assert record.payload == response.body


def test_a_failed_capture_is_reported_and_the_response_goes_on(
    session: _Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(WarcSeries, "write_response", failing)
    response = _response(1, THREAD_BYTES)
    _run(WarcCaptureMiddleware(session), [response])  # type: ignore[arg-type]
    assert "warc" not in response.meta
    assert [what for what, _ in session.failures] == [f"capture of {response.url}"]
    assert isinstance(session.failures[0][1], OSError)


def test_a_response_replaced_after_the_capture_is_still_awaited(session: _Session) -> None:
    """A later middleware may replace the response (HttpCompression decompressing it);
    the spider gets the replacement, and its request, meta["warc"] included, is the same."""
    response = _response(1, THREAD_BYTES)
    middleware = WarcCaptureMiddleware(session)  # type: ignore[arg-type]

    async def through() -> HtmlResponse:
        middleware.process_response(response.request, response)  # type: ignore[arg-type]
        replaced = response.replace(body=response.body.upper())
        await capture_written(replaced)
        return replaced

    replaced = asyncio.run(through())
    assert replaced.meta["warc"].record_id
    session.warc_thread.drain()


def test_nothing_unpicklable_is_left_in_the_request(session: _Session) -> None:
    """A redirect or a retry copies the request's meta into a request for the disk queue
    (pause and resume): the capture's Future must not be in it."""
    response = _response(1, THREAD_BYTES)
    middleware = WarcCaptureMiddleware(session)  # type: ignore[arg-type]

    async def handed_over() -> bytes:
        middleware.process_response(response.request, response)  # type: ignore[arg-type]
        meta = pickle.dumps(dict(response.request.meta))  # type: ignore[union-attr]
        await capture_written(response)
        return meta

    assert asyncio.run(handed_over())
    session.warc_thread.drain()


def test_the_records_beside_a_capture_follow_it_from_the_warc_thread(
    session: _Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive pipeline's metadata record goes to the WARC thread, behind the capture
    it names (crawler/pipelines.py): off the reactor, and still after its capture."""
    from warcio.archiveiterator import ArchiveIterator

    from archive.records import Gone
    from crawler.pipelines import ArchivePipeline

    monkeypatch.setattr(middlewares, "THREAD_BYTES", 1)
    writers: list[str] = []
    write_metadata = WarcSeries.write_metadata

    def noted(self: WarcSeries, *args: Any, **kwargs: Any) -> Any:
        writers.append(threading.current_thread().name)
        return write_metadata(self, *args, **kwargs)

    monkeypatch.setattr(WarcSeries, "write_metadata", noted)
    pipeline = ArchivePipeline.__new__(ArchivePipeline)
    pipeline.stats = Counter()  # type: ignore[assignment]
    response = _response(1, 20_000)

    async def crawl() -> None:
        WarcCaptureMiddleware(session).process_response(response.request, response)  # type: ignore[arg-type]
        await capture_written(response)
        gone = Gone("s", "1", response.url, "2026-12-05T08:00:00+07:00", 404,
                    warc=response.meta["warc"])  # fmt: skip
        pipeline._stored(session, gone, "gone")  # type: ignore[arg-type]

    asyncio.run(crawl())
    session.warc_thread.drain()
    session.warc.close()
    assert writers and all(name.startswith("luutru-warc") for name in writers)
    path = next(session.directory.glob("*.warc.gz"))
    with open(path, "rb") as fh:
        headers = [r.rec_headers for r in ArchiveIterator(fh) if r.rec_type != "warcinfo"]
    assert [h.get_header("WARC-Type") for h in headers] == ["response", "request", "metadata"]
    capture_id = headers[0].get_header("WARC-Record-ID")
    assert headers[2].get_header("WARC-Concurrent-To") == capture_id

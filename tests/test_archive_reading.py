"""``Archive.reading()``: a page's reads on one connection in one transaction
(archive/core.py). Each read used to take a connection from the pool and open a
transaction of its own: on PostgreSQL a ping, a BEGIN and a COMMIT around every query.
Counted here by the pool's checkouts and the engine's transactions, on both backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from archive.store import Archive
from luutru.web.app import create_app
from luutru.web.server import open_reader
from luutru.web.settings import WebSettings
from tests.archive_builders import news_record

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with Archive.open(tmp_path) as archive:
        archive.record(news_record("1", "Hội nghị về an toàn lao động tại huyện Đông Sơn."), None)
        archive.record(news_record("1", "Hội nghị về an toàn giao thông tại huyện Đông Sơn."), None)
    return tmp_path


@pytest.fixture
def reader(data: Path, backend: str | None) -> Iterator[Archive]:
    archive = open_reader(data, backend)
    yield archive
    archive.close()


class Counted:
    """Pool checkouts and transactions begun on ``engine``, by thread."""

    def __init__(self, engine) -> None:
        self.checkouts: list[int] = []
        self.begins = 0
        event.listen(engine, "checkout", lambda *a: self.checkouts.append(threading.get_ident()))
        event.listen(engine, "begin", self._began)

    def _began(self, conn) -> None:
        self.begins += 1

    def most_by_one_thread(self) -> int:
        """The route's thread's checkouts (on PostgreSQL the web cache reads the WAL
        position on a connection of its own, in the event loop's thread)."""
        return max(self.checkouts.count(ident) for ident in set(self.checkouts))


def _reads(archive: Archive) -> int:
    article = archive.find("demo-aspnet:1")
    assert article is not None
    archive.versions(article["article_id"])
    archive.version(article["article_id"], 1)
    return article["article_id"]


def test_reads_outside_a_block_take_a_connection_each(reader: Archive) -> None:
    counted = Counted(reader.engine)
    _reads(reader)
    assert len(counted.checkouts) == 3 and counted.begins == 3


def test_reads_in_a_block_share_one_connection_and_transaction(reader: Archive) -> None:
    counted = Counted(reader.engine)
    with reader.reading():
        article_id = _reads(reader)
        assert reader.near_duplicate_cluster(article_id) == []
        with reader.reading():  # nested: the outer block's connection
            reader.versions(article_id)
    assert len(counted.checkouts) == 1 and counted.begins == 1


def test_a_block_without_reads_takes_no_connection(reader: Archive) -> None:
    counted = Counted(reader.engine)
    with reader.reading():
        pass
    assert counted.checkouts == [] and counted.begins == 0


def test_other_threads_read_on_connections_of_their_own(reader: Archive) -> None:
    counted = Counted(reader.engine)
    with reader.reading():
        _reads(reader)
        worker = threading.Thread(target=_reads, args=(reader,))
        worker.start()
        worker.join()
    by_thread = {ident: counted.checkouts.count(ident) for ident in set(counted.checkouts)}
    assert sorted(by_thread.values()) == [1, 3]  # this block one, the other thread's reads 3


def test_a_failed_block_ends_and_the_next_reads_work(reader: Archive) -> None:
    with pytest.raises(ZeroDivisionError), reader.reading():
        _reads(reader)
        1 / 0  # noqa: B018 (a route failing mid-page)
    counted = Counted(reader.engine)
    assert _reads(reader) > 0
    assert len(counted.checkouts) == 3  # back to a connection per read: the block ended


@pytest.mark.parametrize("path", ["/articles/demo-aspnet:1", "/articles/demo-aspnet:1/versions/1"])
def test_an_article_page_takes_one_connection(
    data: Path, backend: str | None, reader: Archive, path: str
) -> None:
    """The page reads the article, its versions, two of them for the diff, its
    near-duplicates and cluster, its files: one connection for all of it."""
    app = create_app(WebSettings(data=str(data), db=backend), archive=reader)
    with TestClient(app) as client:
        counted = Counted(reader.engine)
        response = client.get(path)
        assert response.status_code == 200 and "giao thông" in response.text
        assert counted.most_by_one_thread() == 1


@pytest.mark.parametrize(
    "path", ["/api/articles/demo-aspnet:1", "/api/articles/demo-aspnet:1/diff"]
)
def test_the_article_api_takes_one_connection(
    data: Path, backend: str | None, reader: Archive, path: str
) -> None:
    app = create_app(WebSettings(data=str(data), db=backend), archive=reader)
    with TestClient(app) as client:
        counted = Counted(reader.engine)
        assert client.get(path).status_code == 200
        assert counted.most_by_one_thread() == 1

"""The web caches on a PostgreSQL archive (luutru/web/pg_markers.py): a repeated search or
article page is answered from the cache while nothing is written, and a write shows
(within PG_LOOK, set to 0 here). Before, entries lived SERVER_TTL seconds whatever
happened, and 30 readers got 20 answers a second."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from archive.store import Archive
from luutru.web import markers as web_markers
from luutru.web.app import create_app
from luutru.web.pg_markers import PgMarkers
from luutru.web.server import open_reader
from luutru.web.settings import WebSettings
from tests.archive_builders import news_record

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def data(tmp_path: Path, backend: str | None, monkeypatch: pytest.MonkeyPatch) -> Path:
    if backend is None:
        pytest.skip("PostgreSQL only: SQLite has PRAGMA data_version")
    monkeypatch.setattr(web_markers, "PG_LOOK", 0.0)  # every request looks at the WAL
    monkeypatch.setattr(web_markers, "SERVER_TTL", 3600.0)  # so TTL expiry cannot pass it
    with Archive.open(tmp_path) as archive:
        archive.record(news_record("1", "Hội nghị về an toàn lao động tại huyện Đông Sơn."), None)
    return tmp_path


def test_a_search_is_kept_until_a_version_is_written(data: Path, backend: str) -> None:
    app = create_app(WebSettings(data=str(data), db=backend), archive=open_reader(data, backend))
    with TestClient(app) as client:
        cache = app.state.cache
        assert cache.marker()[0] == "pg"  # the WAL position, not a time slot

        def total() -> int:
            return client.get("/api/search", params={"q": "lao động"}).json()["total"]

        assert total() == 1
        misses = cache.misses
        assert total() == 1 and cache.misses == misses  # kept: nothing was written
        with Archive.open(data) as writer:
            writer.record(news_record("2", "Tuyển dụng lao động cho khu công nghiệp."), None)
        assert total() == 2  # the write shows


def test_an_article_page_is_kept_until_anything_is_written(data: Path, backend: str) -> None:
    app = create_app(WebSettings(data=str(data), db=backend), archive=open_reader(data, backend))
    with TestClient(app) as client:
        cache = app.state.cache
        first = client.get("/api/articles/demo-aspnet:1").json()
        before = cache.marker()
        assert client.get("/api/articles/demo-aspnet:1").headers["x-cache"] == "hit"
        with Archive.open(data) as writer:
            writer.record(
                news_record("1", "Hội nghị về an toàn giao thông tại huyện Đông Sơn."), None
            )
        assert cache.marker() != before  # any write moves the WAL position
        after = client.get("/api/articles/demo-aspnet:1")
        assert after.headers["x-cache"] == "miss"
        assert after.json()["version"] == first["version"] + 1


def test_no_wal_position_falls_back_to_a_short_life(
    data: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A standby or a role without the right to read the WAL position: entries live
    SERVER_TTL seconds, as before, and nothing fails."""
    monkeypatch.setattr(PgMarkers, "wal_position", lambda self: None)
    app = create_app(WebSettings(data=str(data), db=backend), archive=open_reader(data, backend))
    with TestClient(app) as client:
        assert app.state.cache.marker()[0] == "ttl"
        response = client.get("/api/search", params={"q": "lao động"})
        assert response.status_code == 200 and response.json()["total"] == 1


def test_a_marker_connection_the_server_dropped_is_replaced(data: Path, backend: str) -> None:
    """The markers' connections are not pinged before use (a round trip each): when the
    server has dropped one (a restart, an idle timeout), the read is tried once more on a
    new connection, and the WAL position is still read, not given up for good."""
    reader = open_reader(data, backend)
    markers = PgMarkers.of(reader)
    assert markers is not None
    try:
        first = markers.wal_position()
        with markers.engine.connect() as conn:  # the pooled connection the next read takes
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with Archive.open(data) as admin, admin.engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        assert markers.wal_position() is not None and first is not None
        assert markers.row("SELECT 1 WHERE 1 = :one", {"one": 1}) == (1,)
    finally:
        markers.close()
        reader.close()

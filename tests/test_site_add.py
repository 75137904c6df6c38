"""`luutru site add`: a profile inferred from a portal's pages (crawler/inference.py), on
real article captures and end to end against the demo portal."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from crawler.extract.page import make_selector
from crawler.inference import css_for, detect_cms, infer_selectors
from crawler.profiles import load_profile_file
from demo_portal import DemoPortal
from luutru.site_add import site_id_from

REAL = Path(__file__).parent / "pages" / "real"


def samples(pattern: str) -> list[tuple[str, bytes]]:
    pages = sorted(REAL.glob(f"*{pattern}*.html"))
    return [(p.with_suffix(".url").read_text("utf-8").strip(), p.read_bytes()) for p in pages]


def test_selectors_inferred_from_real_liferay_articles() -> None:
    inferred = infer_selectors(samples("sotttt"))
    assert inferred.selectors == {
        "title": "div.asset-full-content-title",
        "date": "div.assetPublishDate.block_timer",
        "body": "div.journal-content-article",
    }
    # One article has an all-bold first paragraph as lead, the others none: no selector
    # that would take every article's first paragraph for a lead.
    assert "summary" not in inferred.selectors and inferred.notes


def test_selectors_inferred_from_real_vnexpress_articles() -> None:
    inferred = infer_selectors(samples("vnexpress"))
    # span.date, not the "today is …" clock of the page header that shows the same day.
    assert inferred.selectors == {
        "title": "h1.title-detail",
        "date": "span.date",
        "summary": "p.description",
        "body": "article.fck_detail",
    }


def test_cms_family_from_markers() -> None:
    assert (
        detect_cms((REAL / "2022-08-27_sotttt-hanoi_1005503.html").read_text("utf-8")) == "liferay"
    )
    assert detect_cms("<html><body><p>Trang chủ</p></body></html>") is None


def test_css_for_skips_numbered_classes_and_names_a_classless_element_by_its_parent() -> None:
    sel = make_selector('<div class="post-123 entry-content"><p>x</p><h1>T</h1></div>')
    div = sel.css("div")[0].root
    assert css_for(div) == "div.entry-content"
    assert css_for(sel.css("h1")[0].root) == "div.entry-content > h1"


def test_site_ids_from_host_names() -> None:
    assert site_id_from("https://soyte.hanoi.gov.vn/tin-tuc") == "soyte-hanoi"
    assert site_id_from("http://www.sldtbxh.example.gov.vn/") == "sldtbxh-example"


def luutru(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "-m", "luutru", *args], capture_output=True, text=True, timeout=300,
        env=env,
    )  # fmt: skip


@pytest.mark.slow
def test_site_add_from_a_home_page_writes_a_checked_profile(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with DemoPortal(articles=40, port=0) as portal:
        home = f"{portal.base_url}/asp/Pages/Default.aspx"
        added = luutru("site", "add", home, "--id", "so-ldtbxh", "--data", str(data))
        profile_file = data / "sites" / "so-ldtbxh.toml"
        assert added.returncode == 0, added.stderr[-2000:]
        raw = tomllib.loads(profile_file.read_text("utf-8"))
        # The listings behind the home page's news menu, not the home page itself.
        assert raw["start_urls"] == [
            f"{portal.base_url}/asp/Pages/TinTuc.aspx?CatID=1",
            f"{portal.base_url}/asp/Pages/TinTuc.aspx?CatID=2",
        ]
        assert raw["article"]["title"] == "h1.tandan-title"
        assert raw["article"]["body"] == "div.ms-rtestate-field"
        text = profile_file.read_text("utf-8")
        assert "# Inferred by `luutru site add` on " in text and "# inferred " in text
        # `site check` ran on it: three articles with their fields.
        assert added.stdout.count("\n• ") == 3 and "title     " in added.stdout
        load_profile_file(profile_file)
        # A crawl finds the profile in <data>/sites without --sites.
        crawl = luutru("crawl", "so-ldtbxh", "--data", str(data), "--quiet")
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        assert "so-ldtbxh (full): 20 new" in crawl.stdout
        again = luutru("site", "add", home, "--id", "so-ldtbxh", "--data", str(data))
        assert again.returncode == 2 and "--update so-ldtbxh" in again.stderr
        update = luutru("site", "add", "--update", "so-ldtbxh", "--data", str(data), "--no-check")
    assert update.returncode == 0, update.stderr[-2000:]
    kept = list((data / "sites").glob("so-ldtbxh.*.toml.old"))
    assert len(kept) == 1 and kept[0].read_text("utf-8") == text
    assert profile_file.is_file()


def test_site_add_of_an_unreachable_portal_is_one_clear_line(tmp_path: Path) -> None:
    result = luutru("site", "add", "http://127.0.0.1:9/", "--data", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("luutru: error: cannot reach http://127.0.0.1:9/")
    assert "Traceback" not in result.stderr

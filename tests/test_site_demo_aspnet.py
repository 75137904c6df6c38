"""Frozen pages of the demo portal's ASP.NET family (tests/pages/demo-aspnet), city-scrapers style.

Each ``test_<field>`` compares the live extraction of every frozen page with its expected JSON
(written only by ``tests/regen_expected.py``); ``test_matches_truth`` checks that expected JSON
against the demo portal's independent ground truth; the rest are hand assertions on what the
pages were chosen to cover. Time is frozen at the capture date in each file name. No network.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tests.frozen_site import site_tests
from tests.regen_expected import capture_date, page_url, sidecar

SITE = "demo-aspnet"
# The per-field tests shared by every site (test_title, test_date, …, test_matches_truth)
# and the fixtures they use; this module adds what its pages were chosen to cover.
_SHARED = site_tests(SITE)
globals().update({k: v for k, v in _SHARED.items() if k.startswith("test_") or k in (
    "page", "item", "expected")})  # fmt: skip
PAGES: list[Path] = _SHARED["PAGES"]
ARTICLE_PAGES: list[Path] = _SHARED["ARTICLE_PAGES"]
TEXT_FIELDS: tuple[str, ...] = _SHARED["TEXT_FIELDS"]
CHROME_TEXTS: tuple[str, ...] = _SHARED["CHROME_TEXTS"]
by_name = _SHARED["by_name"]
_live = _SHARED["_live"]


# ------------------------------------------------------------ what the pages cover


def test_pages_cover_the_variety() -> None:
    names = {p.stem.split("_", 1)[1] for p in PAGES}
    for form in ("bare", "tac-gia", "tin-anh", "nguon"):
        assert any(n.startswith(form) for n in names), form
    for style in ("d0", "d1", "d2", "d3", "d4"):  # every date-line form of the family
        assert any(f"-{style}-" in n for n in names), style
    assert any("nfd" in n for n in names)
    assert any("attachment" in n for n in names)
    assert "soft-404" in names
    assert len(ARTICLE_PAGES) == len(PAGES) - 1


def test_sidecars(page: Path) -> None:
    assert capture_date(page).isoformat() == page.name[:10]
    assert page_url(page).startswith("http://127.0.0.1:8765/asp/Pages/ChiTiet.aspx?ItemID=")
    assert sidecar(page, "expected").exists()


@pytest.mark.parametrize("name", ["tac-gia-d1-nfd", "nguon-d3-nfd", "nguon-d4-nfd-attachment"])
def test_nfd_page_gives_nfc(name: str) -> None:
    page = by_name(name)
    raw = page.read_bytes().decode("utf-8")
    assert not unicodedata.is_normalized("NFC", raw)  # the page really is decomposed
    item = _live(page)
    for field in TEXT_FIELDS:
        value = item[field]
        if value:
            assert unicodedata.is_normalized("NFC", value), field


def test_character_references_are_decoded() -> None:
    page = by_name("tin-anh-d2-ncr-attachment")
    assert "&#" in page.read_bytes().decode("utf-8")
    item = _live(page)
    for field in TEXT_FIELDS:
        assert "&#" not in (item[field] or ""), field


@pytest.mark.parametrize("name", ["nguon-d3-nfd", "nguon-d4-nfd-attachment"])
def test_nguon_page_has_source_not_author(name: str) -> None:
    item = _live(by_name(name))
    assert item["author"] is None
    assert item["source"]
    assert "Nguồn" not in item["source"]
    assert "Nguồn" not in item["body"].rsplit("\n\n", 1)[-1]


@pytest.mark.parametrize("name", ["tac-gia-d0-named-attachment", "tac-gia-d1-nfd"])
def test_tac_gia_label_is_stripped(name: str) -> None:
    item = _live(by_name(name))
    assert item["author"]
    assert not item["author"].startswith("Tác giả")
    assert "Tác giả" not in item["body"]


def test_tin_anh_label_is_stripped() -> None:
    item = _live(by_name("tin-anh-d2-ncr-attachment"))
    assert item["author"]
    assert "Tin, ảnh" not in item["author"]
    assert "Tin, ảnh" not in item["body"]


def test_bare_author_leaves_body() -> None:
    item = _live(by_name("bare-d2-named"))
    assert item["author"]
    assert not item["body"].endswith(item["author"])


@pytest.mark.parametrize(
    "name", ["tac-gia-d0-named-attachment", "tin-anh-d2-ncr-attachment", "nguon-d4-nfd-attachment"]
)
def test_attachment_is_absolute_and_not_from_sidebar(name: str) -> None:
    item = _live(by_name(name))
    assert item["attachments"]
    for url in item["attachments"]:
        assert url.startswith("http://127.0.0.1:8765/asp/Uploads/")
        assert "/bieu-mau/" not in url  # the sidebar's "Văn bản mới" files


def test_twelve_hour_clock_with_sa_ch() -> None:
    page = by_name("tac-gia-d1-nfd")  # "Cập nhật lúc hh:mm SA|CH, <weekday>, dd/mm/yyyy"
    raw = unicodedata.normalize("NFC", page.read_bytes().decode("utf-8"))
    assert "Cập nhật lúc" in raw
    item = _live(page)
    assert item["datetime"] and item["datetime"].startswith(item["date"])
    assert item["datetime"].endswith("+07:00")


@pytest.mark.parametrize("name", ["tac-gia-d0-named-attachment", "nguon-d3-nfd"])
def test_date_without_time_has_no_datetime(name: str) -> None:
    item = _live(by_name(name))  # "Ngày cập nhật dd/mm/yyyy", "(Ngày dd/mm/yyyy)"
    assert item["date"]
    assert item["datetime"] is None


def test_soft_404_page() -> None:
    item = _live(by_name("soft-404"))
    assert item["soft_404"] is True
    assert item["body"] == ""


@pytest.mark.parametrize("article", ARTICLE_PAGES, ids=lambda p: p.stem)
def test_article_pages_are_not_soft_404(article: Path) -> None:
    item = _live(article)
    assert item["soft_404"] is False
    assert item["warnings"] == []


def test_no_page_chrome_in_fields(page: Path, item: dict[str, Any]) -> None:
    raw = page.read_bytes().decode("utf-8")
    assert "Đang truy cập" in raw and "Lượt truy cập" in raw  # on the page ...
    for field in TEXT_FIELDS:
        for text in CHROME_TEXTS:  # ... and in no extracted field
            assert text not in (item[field] or ""), (field, text)

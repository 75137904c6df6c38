"""The seed article (tests/pages/seed): hand-written expectations from shared/seed's real text.

The page is a reconstruction of ASP.NET markup around the real text of a Sở LĐ-TB&XH article
(see the comment at its top); the expected values below are written by hand from that text,
not regenerated, so they check the extractor independently. ``test_expected_json`` also keeps
the regenerated JSON in step. Time is frozen at the capture date in the file name. No network.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from tests.regen_expected import (
    PROFILE_FOR_FOLDER,
    capture_date,
    extract_page,
    load_json,
    page_url,
    sidecar,
)

PAGE = (
    Path(__file__).resolve().parent
    / "pages"
    / "seed"
    / "2021-01-24_so-ldtbxh-tong-ket-xay-dung-dang-2020.html"
)
TITLE = (
    "Sở Lao động, Thương binh và Xã hội tổ chức Hội nghị Tổng kết công tác xây dựng Đảng năm 2020"
)
AUTHOR = "Ngô Thị Nguyệt Ánh"
LEAD_START = "Chiều ngày (15/1), Sở Lao động - Thương binh và Xã hội tổ chức Hội nghị"
BODY_START = "Năm 2020, Đảng ủy Sở Lao động"
BODY_END = (
    "giấy khen của Đảng ủy Sở Lao động – Thương binh và Xã hội cho 2 tổ chức Đảng và "
    "22 đảng viên Hoàn thành xuất sắc nhiệm vụ năm 2020."
)
CHROME_TEXTS = (
    "Đang truy cập",
    "Lượt truy cập",
    "Thống kê truy cập",
    "5.206.106",
    "Các tin khác",
    "Xem tin theo ngày",
    "Tìm kiếm",
)
TEXT_FIELDS = ("title", "author", "source", "summary", "body", "body_html", "category")


@functools.cache
def _live() -> dict[str, Any]:
    with freeze_time(capture_date(PAGE).isoformat()):
        return extract_page(PAGE)


@pytest.fixture
def item() -> dict[str, Any]:
    return _live()


def test_page_setup() -> None:
    assert PROFILE_FOR_FOLDER["seed"] == "demo-aspnet"
    assert capture_date(PAGE).isoformat() == "2021-01-24"
    assert page_url(PAGE) == "https://sldtbxh.example.gov.vn/Pages/ChiTiet.aspx?ItemID=1"


def test_title(item: dict[str, Any]) -> None:
    assert item["title"] == TITLE


def test_date(item: dict[str, Any]) -> None:
    assert item["date"] == "2021-01-24"


def test_in_body_event_date_is_not_the_date(item: dict[str, Any]) -> None:
    assert "(15/1)" in item["summary"]  # "Chiều ngày (15/1)" is on the page ...
    assert item["date"] not in ("2021-01-15", "2020-01-15")  # ... and not taken as the date


def test_datetime(item: dict[str, Any]) -> None:
    assert item["datetime"] is None


def test_author(item: dict[str, Any]) -> None:
    assert item["author"] == AUTHOR


def test_source(item: dict[str, Any]) -> None:
    assert item["source"] is None


def test_summary(item: dict[str, Any]) -> None:
    assert item["summary"].startswith(LEAD_START)
    assert item["summary"].endswith("và triển khai nhiệm vụ năm 2021")


def test_body_start(item: dict[str, Any]) -> None:
    assert item["body"].startswith(BODY_START)


def test_body_end(item: dict[str, Any]) -> None:
    assert item["body"].endswith(BODY_END)


def test_body_paragraphs(item: dict[str, Any]) -> None:
    paras = item["body"].split("\n\n")
    assert len(paras) == 7
    assert paras[3].startswith("Các hoạt động thăm hỏi")  # leading space in the seed trimmed
    assert "cho 3 cá nhân" in paras[6]  # double space in the seed collapsed
    assert "190.804.957.000 đồng" in paras[2]


def test_body_has_no_author(item: dict[str, Any]) -> None:
    assert AUTHOR not in item["body"]
    assert AUTHOR not in item["body_html"]


def test_body_has_no_lead(item: dict[str, Any]) -> None:
    assert "Chiều ngày (15/1)" not in item["body"]


def test_category(item: dict[str, Any]) -> None:
    assert item["category"] is None  # the reconstruction has no breadcrumb


def test_attachments(item: dict[str, Any]) -> None:
    assert item["attachments"] == []


def test_soft_404(item: dict[str, Any]) -> None:
    assert item["soft_404"] is False


def test_warnings(item: dict[str, Any]) -> None:
    assert item["warnings"] == []


@pytest.mark.parametrize("text", CHROME_TEXTS)
def test_no_page_chrome_in_fields(item: dict[str, Any], text: str) -> None:
    assert text in PAGE.read_text(encoding="utf-8")
    for field in TEXT_FIELDS:
        assert text not in (item[field] or ""), field


def test_expected_json(item: dict[str, Any]) -> None:
    assert load_json(sidecar(PAGE, "expected")) == item

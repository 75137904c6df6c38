"""The per-field frozen-page tests every site shares (city-scrapers style), built for one
site by ``site_tests(SITE)``; each tests/test_site_<site>.py adds them to its module with
``globals().update(site_tests(SITE))`` and keeps only its own hand assertions.

Each ``test_<field>`` compares the live extraction of every frozen page with its expected
JSON (written only by ``tests/regen_expected.py``); ``test_matches_truth`` checks that
expected JSON against the demo portal's independent ground truth. Time is frozen at the
capture date in each file name. No network.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from tests.regen_expected import capture_date, extract_page, load_json, pages, sidecar

CHROME_TEXTS = ("Đang truy cập", "Lượt truy cập", "Tổng:")
TEXT_FIELDS = ("title", "author", "source", "summary", "body", "body_html", "category")


def site_tests(SITE: str) -> dict[str, Any]:
    PAGES = pages(SITE)
    ARTICLE_PAGES = [p for p in PAGES if sidecar(p, "truth").exists()]
    TRUTH_FIELDS = ("title", "date", "datetime", "author", "source", "summary", "body",
                    "category", "attachments")  # fmt: skip

    def by_name(name: str) -> Path:
        """The page whose short name (after the capture date) is ``name``."""
        found = [p for p in PAGES if p.stem.split("_", 1)[1] == name]
        assert len(found) == 1, f"{SITE}: no single page named {name!r}"
        return found[0]

    @functools.cache
    def _live(page: Path) -> dict[str, Any]:
        with freeze_time(capture_date(page).isoformat()):
            return extract_page(page)

    @pytest.fixture(params=PAGES, ids=lambda p: p.stem)
    def page(request: pytest.FixtureRequest) -> Path:
        return request.param

    @pytest.fixture
    def item(page: Path) -> dict[str, Any]:
        return _live(page)

    @pytest.fixture
    def expected(page: Path) -> dict[str, Any]:
        return load_json(sidecar(page, "expected"))

    # ------------------------------------------------------------ live == expected, per field

    def test_title(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["title"] == expected["title"]

    def test_date(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["date"] == expected["date"]

    def test_datetime(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["datetime"] == expected["datetime"]

    def test_author(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["author"] == expected["author"]

    def test_source(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["source"] == expected["source"]

    def test_summary(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["summary"] == expected["summary"]

    def test_body(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["body"] == expected["body"]

    def test_body_html(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["body_html"] == expected["body_html"]

    def test_category(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["category"] == expected["category"]

    def test_attachments(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["attachments"] == expected["attachments"]

    def test_warnings(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["warnings"] == expected["warnings"]

    def test_soft_404(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert item["soft_404"] == expected["soft_404"]

    def test_expected_has_every_field(item: dict[str, Any], expected: dict[str, Any]) -> None:
        assert set(expected) == set(item)

    # ------------------------------------------------------------ expected == independent truth

    @pytest.mark.parametrize("field", TRUTH_FIELDS)
    @pytest.mark.parametrize("truth_page", ARTICLE_PAGES, ids=lambda p: p.stem)
    def test_matches_truth(truth_page: Path, field: str) -> None:
        truth = load_json(sidecar(truth_page, "truth"))
        assert load_json(sidecar(truth_page, "expected"))[field] == truth[field]

    return {**locals(), "CHROME_TEXTS": CHROME_TEXTS, "TEXT_FIELDS": TEXT_FIELDS}

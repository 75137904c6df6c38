"""Real Vietnamese article pages (tests/pages/real/, from shared/realpages-dev) against their
hand-written truth: the generic extractor with no profile at all, and the bundled CMS
templates that fit them (liferay for sotttt.hanoi.gov.vn, vnexpress for VnExpress).

The measures are those of shared/realpages-dev/eval.py: title exact, date, author (with
accepted alternatives), body token F1 with the lead put in front of the body.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import ExtractedArticle, extract_article
from crawler.profile_model import ArticleRules
from crawler.profiles import parse_profile

REAL = Path(__file__).parent / "pages" / "real"
PAGES = sorted(REAL.glob("*.html"))
TEMPLATE_FOR = {"sotttt-hanoi": "liferay", "vnexpress": "vnexpress"}
_TOKEN = re.compile(r"\w+")


def truth_of(page: Path) -> dict[str, Any]:
    return json.loads(page.with_name(f"{page.stem}.truth.json").read_text("utf-8"))


def url_of(page: Path) -> str:
    return page.with_suffix(".url").read_text("utf-8").strip()


def template_rules(page: Path) -> ArticleRules:
    site = page.stem.split("_", 1)[1].rsplit("_", 1)[0]
    data = {"id": "t", "name": "t", "start_urls": [url_of(page)], "extends": TEMPLATE_FOR[site]}
    return parse_profile(page, data).article


def f1(got: str, want: str) -> float:
    g = Counter(_TOKEN.findall(unicodedata.normalize("NFC", got).casefold()))
    w = Counter(_TOKEN.findall(unicodedata.normalize("NFC", want).casefold()))
    common = sum((g & w).values())
    if not common:
        return float(not g and not w)
    p, r = common / sum(g.values()), common / sum(w.values())
    return 2 * p * r / (p + r)


def with_lead(article: ExtractedArticle) -> str:
    lead, body = article.summary or "", article.body
    return body if not lead or body.startswith(lead[:80]) else f"{lead}\n\n{body}"


def author_ok(got: str | None, truth: dict[str, Any]) -> bool:
    accepted = {a.casefold() for a in (truth.get("author_alt") or [])}
    if truth["author"]:
        accepted.add(truth["author"].casefold())
    return (got or "").casefold() in accepted if got else truth["author"] is None


@pytest.fixture(scope="module", params=PAGES, ids=lambda p: p.stem)
def generic(request: pytest.FixtureRequest) -> tuple[ExtractedArticle, dict[str, Any]]:
    page = request.param
    return extract_article(page.read_bytes(), url_of(page)), truth_of(page)


@pytest.fixture(scope="module", params=PAGES, ids=lambda p: p.stem)
def templated(request: pytest.FixtureRequest) -> tuple[ExtractedArticle, dict[str, Any]]:
    page = request.param
    article = extract_article(page.read_bytes(), url_of(page), template_rules(page))
    return article, truth_of(page)


def test_there_are_real_pages() -> None:
    assert len(PAGES) >= 5


# ---------------------------------------------------------------- generic, no profile


def test_generic_title(generic: tuple) -> None:
    article, truth = generic
    assert article.title == truth["title"]
    assert article.sources["title"] == "generic"


def test_generic_date(generic: tuple) -> None:
    article, truth = generic
    assert article.date == truth["date"]


def test_generic_time(generic: tuple) -> None:
    article, truth = generic
    if truth.get("time"):
        assert article.datetime == f"{truth['date']}T{truth['time']}:00+07:00"


def test_generic_author(generic: tuple) -> None:
    article, truth = generic
    assert author_ok(article.author, truth), article.author


def test_generic_body(generic: tuple) -> None:
    article, truth = generic
    assert f1(with_lead(article), truth["body"]) >= 0.97


def test_generic_is_an_article(generic: tuple) -> None:
    article, _ = generic
    assert article.no_article is None
    assert article.extraction == "generic"


def test_generic_body_has_no_chrome(generic: tuple) -> None:
    article, _ = generic
    for chrome in ("Các tin khác", "In bài viết", "Gửi mail", "View count", "Tin tức nổi bật"):
        assert chrome not in article.body


def test_generic_text_is_nfc(generic: tuple) -> None:
    article, _ = generic
    for text in (article.title, article.body, article.author or "", article.summary or ""):
        assert unicodedata.is_normalized("NFC", text)


# ---------------------------------------------------------------- the bundled templates


def test_template_title(templated: tuple) -> None:
    article, truth = templated
    assert article.title == truth["title"]
    assert article.sources["title"] == "profile"


def test_template_date(templated: tuple) -> None:
    article, truth = templated
    assert article.date == truth["date"]
    assert article.sources["date"] == "profile"


def test_template_author(templated: tuple) -> None:
    article, truth = templated
    assert author_ok(article.author, truth), article.author


def test_template_body(templated: tuple) -> None:
    article, truth = templated
    assert article.sources["body"] == "profile"
    assert f1(with_lead(article), truth["body"]) >= 0.97

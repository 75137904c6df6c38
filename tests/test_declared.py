"""A page's declarations (crawler/extract/declared.py) give what the XPath queries they
replaced selected, document order included: on every frozen page and on made-up markup
with the cases those queries handled (metas in the body, microdata on any element, a
<time> with both attributes, a canonical link without href)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract.declared import Declared, declared
from crawler.extract.page import make_selector

HERE = Path(__file__).parent
PAGES = sorted(HERE.joinpath("pages").rglob("*.htm*")) + sorted(
    HERE.joinpath("fixtures", "vn-portals").glob("*.htm*")
)

TITLES = (
    "//meta[@property='og:title']/@content | //meta[@name='twitter:title']/@content"
    " | //meta[@itemprop='headline']/@content | //meta[@name='title']/@content"
)
AUTHORS = "//meta[@name='author']/@content | //meta[@property='article:author']/@content"
DATES = (
    "//meta[@property='article:published_time']/@content"
    " | //meta[@itemprop='datePublished']/@content | //*[@itemprop='datePublished']/@content"
    " | //meta[@name='pubdate']/@content | //meta[@name='publishdate']/@content"
    " | //meta[@property='og:published_time']/@content | //time/@datetime"
)

EDGES = b"""<html><head>
<meta name="title" content="Tieu de">
<meta property="og:title" name="title" content="Hai lan">
<meta property="og:title">
<link rel="canonical"><link rel="stylesheet" href="/a.css">
<link rel="canonical" href="/tin/1"><link rel="canonical" href="/tin/2">
<meta name="author" content="admin"><meta property="og:url" content="">
<script type="application/ld+json">{"author": {"name": "Nguyen Van A"}}</script>
<script type="application/ld+json"></script><script>var x = 1;</script>
<title>Trang</title>
</head><body>
<span itemprop="datePublished" content="2021-01-24">24/01/2021</span>
<time datetime="2021-01-25T08:00" itemprop="datePublished" content="2021-01-25">x</time>
<time>no attribute</time><!-- a comment --><?pi here?>
<meta itemprop="datePublished" content="2021-01-26"><meta name="pubdate" content="p">
<meta property="article:author" content="Tran Thi B"><meta itemprop="headline" content="H">
<form><input type="text"><input type="password"></form>
<svg><title>icon</title></svg>
</body></html>"""


def _cases() -> list[tuple[str, bytes]]:
    return [("edges", EDGES)] + [(path.name, path.read_bytes()) for path in PAGES]


@pytest.fixture(params=_cases(), ids=lambda case: case[0])
def page(request: pytest.FixtureRequest):
    return make_selector(request.param[1], "utf-8")


def test_frozen_pages_are_there() -> None:
    assert len(PAGES) >= 24


def test_meta_contents_as_xpath(page) -> None:
    found = Declared(page.root)
    assert found.meta_contents(
        ("property", "og:title"), ("name", "twitter:title"), ("itemprop", "headline"),
        ("name", "title"),
    ) == page.xpath(TITLES).getall()  # fmt: skip
    assert found.meta_contents(("name", "author"), ("property", "article:author")) == (
        page.xpath(AUTHORS).getall()
    )


def test_og_url_and_canonical_as_css(page) -> None:
    found = Declared(page.root)
    assert found.link_href("canonical") == page.css('link[rel="canonical"]::attr(href)').get()
    og_url = found.meta_contents(("property", "og:url"))
    assert (og_url[0] if og_url else None) == (
        page.css('meta[property="og:url"]::attr(content)').get()
    )


def test_title_is_the_first_title_element(page) -> None:
    titles = page.xpath("//title")
    title = Declared(page.root).title()
    assert title is (titles[0].root if titles else None)


def test_password_field_as_xpath(page) -> None:
    expected = bool(page.xpath("//input[@type='password']"))
    assert Declared(page.root).has_password_field() is expected


def test_json_ld_as_xpath(page) -> None:
    expected = page.xpath("//script[@type='application/ld+json']/text()").getall()
    assert Declared(page.root).json_ld() == [text for text in expected if text]


def test_publication_dates_as_xpath(page) -> None:
    assert Declared(page.root).publication_dates == page.xpath(DATES).getall()


def test_edges_give_what_they_hold() -> None:
    """The made-up page does hold each case, so the comparisons above compare something."""
    found = Declared(make_selector(EDGES, "utf-8").root)
    assert found.meta_contents(("name", "title"), ("property", "og:title")) == [
        "Tieu de", "Hai lan",
    ]  # fmt: skip
    assert found.link_href("canonical") == "/tin/1"
    assert found.has_password_field()
    assert found.json_ld() == ['{"author": {"name": "Nguyen Van A"}}']
    assert found.publication_dates == [
        "2021-01-24", "2021-01-25T08:00", "2021-01-25", "2021-01-26", "p",
    ]  # fmt: skip
    assert found.meta_contents(("property", "og:url")) == [""]


def test_a_page_without_declarations() -> None:
    found = Declared(make_selector(b"<p>Chi mot doan</p>", "utf-8").root)
    assert found.meta_contents(("property", "og:title")) == []
    assert found.title() is None
    assert found.link_href("canonical") is None
    assert not found.has_password_field()
    assert found.json_ld() == []
    assert found.publication_dates == []


def test_declared_is_read_once_per_page() -> None:
    page = make_selector(EDGES, "utf-8")
    assert declared(page) is declared(page)
    assert declared(make_selector(EDGES, "utf-8")) is not declared(page)

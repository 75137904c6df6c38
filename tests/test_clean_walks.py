"""The body cleaning's own walks over BeautifulSoup trees (crawler/extract/clean.py) give
what BeautifulSoup's ``find_all`` and ``get_text`` give, on the cleaned body of every
frozen page and on made-up markup with what those calls treat apart (ruby text, CDATA)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from lxml import etree

from crawler.extract.clean import PARAGRAPH_TAGS, clean_fragment, strings_in, tag_texts, tags_in
from crawler.extract.generic import GenericExtractor
from crawler.extract.page import make_selector

HERE = Path(__file__).parent
PAGES = sorted(HERE.joinpath("pages").rglob("*.htm*"))
MADE_UP = (
    "<div><p>Lễ <b>ra <i>mắt</i></b> mô hình</p><ruby>漢<rt>kan</rt><rp>(</rp></ruby>"
    "<p style='text-align:right'><strong>Thanh Thúy</strong></p><br><table><tr><td>a</td>"
    "<td>b</td></tr></table><!-- gone --><p></p></div>"
)


def _bodies() -> list[tuple[str, Tag]]:
    found = [("made-up", clean_fragment(MADE_UP))]
    for path in PAGES:
        body = GenericExtractor(make_selector(path.read_bytes(), "utf-8")).body()
        if body is not None:
            html = etree.tostring(body, encoding="unicode", method="html")
            found.append((path.name, clean_fragment(html)))
    return found


@pytest.fixture(params=_bodies(), ids=lambda case: case[0])
def body(request: pytest.FixtureRequest) -> Tag:
    return request.param[1]


def test_there_are_bodies_to_compare() -> None:
    assert len(_bodies()) >= 15


def test_tags_in_is_find_all(body: Tag) -> None:
    assert tags_in(body) == body.find_all(True)
    names = frozenset(PARAGRAPH_TAGS - {"br", "hr"})
    assert tags_in(body, names) == body.find_all(list(names))
    assert tags_in(body, frozenset({"b", "strong", "em", "i"})) == body.find_all(
        ("b", "strong", "em", "i")
    )


def test_strings_in_is_find_all_strings(body: Tag) -> None:
    assert [id(s) for s in strings_in(body)] == [id(s) for s in body.find_all(string=True)]


def test_tag_texts_are_get_text(body: Tag) -> None:
    tags = tags_in(body)
    texts = tag_texts(tags)
    assert [texts[id(tag)] for tag in tags] == [tag.get_text() for tag in tags]


def test_ruby_text_is_read_by_its_own_tag_only() -> None:
    soup = BeautifulSoup("<p>漢<ruby>字<rt>ji</rt></ruby></p>", "lxml")
    tags = tags_in(soup.body)
    texts = tag_texts(tags)
    assert texts[id(soup.p)] == soup.p.get_text() == "漢字"
    assert texts[id(soup.rt)] == "ji"

"""The author, when the page does not put it on the text's last line.

The last lines of the text are read by the shared byline rules (vietnamese/bylines.py,
applied in body.py). Here: a box named as the author ("author", "tacgia", "byline") near
the article, a labelled line in the header zone ("Tác giả: …", "Bài, ảnh: …"), and —
least trusted, since CMSs fill it with account or site names — ``<meta name="author">``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import parsel
from lxml import etree

from crawler.extract.declared import declared
from crawler.extract.generic.blocks import Chrome
from crawler.extract.generic.hints import AUTHOR_WORDS, is_hidden, name_words
from crawler.extract.page import ElementTexts
from crawler.extract.vietnamese.bylines import clean_author, is_person_name, looks_like_pen_name

_MAX_CHARS = 80
# Links to an author's page: dantri "/tac-gia/tri-tuc-3617.htm", WordPress "/author/…".
_AUTHOR_PAGE = re.compile(r"/(?:tac-gia|tacgia|author|authors|but-danh|butdanh|nguoi-viet)/", re.I)
# How far (in elements, document order) an author box may sit from the article text.
_NEAR = 400


def _chrome_around(el: etree._Element, chrome: Chrome) -> bool:
    """Inside navigation, a sidebar, related news…; a box also named as the author's
    ("author-share-top") does not count as chrome."""
    for box in [el, *el.iterancestors()]:
        if is_hidden(box):
            return True
        if not name_words(box) & AUTHOR_WORDS and chrome(box, headers=False):
            return True
    return False


def _author_boxes(
    sel: parsel.Selector, lo: int, hi: int, order: dict[etree._Element, int], chrome: Chrome
) -> Iterator[etree._Element]:
    """Boxes named as the author's, and links to an author's page ("/tac-gia/…")."""
    for el in sel.root.iter():
        if not isinstance(el.tag, str) or not lo <= order.get(el, -1) <= hi:
            continue
        named = bool(name_words(el) & AUTHOR_WORDS)
        linked = el.tag == "a" and bool(_AUTHOR_PAGE.search(el.get("href") or ""))
        if (named or linked) and not _chrome_around(el, chrome):
            yield el


def _from_box(el: etree._Element, texts: ElementTexts) -> str | None:
    """A person's name in an author box: the box's text, or its first short line."""
    for text in [texts(el)] + [texts(c) for c in el.iter() if c is not el]:
        if not text or len(text) > _MAX_CHARS:
            continue
        author = clean_author(text)
        if author and (is_person_name(author) or looks_like_pen_name(author)):
            return author
    return None


def _meta_author(sel: parsel.Selector) -> str | None:
    """``<meta name="author">`` or JSON-LD ``author.name``, only when it is a personal name
    with a family name (these fields hold "admin" or the newspaper's name as often)."""
    page = declared(sel)
    values = page.meta_contents(("name", "author"), ("property", "article:author"))
    for script in page.json_ld()[:5]:
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            author = item.get("author") if isinstance(item, dict) else None
            for one in author if isinstance(author, list) else [author]:
                if isinstance(one, dict) and isinstance(one.get("name"), str):
                    values.append(one["name"])
    for value in values:
        author = clean_author(value)
        if author and is_person_name(author):
            return author
    return None


def find_author(
    sel: parsel.Selector,
    headline: etree._Element | None,
    container: etree._Element | None,
    chrome: Chrome,
    order: dict[etree._Element, int] | None = None,
) -> str | None:
    """``order``: every element's place in document order, when the caller has it."""
    if order is None:
        order = {el: i for i, el in enumerate(sel.root.iter())}
    texts = ElementTexts()
    anchor = headline if headline is not None else container
    lo = order.get(anchor, 0) - 50 if anchor is not None else 0
    end = container if container is not None else anchor
    last = max((order[e] for e in end.iter()), default=0) if end is not None else len(order)
    for el in _author_boxes(sel, lo, last + _NEAR, order, chrome):
        author = _from_box(el, texts)
        if author:
            return author
    return _meta_author(sel)

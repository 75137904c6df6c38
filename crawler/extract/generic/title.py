"""The headline as printed on the page (not ``<title>`` with its site suffix).

Two kinds of evidence, used together:
- what the page says its title is: ``og:title``, ``twitter:title`` and ``<title>``, whose
  leading part before " - ", " | " … is the headline on most portals ("Đảm bảo an toàn
  thông tin … - Tin tức sự kiện - Sở Thông Tin Và Truyền Thông");
- where a headline sits: a heading or a "title" box above the article text, outside
  sidebars (whose headings, "Tin tức nổi bật", are what other extractors pick up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import parsel
from lxml import etree

from crawler.extract.declared import declared
from crawler.extract.generic.blocks import Chrome
from crawler.extract.generic.hints import name_words
from crawler.extract.page import element_text

_SEPARATORS = re.compile(r"\s+(?:[-–—|:»«]|::)\s+")
_HEADING_TAGS = ("h1", "h2", "h3", "h4")
_TITLE_WORDS = frozenset(["title", "tieude", "tieu", "headline", "heading", "tit", "name"])
_MIN_CHARS, _MAX_CHARS = 8, 400
_META_TITLES = (
    ("property", "og:title"),
    ("name", "twitter:title"),
    ("itemprop", "headline"),
    ("name", "title"),
)


@dataclass
class Headline:
    text: str
    el: etree._Element | None  # None when only the metadata gave it


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def declared_titles(sel: parsel.Selector) -> list[str]:
    """What the page declares as its title, most specific first."""
    page = declared(sel)
    found = [element_text(v) for v in page.meta_contents(*_META_TITLES)]
    title = page.title()
    if title is not None:
        found.append(element_text(title))
    return [t for t in found if t]


def _suffixes(title: str) -> list[str]:
    """ "A - B - C" gives "B - C", "C": the site's name is a trailing part."""
    return [title[m.end() :].strip() for m in _SEPARATORS.finditer(title)]


def _prefixes(title: str) -> list[str]:
    """ "A - B - C" gives "A - B - C", "A - B", "A": the headline is a leading part."""
    cuts = [m.start() for m in _SEPARATORS.finditer(title)]
    return [title] + [title[:c].strip() for c in reversed(cuts)]


def _overlap(a: str, b: str) -> float:
    wa, wb = set(_norm(a).split()), set(_norm(b).split())
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


_NAMED_TAGS = ("div", "p", "span", "td", "strong", "a")


def _candidates(sel: parsel.Selector) -> list[etree._Element]:
    """Headings, and the boxes named as titles, in document order. lxml picks the tags
    (the HTML parser writes names in lower case): a page's other elements are not
    visited from Python."""
    return [
        el
        for el in sel.root.iter(*_HEADING_TAGS, *_NAMED_TAGS)
        if el.tag in _HEADING_TAGS or name_words(el) & _TITLE_WORDS
    ]


def find_headline(
    sel: parsel.Selector,
    body: etree._Element | None = None,
    chrome: Chrome | None = None,
    first_text: etree._Element | None = None,
    order: dict[etree._Element, int] | None = None,
) -> Headline | None:
    """The printed headline. ``body`` holds the article text, ``first_text`` is its first
    paragraph: a heading inside ``body`` but above ``first_text`` is in the header zone
    (portals often put headline, date and text in one box); one below is a sub-heading.
    ``order``: every element's place in document order, when the caller has it."""
    chrome = chrome or Chrome()
    declared = declared_titles(sel)
    wanted = {_norm(p): i for i, t in enumerate(declared) for p in _prefixes(t)}
    # The site's own name (the title's trailing part), printed in the page's banner.
    site_names = {_norm(s) for t in declared for s in _suffixes(t)} - set(wanted)
    if order is None:
        order = {el: i for i, el in enumerate(sel.root.iter())}
    start = first_text if first_text is not None else body
    body_at = order.get(start, len(order)) if start is not None else len(order)
    best: tuple[float, etree._Element, str] | None = None
    for el in _candidates(sel):
        text = element_text(el)
        if not _MIN_CHARS <= len(text) <= _MAX_CHARS or chrome.around(el):
            continue
        inside = body is not None and (el is body or body in el.iterancestors())
        if inside and order.get(el, 0) >= body_at:
            continue  # a sub-heading of the article text
        score = 0.0
        if _norm(text) in wanted:
            score += 10.0  # the page says this is its title
        elif _norm(text) in site_names:
            continue  # the site's name, not the article's
        else:
            score += 6.0 * max((_overlap(text, d) for d in declared), default=0.0)
        tag = el.tag.lower()
        score += {"h1": 3.0, "h2": 1.5, "h3": 1.0, "h4": 0.5}.get(tag, 1.0)
        if name_words(el) & _TITLE_WORDS:
            score += 2.0  # a box the page itself calls its title ("tieude", "entry-title")
        position = order.get(el, 0)
        if position < body_at:
            # Headlines sit just above the text: the closer, the likelier.
            score += 2.0 / (1 + (body_at - position) / 200)
        elif body is not None:
            score -= 3.0  # below the article: "Các tin khác", a footer heading
        if best is None or score > best[0]:
            best = (score, el, text)
    if best is not None and best[0] >= 4.0:
        return Headline(best[2], best[1])
    if declared:
        # No printed headline found: the declared title without its site suffix.
        parts = _prefixes(declared[0])
        return Headline(parts[-1] if len(parts[-1]) >= 15 else parts[0], None)
    return None

"""What a page declares about itself in its markup: its ``<meta>`` tags, ``<title>``, links
(``rel=canonical``), JSON-LD scripts, password fields and publication-date attributes.

Each of these was an XPath query of its own (``//meta[@property='og:title']/@content``…),
and libxml2 walks the whole tree, text nodes included, for every ``//`` of a query: seven
of them took 0.4-0.6 ms of a real page's extraction (realpages-dev). lxml's
``iter(tags)`` finds the same elements in one pass filtered in C (about 10 µs), and the
date attributes, which any element may carry, take one Python pass when they are asked
for. Answers are those of the XPath queries they replace, document order included
(tests/test_declared.py compares them on every frozen page).
"""

from __future__ import annotations

from functools import cached_property
from weakref import WeakKeyDictionary

import parsel
from lxml import etree

_TAGS = ("meta", "title", "link", "input", "script")
# The attributes that name what a <meta> holds.
_META_KEYS = ("name", "property", "itemprop")

# The attribute values that mark a publication date (Open Graph, schema.org microdata,
# and the names a few CMS write), read by the generic date finder before the page's text.
_DATE_META_PROPERTIES = frozenset({"article:published_time", "og:published_time"})
_DATE_META_NAMES = frozenset({"pubdate", "publishdate"})
_DATE_ITEMPROP = "datePublished"


class Declared:
    """The declarations of one parsed page (a tree that does not change while asked)."""

    def __init__(self, root: etree._Element) -> None:
        self._root = root
        self._by_tag: dict[str, list[etree._Element]] = {tag: [] for tag in _TAGS}
        for el in root.iter(*_TAGS):
            self._by_tag[el.tag].append(el)

    @cached_property
    def _metas(self) -> dict[tuple[str, str], list[tuple[int, str]]]:
        """(attribute, value) → (position, content) of the ``<meta>`` elements with a
        ``content``: a portal's page carries dozens of them, each then read once."""
        found: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for position, el in enumerate(self._by_tag["meta"]):
            content = el.get("content")
            if content is None:
                continue
            for name in _META_KEYS:
                value = el.get(name)
                if value is not None:
                    found.setdefault((name, value), []).append((position, content))
        return found

    def meta_contents(self, *matches: tuple[str, str]) -> list[str]:
        """``content`` of the ``<meta>`` elements with one of the (attribute, value)
        ``matches`` (attributes of ``_META_KEYS``), in document order, each element
        once: what ``//meta[@a='v']/@content | …`` selects."""
        found = {pair for match in matches for pair in self._metas.get(match, ())}
        return [content for _, content in sorted(found)]

    def title(self) -> etree._Element | None:
        """The first ``<title>`` element (``//title``), wherever it is."""
        titles = self._by_tag["title"]
        return titles[0] if titles else None

    def link_href(self, rel: str) -> str | None:
        """``href`` of the first ``<link rel=REL href>``: ``link[rel="REL"]::attr(href)``."""
        for el in self._by_tag["link"]:
            if el.get("rel") == rel:
                href = el.get("href")
                if href is not None:
                    return href
        return None

    def has_password_field(self) -> bool:
        return any(el.get("type") == "password" for el in self._by_tag["input"])

    def json_ld(self) -> list[str]:
        """The text of each ``<script type="application/ld+json">`` that has some."""
        return [
            el.text
            for el in self._by_tag["script"]
            if el.get("type") == "application/ld+json" and el.text
        ]

    @cached_property
    def publication_dates(self) -> list[str]:
        """Date attributes in document order: ``content`` of a date ``<meta>`` (Open Graph
        ``published_time``, ``pubdate``, ``publishdate``) or of any element with
        ``itemprop="datePublished"``, and ``datetime`` of ``<time>``."""
        found = []
        for el in self._root.iter():
            tag = el.tag
            if not isinstance(tag, str):
                continue  # a comment: XPath's //* selects elements only
            content = el.get("itemprop") == _DATE_ITEMPROP or (
                tag == "meta"
                and (
                    el.get("property") in _DATE_META_PROPERTIES
                    or el.get("name") in _DATE_META_NAMES
                )
            )
            moment = tag == "time"
            if content or moment:
                # One element may carry both (a <time itemprop content datetime>): XPath
                # gives attributes in the element's order.
                found.extend(
                    value
                    for name, value in el.items()
                    if (content and name == "content") or (moment and name == "datetime")
                )
        return found


_PAGES: WeakKeyDictionary[parsel.Selector, Declared] = WeakKeyDictionary()


def declared(sel: parsel.Selector) -> Declared:
    """The declarations of the page ``sel`` holds, read once per page."""
    found = _PAGES.get(sel)
    if found is None:
        found = _PAGES[sel] = Declared(sel.root)
    return found

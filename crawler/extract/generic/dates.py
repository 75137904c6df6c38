"""The publication date, read from the page around the article text.

The date forms are Vietnamese rules shared with the profile extractor (vietnamese/dates.py);
what is generic here is where to look: a labelled date line ("Ngày cập nhật", "Ngày đăng")
in the header zone between headline and text first, then machine-readable meta tags, then
any short unlinked text — never inside the text itself, where event dates live
("Chiều ngày 15/1, …").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import parsel
from lxml import etree

from crawler.extract.declared import declared
from crawler.extract.generic.hints import DATE_WORDS, has_words
from crawler.extract.page import INVISIBLE_TAGS, ElementTexts
from crawler.extract.vietnamese.dates import ArticleDate, find_article_date

DATE_LABELS = (
    "ngày cập nhật", "ngày đăng", "cập nhật lúc", "ngày xuất bản", "cập nhật:", "đăng lúc",
    "ngày ban hành", "thời gian đăng", "posted on", "published",
)  # fmt: skip
# A date line is short: longer texts are sentences that may mention other dates.
_SHORT_TEXT = 80
_LABELLED_TEXT = 160


@dataclass
class Candidate:
    text: str
    has_link: bool
    named: bool  # the element is named as a date ("publish-date", "ngaydang", "time")
    size: int = 0  # elements inside it


class DateFinder:
    def __init__(
        self, sel: parsel.Selector, order: dict[etree._Element, int] | None = None
    ) -> None:
        """``order``: every element's place in document order, when the caller has it."""
        self.sel = sel
        self.order = order

    def date(
        self,
        title_nodes: list[etree._Element],
        body: etree._Element | None,
        date_format: str | None = None,
        text_start: etree._Element | None = None,
    ) -> ArticleDate | None:
        """The publication date. ``body`` is the element holding the text; when the text
        only starts further down inside it (``text_start``, the first paragraph), what
        comes before in ``body`` is header zone too."""
        header, rest = self._candidate_texts(title_nodes, body, text_start)

        def first(texts: list[str]) -> ArticleDate | None:
            return find_article_date(texts, date_format)

        def labelled(texts: list[Candidate]) -> list[str]:
            return [c.text for c in texts if any(lb in c.text.casefold() for lb in DATE_LABELS)]

        def named(texts: list[Candidate], links: bool) -> list[str]:
            # Innermost first: <time class="entry-date"> before the "entry-meta" box that
            # also holds the date of the last update.
            found = [
                c
                for c in texts
                if c.named and len(c.text) < _SHORT_TEXT and (links or not c.has_link)
            ]
            return [c.text for c in sorted(found, key=lambda c: c.size)]

        def short(texts: list[Candidate], links: bool) -> list[str]:
            return [
                c.text for c in texts if len(c.text) < _SHORT_TEXT and (links or not c.has_link)
            ]

        # Links count in the header zone (WordPress links the date to the article itself),
        # not elsewhere (sidebars list other articles, each linked, with their dates). What
        # is printed comes before machine-readable metadata: a time is kept only if shown.
        # The rest of the page is read only when the header zone has no date line.
        steps = (
            lambda: first(labelled(header)),
            lambda: first(named(header, links=True)),  # <span class="publish-date">, <time>
            lambda: first(labelled([c for c in rest() if not c.has_link])),
            # Machine-readable dates (crawler/extract/declared.py), before unlabelled text.
            lambda: first(declared(self.sel).publication_dates),
            lambda: first(named(rest(), links=False)),
            lambda: first(short(header, links=True)),
            lambda: first(short(rest(), links=False)),
        )
        for step in steps:
            found = step()
            if found:
                return found
        return None

    def _skipped(
        self, body: etree._Element | None, text_start: etree._Element | None
    ) -> set[etree._Element]:
        """The text itself and its ancestors (an ancestor's text contains its dates)."""
        if body is None:
            return set()
        skip = set(body.iterancestors())
        inside = list(body.iter())
        if text_start is not None and text_start in inside:
            ancestors = set(text_start.iterancestors())
            at = inside.index(text_start)
            skip |= set(inside[at:]) | (ancestors & set(inside))
        else:
            skip |= set(inside)
        return skip

    def _visible(self, skip: set[etree._Element]) -> Iterator[tuple[etree._Element, bool]]:
        """Visible elements with "inside a link", in document order: one walk that carries
        both down the tree (each element's ancestors looked up again cost a tenth of a
        real page's extraction)."""
        hidden = INVISIBLE_TAGS | {"option", "select"}
        stack: list[tuple[etree._Element, bool]] = [(self.sel.root, False)]
        while stack:
            el, in_link = stack.pop()
            if not isinstance(el.tag, str):
                continue
            tag = el.tag.lower()
            if tag in hidden:
                continue  # and everything inside it
            in_link = in_link or tag == "a"
            if el not in skip:
                yield el, in_link
            stack.extend((child, in_link) for child in reversed(el))

    def _candidate_texts(
        self,
        title_nodes: list[etree._Element],
        body: etree._Element | None,
        text_start: etree._Element | None,
    ) -> tuple[list[Candidate], Callable[[], list[Candidate]]]:
        """Short texts outside the text, each with "contains a link": those of the header
        zone (after the title, before the text), and a function giving those of the rest
        of the page, where sidebars list other articles with their dates (read on first
        call: most pages have their date line in the header zone)."""
        order = self.order
        if order is None:
            order = {el: i for i, el in enumerate(self.sel.root.iter())}
        start = order.get(title_nodes[0], -1) if title_nodes else -1
        first = text_start if text_start is not None else body
        end = order.get(first, len(order)) if first is not None else len(order)
        size_of = _TextSizes()
        texts = ElementTexts()
        visible = list(self._visible(self._skipped(body, text_start)))

        def candidates(header: bool) -> list[Candidate]:
            found: list[Candidate] = []
            for el, in_link in visible:
                if (start <= order[el] < end) != header:
                    continue
                size = size_of(el)
                if not size or size > 2 * _LABELLED_TEXT:
                    continue  # no text, or too much to be a date line (counted loosely)
                text = texts(el)
                if text and len(text) < _LABELLED_TEXT:
                    has_link = in_link or el.find(".//a") is not None
                    named = has_words(el, DATE_WORDS) or el.tag.lower() == "time"
                    inner = sum(1 for _ in el.iterdescendants()) if named else 0
                    found.append(Candidate(text, has_link, named, inner))
            return found

        return candidates(True), cache(lambda: candidates(False))


class _TextSizes:
    """Characters of text under an element (invisible text and whitespace included), each
    element's from its children's and kept: asked only of the candidates, so a page whose
    header zone holds its date line is not measured whole (a full pass from the leaves
    up was a fifth of the date finder's time there)."""

    def __init__(self) -> None:
        self.known: dict[etree._Element, int] = {}

    def __call__(self, el: etree._Element) -> int:
        return self.size(el)

    def size(self, el: etree._Element) -> int:
        # A method calling itself, not the instance: a Python-to-Python call, which needs
        # no C stack, however deep the page (crawler/extract/page.py, DEEPEST_TREE).
        size = self.known.get(el)
        if size is None:
            size = len(el.text or "") if isinstance(el.tag, str) else 0
            for child in el:
                size += self.size(child) + len(child.tail or "")
            self.known[el] = size
        return size

"""The generic extractor: an article's fields from the page itself, with no selector.

A pipeline of small heuristics, each in its own module and tested on its own:
blocks.py (the page as text blocks: length, link density, stop-word density) →
container.py (the box holding the prose) → title.py (the printed headline) → lead.py →
dates.py → byline.py → prune.py (what leaves the box before it becomes the body) →
verdict.py (is this an article at all). The Vietnamese rules they apply are shared with
the profile extractor (crawler/extract/vietnamese/).
"""

from __future__ import annotations

import re
from functools import cached_property

import parsel
from lxml import etree

from crawler.extract.generic.blocks import GOOD, NEUTRAL, Block, Chrome, blocks
from crawler.extract.generic.byline import find_author
from crawler.extract.generic.container import choose_container
from crawler.extract.generic.dates import DateFinder
from crawler.extract.generic.lead import Lead, find_lead
from crawler.extract.generic.prune import pruned_copy
from crawler.extract.generic.title import Headline, find_headline
from crawler.extract.generic.verdict import no_article_reason
from crawler.extract.vietnamese.dates import ArticleDate, find_article_date

# A short block just above the first paragraph still belongs to the text when it reads
# as a sentence start, not as a date line or a label.
_LEADING_MIN = 25

__all__ = ["GenericExtractor", "no_article_reason"]


class GenericExtractor:
    def __init__(self, sel: parsel.Selector) -> None:
        self.sel = sel

    @cached_property
    def _analysis(self) -> tuple[list[Block], Chrome]:
        return blocks(self.sel.root)

    @property
    def blocks(self) -> list[Block]:
        return self._analysis[0]

    @property
    def chrome(self) -> Chrome:
        return self._analysis[1]

    @cached_property
    def container(self) -> etree._Element | None:
        return choose_container(self.blocks)

    @cached_property
    def headline(self) -> Headline | None:
        return find_headline(self.sel, self.container, self.chrome, self._first_good, self._order)

    @cached_property
    def _order(self) -> dict[etree._Element, int]:
        """Every element's place in document order: the headline and the date finders
        both compare places, and a walk of a real page's thousands of elements is not
        free."""
        return {el: i for i, el in enumerate(self.sel.root.iter())}

    @cached_property
    def _first_good(self) -> etree._Element | None:
        """The first prose block inside the container."""
        container = self.container
        if container is None:
            return None
        inside = set(container.iter())
        return next((b.el for b in self.blocks if b.kind == GOOD and b.el in inside), None)

    @cached_property
    def text_start(self) -> etree._Element | None:
        """The first block of the article text inside the container."""
        container = self.container
        if container is None:
            return None
        inside = set(container.iter())
        headline = self.headline.el if self.headline else None
        after_headline = headline is None or headline not in inside
        candidates = [b for b in self.blocks if b.el in inside]
        first_good = next((i for i, b in enumerate(candidates) if b.kind == GOOD), None)
        if first_good is None:
            return None
        start = first_good
        # Take in the short blocks just above it that read as text, not as a date line.
        while start > 0:
            prev = candidates[start - 1]
            if headline is not None and (
                prev.el is headline or headline in prev.el.iterancestors()
            ):
                break
            if not after_headline and headline is not None and not _after(headline, prev.el):
                break
            if prev.kind != NEUTRAL or prev.length < _LEADING_MIN or prev.link_chars:
                break
            if find_article_date([prev.text]):
                break
            start -= 1
        return candidates[start].el

    def title(self) -> str | None:
        return self.headline.text if self.headline else None

    def headline_nodes(self) -> list[etree._Element]:
        return [self.headline.el] if self.headline and self.headline.el is not None else []

    @cached_property
    def _lead(self) -> Lead | None:
        headline = self.headline.el if self.headline else None
        return find_lead(self.sel, headline, self.container, self.text_start, self.chrome)

    def lead(self) -> str | None:
        return self._lead.text if self._lead else None

    def lead_element(self) -> etree._Element | None:
        return self._lead.el if self._lead else None

    def date(self, date_format: str | None = None) -> ArticleDate | None:
        finder = DateFinder(self.sel, self._order)
        return finder.date(self.headline_nodes(), self.container, date_format, self.text_start)

    def body(self) -> etree._Element | None:
        """A detached, pruned copy of the article text's container."""
        if self.container is None:
            return None
        remove = [
            self.headline.el if self.headline else None,
            self._lead.el if self._lead else None,
        ]
        return pruned_copy(
            self.container, text_start=self.text_start, remove=remove, chrome=self.chrome
        )

    def layout(self) -> dict[str, str]:
        """Where the headline and the text sat, as "tag.class" signatures: what a redesign
        changes even when the generic extractor copes with it (crawler/health.py)."""
        found = {}
        if self.container is not None:
            found["body"] = signature(self.container)
        if self.headline is not None and self.headline.el is not None:
            found["title"] = signature(self.headline.el)
        return found

    def author(self) -> str | None:
        headline = self.headline.el if self.headline else None
        return find_author(self.sel, headline, self.container, self.chrome, self._order)


def _after(first: etree._Element, second: etree._Element) -> bool:
    """``second`` comes after ``first`` in document order."""
    for el in first.itersiblings():
        if el is second or second in el.iter():
            return True
    parent = first.getparent()
    return parent is not None and _after(parent, second)


_VARYING = re.compile(r"\d")


def signature(el: etree._Element) -> str:
    """ "div.entry-content", "h1.post-title#headline": the element's tag, its classes and id
    without the ones that vary per page (numbered: "post-1234")."""
    tag = el.tag.lower() if isinstance(el.tag, str) else "?"
    classes = sorted(c for c in (el.get("class") or "").split() if not _VARYING.search(c))
    ident = el.get("id") or ""
    sig = tag + "".join(f".{c}" for c in classes[:3])
    return sig + (f"#{ident}" if ident and not _VARYING.search(ident) else "")

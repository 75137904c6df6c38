"""The lead (sapo): the paragraph that sums the article up, printed between headline and text.

Portals set it apart by name ("sapo", "summary", "article-summary", "tomtat"), by an ``h2``
right under the headline (news CMSs), or as an all-bold first paragraph of the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import parsel
from lxml import etree

from crawler.extract.generic.blocks import Chrome
from crawler.extract.generic.hints import LEAD_WORDS, name_words
from crawler.extract.page import element_text

_MIN_CHARS, _MAX_CHARS = 30, 1200
# An all-bold first paragraph is a lead only when it is paragraph-sized (a bold short
# line is a sub-heading).
_MIN_BOLD_LEAD = 80
_PARAGRAPHS = frozenset({"p", "div"})
# Date line, author line, share bar, tools: what may stand between headline and lead.
_SIBLINGS_TO_LEAD = 5


@dataclass
class Lead:
    text: str
    el: etree._Element


def _named_lead(
    sel: parsel.Selector, order: dict[etree._Element, int], lo: int, hi: int, chrome: Chrome
) -> Lead | None:
    for el in sel.root.iter():
        if not isinstance(el.tag, str) or not (lo < order.get(el, -1) < hi):
            continue
        if name_words(el) & LEAD_WORDS and not chrome.around(el):
            text = element_text(el)
            if _MIN_CHARS <= len(text) <= _MAX_CHARS:
                return Lead(text, el)
    return None


def _heading_after(headline: etree._Element | None, chrome: Chrome) -> Lead | None:
    """An ``h2`` of sentence length shortly after the headline: news CMSs print the date
    line and the share bar between them, so short siblings are stepped over; the text's
    first paragraph ends the search."""
    if headline is None:
        return None
    sibling = headline.getnext()
    for _ in range(_SIBLINGS_TO_LEAD):
        if sibling is None:
            return None
        text = element_text(sibling) if isinstance(sibling.tag, str) else ""
        if sibling.tag == "h2" and not chrome.around(sibling):
            return Lead(text, sibling) if 60 <= len(text) <= _MAX_CHARS else None
        if len(text) >= _MIN_BOLD_LEAD:
            return None  # the text has begun
        sibling = sibling.getnext()
    return None


def _bold_first(text_start: etree._Element | None) -> Lead | None:
    """The first paragraph when it is bold throughout and reads as a sentence (a bold
    short line without a full stop is a sub-heading)."""
    if text_start is None:
        return None
    # When the text sits right in its box (paragraphs split by <br>), the box is the first
    # block: its first paragraph is then its first child, if nothing comes before it.
    first = text_start
    while (not (first.text or "").strip()) and len(first) and first[0].tag in _PARAGRAPHS:
        first = first[0]
    text_start = first
    text = element_text(text_start)
    if len(text) < _MIN_BOLD_LEAD and not (len(text) >= _MIN_CHARS and text[-1] in ".!?…"):
        return None
    inner_bold = {b for b in text_start.iter("b", "strong") for _ in b.iterancestors("b", "strong")}
    bold = " ".join(element_text(b) for b in text_start.iter("b", "strong") if b not in inner_bold)
    if len(bold.replace(" ", "")) >= 0.9 * len(text.replace(" ", "")):
        return Lead(text, text_start)
    return None


def find_lead(
    sel: parsel.Selector,
    headline: etree._Element | None,
    container: etree._Element | None,
    text_start: etree._Element | None,
    chrome: Chrome,
) -> Lead | None:
    order = {el: i for i, el in enumerate(sel.root.iter())}
    lo = order.get(headline, -1) if headline is not None else -1
    # The lead is above the text or its first block; look no further than a little past it.
    hi = order.get(text_start, len(order)) if text_start is not None else len(order)
    return (
        _named_lead(sel, order, lo, hi + 1, chrome)
        or _heading_after(headline, chrome)
        or _bold_first(text_start)
    )

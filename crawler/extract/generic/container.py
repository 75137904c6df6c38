"""Which element holds the article's text.

Every element is scored by the prose it contains minus the boilerplate it contains
(characters of GOOD blocks − characters of BAD blocks, see blocks.py). Going up from the
text's own box adds sidebars and menus, which cost more than the title they bring; going
down loses paragraphs. The best element is the smallest box that holds nearly all the
prose — the same trade readability makes with its parent/grandparent propagation, done
here exactly over the whole tree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from lxml import etree

from crawler.extract.generic.blocks import BAD, GOOD, Block
from crawler.extract.generic.hints import BOILERPLATE_WORDS, CONTENT_WORDS, name_words

# Boilerplate weighs a little less than prose: a body box that also holds a share bar or
# a short tag list is still the body box. Boilerplate recognised by its box's name (share
# bar, related posts) weighs less again: it is pruned from whatever box is chosen, so it
# must not make the article's own box lose to one of its paragraphs.
_BAD_WEIGHT = 0.8
_NAMED_BAD_WEIGHT = 0.3
# A box named as content ("entry-content", "noidung", "journal-content-article") gets
# this bonus, enough to prefer it over an unnamed wrapper of equal score.
_CONTENT_BONUS = 0.1
# Prefer a smaller box when it keeps this share of its parent's score.
_TIGHTEN = 0.97
# A <p> chosen alone gives way to its parent when the parent keeps this share.
_PARAGRAPH_PARENT = 0.75
# Below this much prose there is no article text on the page. Kept low: a "Thông báo" of
# one sentence and an attached PDF is an article; whether a short text is one is the
# verdict's call (verdict.py), which sees the attachments.
MIN_BODY_CHARS = 30


def _scores(items: Iterable[Block]) -> dict[etree._Element, float]:
    """Score of every element: its blocks' prose minus their weighted boilerplate."""
    totals: dict[etree._Element, float] = defaultdict(float)
    for block in items:
        if block.kind == GOOD:
            weight = float(block.length)
        elif block.kind == BAD:
            share = _NAMED_BAD_WEIGHT if block.boilerplate else _BAD_WEIGHT
            weight = -share * block.length
        else:
            continue
        el: etree._Element | None = block.el
        while el is not None:
            totals[el] += weight
            el = el.getparent()
    return totals


def _bonus(el: etree._Element) -> float:
    words = name_words(el)
    if words & BOILERPLATE_WORDS:
        return 0.0
    return _CONTENT_BONUS if words & CONTENT_WORDS else 0.0


def choose_container(items: list[Block]) -> etree._Element | None:
    """The element that holds the article text, or None when the page has no prose."""
    totals = _scores(items)
    good = {b.el for b in items if b.kind == GOOD}
    if not totals or sum(b.length for b in items if b.kind == GOOD) < MIN_BODY_CHARS:
        return None
    ranked = {el: score * (1 + _bonus(el)) for el, score in totals.items() if score > 0}
    if not ranked:
        return None
    best = max(ranked, key=lambda el: ranked[el])
    # Tighten: walk down while one child keeps nearly all of the score.
    while True:
        children = [c for c in best if c in ranked]
        if not children:
            break
        child = max(children, key=lambda c: ranked[c])
        # A box that scores below one of its children adds only boilerplate around it,
        # whatever its name says (VnExpress's "detail-new" around its "sidebar-1").
        if ranked[child] < _TIGHTEN * ranked[best] and totals[child] <= totals[best]:
            break
        best = child
    # A single paragraph is a paragraph, not a container: keep its parent unless the
    # parent brings mostly boilerplate (a one-sentence notice's box also holds the link
    # to its attached file, which scores as a link).
    if best in good and best.getparent() is not None:
        parent = best.getparent()
        # A box whose own text is the article (paragraphs split by <br>) is not a
        # paragraph: its parent must not cost anything.
        share = _PARAGRAPH_PARENT if best.tag == "p" else 1.0
        if ranked.get(parent, 0.0) >= share * ranked[best]:
            best = parent
    return best

"""A page as text blocks, each with the measures that tell article text from boilerplate.

A *block* is an element together with the text it holds directly: its own text and that
of its inline children (links, bold, spans), but not the text of nested blocks, which are
blocks of their own. This is how jusText and readability see a page: paragraph-sized
units whose length, link density and stop-word density can be judged one by one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lxml import etree

from crawler.extract.generic.hints import BOILERPLATE_WORDS, has_words, is_hidden, name_words
from crawler.extract.page import on_path
from crawler.extract.vietnamese.stopwords import stopword_density


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


INLINE_TAGS = _words(
    """
    a abbr acronym b bdi bdo big cite code del dfn em font i img ins kbd label mark q s
    samp small span strike strong sub sup time tt u var wbr nobr
    """
)
# Never article text: code, form controls, embedded frames, the page's navigation. Not
# <form> itself: ASP.NET wraps the whole page in one.
SKIP_TAGS = _words(
    """
    script style noscript template head title meta link svg math canvas iframe object
    embed select option textarea button input nav
    """
)
# Landmarks around an article rather than in it (HTML5 and ARIA).
CHROME_TAGS = frozenset({"header", "footer", "aside", "nav", "menu"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})

GOOD, NEUTRAL, BAD = 1, 0, -1
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Eight words or more ending with a full stop: a sentence, whatever its words.
_SENTENCE = re.compile(r"^(?:\S+\s+){7,}\S+[.!?…]\W*$")
# A paragraph of prose is rarely under 60 characters; a menu item or a caption rarely
# over it. Longer texts with few links and normal Vietnamese function-word use are prose.
_GOOD_LENGTH = 60
_LONG_LENGTH = 200
_MIN_STOPWORDS = 0.12
# Over this share of a block's characters in links, it points elsewhere: a list of other
# articles, a menu, a tag cloud.
_MAX_LINK_DENSITY = 0.35
# A chrome box holding more than this share of the page's prose is the main column.
_MISNAMED_SHARE = 0.5
_MISNAMED_MIN = 400  # characters: a footer's address line is not a main column
# A box named "sidebar-1" (VnExpress's main column), "top-detail" or a body classed
# "other" (Liferay) can hold the article; a footer, a menu or a comments box never does.
_NEVER_MAIN = _words(
    """
    footer nav navbar navigation menu megamenu breadcrumb breadcrumbs comment comments
    binhluan copyright login dangnhap search timkiem
    """
)


def _can_be_misnamed(box: etree._Element) -> bool:
    if _tag(box) in {"footer", "nav", "header", "menu"}:
        return False
    if (box.get("role") or "").lower() in _CHROME_ROLES:
        return False
    return not name_words(box) & _NEVER_MAIN


@dataclass
class Block:
    el: etree._Element
    text: str
    link_chars: int
    boilerplate: bool  # inside an element named as boilerplate, or a page landmark
    kind: int = NEUTRAL

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def link_density(self) -> float:
        return self.link_chars / self.length if self.length else 0.0


def _tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


_HEADER_WORDS = frozenset({"header", "topbar", "banner"})


def is_chrome(el: etree._Element, headers: bool = True) -> bool:
    """A landmark or a box named as navigation, sidebar, related news, sharing, ads…
    With ``headers=False`` a header is not chrome (an article's header holds its title)."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""  # _tag(el), asked of every element
    if tag == "header" and not headers:
        return False
    if tag in CHROME_TAGS or (el.get("role") or "").lower() in _CHROME_ROLES:
        return True
    vocabulary = BOILERPLATE_WORDS if headers else BOILERPLATE_WORDS - _HEADER_WORDS
    return has_words(el, vocabulary)


def _own_text(
    el: etree._Element,
    parts: list[str],
    links: list[int],
    in_link: bool,
    hidden: dict[etree._Element, bool],
) -> None:
    """Text of ``el`` and its inline descendants (nested blocks are blocks of their own).
    ``hidden``: ``is_hidden`` of the inline elements seen so far (the walk asks again)."""
    if el.text:
        parts.append(el.text)
        if in_link:
            links[0] += len(el.text.strip())
    for child in el:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""  # _tag(child), inlined
        if tag in INLINE_TAGS:
            gone = hidden.get(child)
            if gone is None:
                gone = hidden[child] = is_hidden(child)
            if not gone:
                _own_text(child, parts, links, in_link or tag == "a", hidden)
        elif tag == "br":
            parts.append(" ")
        if child.tail:
            parts.append(child.tail)
            if in_link:
                links[0] += len(child.tail.strip())


class Chrome:
    """``is_chrome`` for one page: the boxes found to be the main column despite their
    names (see ``blocks``) are not chrome."""

    def __init__(self, misnamed: set[etree._Element] | None = None) -> None:
        self.misnamed = misnamed or set()
        # ``around``'s answers so far, per ``headers``: the headline's and the lead's
        # candidates share most of their ancestors, each judged once, not once per
        # candidate below it (that was 40 % of the headline's time). For the page's own
        # tree, which extraction never changes (bodies are pruned on copies).
        self._around: dict[bool, dict[etree._Element, bool]] = {True: {}, False: {}}

    def __call__(self, el: etree._Element, headers: bool = True) -> bool:
        return el not in self.misnamed and is_chrome(el, headers)

    def around(self, el: etree._Element, headers: bool = False) -> bool:
        """``el`` or one of its ancestors is chrome or hidden."""
        return on_path(el, lambda box: self(box, headers) or is_hidden(box), self._around[headers])


def blocks(root: etree._Element) -> tuple[list[Block], Chrome]:
    """Every block under ``root`` in document order, hidden and skipped subtrees left out,
    each classified (``kind``). ``boilerplate`` is inherited from chrome ancestors — but a
    box named "sidebar" that holds most of the page's prose is the page's main column
    misnamed (VnExpress calls it "sidebar-1"), and its name is then ignored."""
    found: list[tuple[Block, tuple[etree._Element, ...]]] = []
    hidden: dict[etree._Element, bool] = {}  # inline elements: read for text, then walked

    def walk(el: etree._Element, chrome: tuple[etree._Element, ...]) -> None:
        tag = el.tag.lower()  # an element: comments are not walked (below)
        if tag in SKIP_TAGS:
            return
        if el.keys():  # a third of a page's elements have no attribute to read
            gone = hidden.get(el)
            if gone if gone is not None else is_hidden(el):
                return
            if is_chrome(el):
                chrome = (*chrome, el)
        elif tag in CHROME_TAGS:
            chrome = (*chrome, el)
        if tag not in INLINE_TAGS:
            parts: list[str] = []
            links = [0]
            _own_text(el, parts, links, False, hidden)
            # NFC: portals serve decomposed Vietnamese too, and stop words are matched NFC.
            text = unicodedata.normalize("NFC", " ".join("".join(parts).split()))
            if text:
                found.append((Block(el, text, min(links[0], len(text)), False), chrome))
        for child in el:
            # _tag(child) inlined: this loop sees every node of the page.
            name = child.tag
            if isinstance(name, str) and (name.lower() not in INLINE_TAGS or len(child)):
                walk(child, chrome)

    if isinstance(root.tag, str):
        walk(root, ())
    # Prose by measure alone, then how much of it each chrome box holds.
    prose: dict[etree._Element, int] = {}
    total = 0
    for block, chrome in found:
        if classify(block) == GOOD:
            total += block.length
            for box in chrome:
                prose[box] = prose.get(box, 0) + block.length
    misnamed = {
        box
        for box, chars in prose.items()
        if chars > _MISNAMED_SHARE * total and chars >= _MISNAMED_MIN and _can_be_misnamed(box)
    }
    result = []
    for block, chrome in found:
        block.boilerplate = any(box not in misnamed for box in chrome)
        block.kind = classify(block)
        result.append(block)
    return result, Chrome(misnamed)


def classify(block: Block) -> int:
    """GOOD for prose, BAD for boilerplate, NEUTRAL for short texts that could be either
    (headings, date lines, captions): only GOOD and BAD weigh in the body's choice."""
    if block.boilerplate or block.link_density > _MAX_LINK_DENSITY:
        return BAD
    if _tag(block.el) in _HEADINGS:
        return NEUTRAL  # a headline or a sub-heading: never what makes a box the text's
    if block.length >= _LONG_LENGTH:
        return GOOD
    if block.length >= _GOOD_LENGTH and stopword_density(block.text) >= _MIN_STOPWORDS:
        return GOOD
    if block.length >= _GOOD_LENGTH and _SENTENCE.search(block.text):
        return GOOD  # a sentence full of figures ("… đạt 83,07%.") is prose too
    return NEUTRAL

"""What is taken out of the chosen container before its text becomes the body.

A portal's article box holds more than the article: the header zone (breadcrumb,
headline, date line, share bar, lead — fields of their own), boxes named as boilerplate
(related news, tags, comments), lists of links nobody named ("Các tin khác"), image
captions, and tool lines ("In bài", "Lượt xem: 1234"). Each rule below is one of these.
The page itself is never modified: elements are marked, the container copied, the marked
copies removed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator

from lxml import etree

from crawler.extract.generic.blocks import SKIP_TAGS, Chrome
from crawler.extract.generic.hints import AUTHOR_WORDS, CAPTION_WORDS, has_words, is_hidden
from crawler.extract.page import ElementTexts

_MARK = "data-luutru-drop"
# Headings of link lists and tool lines: never article text on their own.
TOOL_LINE = re.compile(
    r"^(?:tin liên quan|các tin khác|tin khác|bài viết liên quan|bài liên quan|tin cùng "
    r"chuyên mục|tin mới(?: hơn| nhất)?|tin đã đưa|xem thêm|đọc thêm|xem tiếp|chia sẻ|"
    r"in bài(?: viết)?|in trang|gửi email|gửi mail|về đầu trang|quay lại|trở về|"
    r"từ khóa|từ khoá|tags?|lượt xem|số lượt xem|bình luận|ý kiến bạn đọc|phản hồi|"
    r"bản in|print|share|tweet|like)\b[\s:.\d]*$",
    re.IGNORECASE,
)
# A list of links is "other articles" once most of its text is links.
_LINK_LIST_DENSITY = 0.6
_LINK_LIST_MIN_LINKS = 3
# An image's caption is short.
_CAPTION_MAX = 300
_CENTER = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)


def _link_density(el: etree._Element, texts: ElementTexts) -> tuple[float, int]:
    text = texts(el)
    if not text:
        return 0.0, 0
    links = list(el.iter("a"))
    linked = sum(len(texts(a)) for a in links)
    return min(linked / len(text), 1.0), len(links)


def _has_image(el: etree._Element) -> bool:
    return el.tag == "img" or next(el.iter("img"), None) is not None


def _captions(container: etree._Element, texts: ElementTexts) -> Iterator[etree._Element]:
    """Captions: <figcaption>, boxes named as captions, the text rows of an image table,
    and a short centred or italic line right after an image."""
    for el in container.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag == "figcaption" or (tag != "body" and has_words(el, CAPTION_WORDS)):
            yield el
        elif tag == "table" and _has_image(el) and len(texts(el)) <= _CAPTION_MAX:
            yield el  # an image with its caption laid out as a table
        elif _has_image(el) and not texts(el):
            following = el.getnext()
            if following is None or not isinstance(following.tag, str):
                continue
            text = texts(following)
            if not text or len(text) > _CAPTION_MAX or _has_image(following):
                continue
            styled = (
                bool(_CENTER.search(following.get("style") or ""))
                or (following.get("align") or "").lower() == "center"
            )
            if styled or _italic_share(following, texts) >= 0.8:
                yield following


def _italic_share(el: etree._Element, texts: ElementTexts) -> float:
    """Share of ``el``'s text set in italics (outermost <em>/<i> only)."""
    text = texts(el)
    outer = [
        i for i in el.iter("em", "i") if not any(a.tag in ("em", "i") for a in i.iterancestors())
    ]
    return len("".join(texts(i) for i in outer)) / len(text) if text else 0.0


def _boilerplate(
    container: etree._Element, chrome: Chrome, texts: ElementTexts
) -> Iterator[etree._Element]:
    for el in container.iter():
        if el is container or not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in SKIP_TAGS or is_hidden(el) or chrome(el):
            yield el
            continue
        if has_words(el, AUTHOR_WORDS) and len(texts(el)) <= 120:
            yield el  # an author box: a field of its own (byline.py), not text
            continue
        if tag in ("ul", "ol", "div", "table", "section"):
            density, count = _link_density(el, texts)
            if count >= _LINK_LIST_MIN_LINKS and density >= _LINK_LIST_DENSITY:
                yield el
                continue
        text = texts(el)
        if text and len(text) <= 60 and TOOL_LINE.match(text):
            yield el


def _header_zone(container: etree._Element, text_start: etree._Element | None) -> list:
    """Everything in the container before the first paragraph of text, except the
    ancestors of that paragraph: breadcrumb, headline, date line, share bar."""
    if text_start is None:
        return []
    keep = set(text_start.iterancestors())
    out = []
    for el in container.iter():
        if el is text_start:
            break
        if el is not container and el not in keep and isinstance(el.tag, str):
            out.append(el)
    return out


def pruned_copy(
    container: etree._Element,
    *,
    text_start: etree._Element | None = None,
    remove: Iterable[etree._Element | None] = (),
    chrome: Chrome | None = None,
) -> etree._Element:
    """A detached copy of ``container`` without the header zone, boilerplate, captions and
    the given elements (headline, lead, date line when they sit inside)."""
    marked: list[etree._Element] = []
    inside = set(container.iter())
    # The container's boxes are read again and again (each box, then the boxes around
    # it): each text is built once, from its children's.
    texts = ElementTexts()
    candidates = [
        *_header_zone(container, text_start),
        *_boilerplate(container, chrome or Chrome(), texts),
        *_captions(container, texts),
        *(el for el in remove if el is not None and el in inside and el is not container),
    ]
    for el in candidates:
        if el.get(_MARK) is None:
            el.set(_MARK, "1")
            marked.append(el)
    try:
        result = copy.deepcopy(container)
    finally:
        for el in marked:
            del el.attrib[_MARK]
    result.tail = None
    for el in list(result.iter()):
        if el.get(_MARK) is not None and el.getparent() is not None:
            _drop(el)
    return result


def _drop(el: etree._Element) -> None:
    """Remove an element, keeping its tail text (the text that follows it)."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)

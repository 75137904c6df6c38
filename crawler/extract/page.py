"""A page parsed, and what every extractor reads of it: selectors (profile selectors are
CSS, or XPath when prefixed with ``xpath:``), the flattened text of an element (one at a
time, or kept per page: ``ElementTexts``), and memoised walks up the tree (``on_path``)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import parsel
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

from crawler.extract.vietnamese.text import normalize_text

XPATH_PREFIX = "xpath:"
# Elements whose boundaries separate words/paragraphs when flattening text.
BLOCK_TAGS = frozenset(
    str.split(
        """
    address article aside blockquote br center dd div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td
    tfoot th thead tr ul
        """
    )
)
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# lxml keeps a tree up to this deep (its parser leaves out what lies deeper), and the
# walks over a page (element texts, blocks, sizes) recurse once per level: a page of
# unclosed tags (a thousand <font> from an old editor) went past Python's default limit
# of 1,000 levels and lost every field. Raised once, for every process that reads pages;
# Python-to-Python calls need no C stack since 3.11.
DEEPEST_TREE = 2048
if sys.getrecursionlimit() < 2 * DEEPEST_TREE + 1000:
    sys.setrecursionlimit(2 * DEEPEST_TREE + 1000)
_UTF8_BOM = b"\xef\xbb\xbf"
_INVALID_ENCODING = etree.ErrorTypes.ERR_INVALID_ENCODING
_REPORTED_ERRORS = 100  # libxml2's XML_MAX_ERRORS


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") == "utf8"


def decode_html(html: str | bytes, encoding: str | None = None) -> str:
    """Unicode page text: explicit encoding, else BOM / meta charset, else UTF-8.

    An explicit UTF-8 over bytes that are not UTF-8 is a misconfigured server (seen on
    portals serving windows-1258, whose header says UTF-8): then the page's own
    ``<meta charset>`` is believed, as the bytes cannot be what the header says."""
    if isinstance(html, str):
        return html
    if encoding and _is_utf8(encoding):
        try:
            text = html.decode("utf-8")
        except UnicodeDecodeError:  # a UTF-16 BOM too: html_to_unicode follows it below
            meta = html_body_declared_encoding(html)
            if meta and not _is_utf8(meta):
                encoding = meta
        else:
            return text[1:] if text.startswith("\ufeff") else text
    content_type = f"text/html; charset={encoding}" if encoding else None
    try:
        return html_to_unicode(content_type, html or b"")[1]
    except Exception:  # an unknown codec name from a header: fall back to UTF-8
        return (html or b"").decode("utf-8", errors="replace")


def _html_parser() -> etree.HTMLParser:
    """The one parser set-up of every page, both ways in (``_parsed``, ``_parsed_utf8``):
    their trees must be the same. A new parser per page: lxml parsers are not to be
    shared between threads."""
    return etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)


def _parsed(text: str) -> parsel.Selector:
    """What ``parsel.Selector(text=text, type="html")`` builds (same parser options, same
    preparation of the text), with lxml's plain element classes. lxml.html's parser finds
    each element's Python class through a Python method every time an element is touched
    from Python: a tenth of a real page's extraction. Nothing here needs HtmlElement's own
    methods (body.py's ``drop`` has its etree fallback)."""
    parser = _html_parser()
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser=parser)
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return parsel.Selector(root=root, type="html")


def _parsed_utf8(html: bytes) -> parsel.Selector | None:
    """The page parsed from its bytes as they came, when they are the bytes the way
    through ``decode_html`` would hand lxml: UTF-8 (lxml reports any invalid byte), no
    NUL, no XML declaration, nothing to strip around the markup. Decoding a page to check
    it and encoding it again for lxml took as long as lxml's parse of a 220 KB real page
    (0.6 ms). None: that way must be taken."""
    body = html[3:] if html.startswith(_UTF8_BOM) else html
    body = body.strip()
    if not (body.startswith(b"<") and body.endswith(b">")) or b"\x00" in body:
        return None
    if body[:5].lower() == b"<?xml":
        return None
    parser = _html_parser()
    try:
        root = etree.fromstring(body, parser=parser)
    except Exception:
        return None
    errors = parser.error_log
    # libxml2 stops reporting after its hundredth error: past that, an invalid byte
    # could go unseen.
    if root is None or len(errors) >= _REPORTED_ERRORS:
        return None
    if any(error.type == _INVALID_ENCODING for error in errors):
        return None
    return parsel.Selector(root=root, type="html")


def make_selector(html: str | bytes, encoding: str | None = None) -> parsel.Selector:
    if isinstance(html, bytes) and encoding and _is_utf8(encoding):
        parsed = _parsed_utf8(html)
        if parsed is not None:
            return parsed
    text = _XML_DECL.sub("", decode_html(html, encoding))
    try:
        return _parsed(text or "<html></html>")
    except Exception:  # lxml refuses some garbage: an empty page
        return _parsed("<html></html>")


def select(sel: parsel.Selector, selector: str) -> parsel.SelectorList:
    """CSS or ``xpath:`` selection; a selector that fails to evaluate selects nothing."""
    if not selector:
        return parsel.SelectorList([])
    try:
        if selector.startswith(XPATH_PREFIX):
            return sel.xpath(selector[len(XPATH_PREFIX) :].strip())
        return sel.css(selector)
    except Exception:  # profiles are validated, but be safe with any selector
        return parsel.SelectorList([])


def selected_hrefs(sel: parsel.Selector, selector: str) -> list[str]:
    """``hrefs`` of a page already parsed (``sel``: a parsel selector)."""
    found: list[str] = []
    for node in select(sel, selector):
        own = node.attrib.get("href")
        values = [own] if own else node.css("a::attr(href)").getall()
        found.extend(v.strip() for v in values if v and v.strip())
    return found


def element_text(node: object) -> str:
    """Flattened text of an lxml element (or a string result), blocks separated by spaces.

    ``string()`` would glue "<p>a</p><p>b</p>" into "ab"; inline tags must not add spaces.
    """
    if isinstance(node, str):
        return normalize_text(node)
    if not isinstance(node, etree._Element):
        return ""
    parts: list[str] = []
    _collect(node, parts, root=True)
    return normalize_text("".join(parts))


def _collect(el: etree._Element, parts: list[str], root: bool = False) -> None:
    # Comments/PIs have a non-str tag; invisible children are skipped, but a selected
    # <title> itself is read.
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag and (root or tag.lower() not in INVISIBLE_TAGS):
        block = tag.lower() in BLOCK_TAGS
        if block:
            parts.append(" ")
        if el.text:
            parts.append(el.text)
        for child in el:
            _collect(child, parts)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(" ")


class ElementTexts:
    """``element_text`` of one tree's elements, each built from its children's and kept:
    heuristics ask for the text of nested elements (a date line in a span in a div, every
    box of a container), and reading each one's subtree again made that quadratic. For a
    tree that does not change while it is asked."""

    def __init__(self) -> None:
        self._raw: dict[etree._Element, str] = {}
        self._text: dict[etree._Element, str] = {}

    def __call__(self, el: etree._Element) -> str:
        text = self._text.get(el)
        if text is None:
            text = self._text[el] = normalize_text(self.raw(el))
        return text

    def raw(self, el: etree._Element) -> str:
        """The text before normalising: as ``_collect`` gathers it."""
        text = self._raw.get(el)
        if text is None:
            tag = el.tag
            if not isinstance(tag, str):  # a comment or a processing instruction
                return ""
            parts = [el.text or ""]
            for child in el:
                name = child.tag
                if isinstance(name, str) and name.lower() not in INVISIBLE_TAGS:
                    parts.append(self.raw(child))
                parts.append(child.tail or "")
            text = "".join(parts)
            if tag.lower() in BLOCK_TAGS:
                text = f" {text} "
            self._raw[el] = text
        return text


def on_path(
    el: etree._Element, test: Callable[[etree._Element], bool], known: dict[etree._Element, bool]
) -> bool:
    """Whether ``el`` or one of its ancestors passes ``test``. ``known``: the answers for
    the elements of this tree so far: a page's elements share their ancestors, each then
    tested once instead of once per element below it."""
    chain = []
    box: etree._Element | None = el
    while box is not None and box not in known:
        chain.append(box)
        box = box.getparent()
    inside = known[box] if box is not None else False
    for box in reversed(chain):  # from the outermost not yet known, down to el
        inside = inside or test(box)
        known[box] = inside
    return inside


def text_of(selection: parsel.SelectorList | parsel.Selector) -> str:
    """Normalised text of the first non-empty match."""
    items = [selection] if isinstance(selection, parsel.Selector) else list(selection)
    for item in items:
        text = element_text(item.root)
        if text:
            return text
    return ""

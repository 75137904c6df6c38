"""From the chosen body element to the stored body: selectors dropped, fragment cleaned,
attachments listed, the byline and source lines at its end taken out as fields.

Shared by both extractors: whichever found the body element, it is cleaned the same way.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import parsel
from bs4 import Tag
from lxml import etree

from crawler.extract.attachments import attachments
from crawler.extract.clean import clean_fragment, paragraphs, remove_line, tag_texts, tags_in
from crawler.extract.page import select, text_of
from crawler.extract.vietnamese.bylines import clean_author, clean_source, split_author_source
from crawler.extract.vietnamese.text import normalize_text


@dataclass
class Body:
    text: str = ""  # paragraphs separated by one blank line
    html: str = ""  # the cleaned fragment, NFC
    author: str | None = None
    source: str | None = None
    attachments: list[str] = field(default_factory=list)
    # "selector" when the author/source came from an explicit selector, "byline" when
    # read off the body's last lines.
    found_by: dict[str, str] = field(default_factory=dict)


def drop(root: etree._Element, selectors: Sequence[str]) -> None:
    """Remove matches from a detached copy of the body, keeping the text that follows."""
    wrapper = parsel.Selector(root=root, type="html")
    for selector in selectors:
        for item in select(wrapper, selector):
            el = item.root
            if not isinstance(el, etree._Element) or el is root or el.getparent() is None:
                continue
            try:
                el.drop_tree()  # lxml.html elements keep their tail
            except AttributeError:
                parent, tail = el.getparent(), el.tail
                prev = el.getprevious()
                if tail:
                    if prev is not None:
                        prev.tail = (prev.tail or "") + tail
                    else:
                        parent.text = (parent.text or "") + tail
                parent.remove(el)


_RIGHT = re.compile(r"text-align\s*:\s*right", re.IGNORECASE)
_EMPHASIS = frozenset({"b", "strong", "em", "i"})


def _set_apart(tag: Tag) -> bool:
    """Right-aligned, or bold/italic throughout: how portals set a byline apart."""
    for el in (tag, *tag.parents):
        if el.name in ("body", "html", "[document]"):
            break
        if _RIGHT.search(str(el.get("style") or "")) or str(el.get("align") or "") == "right":
            return True
    text = normalize_text(tag.get_text())
    outer = [e for e in tags_in(tag, _EMPHASIS) if not any(p.name in _EMPHASIS for p in e.parents)]
    emphasised = normalize_text(" ".join(e.get_text() for e in outer))
    return bool(text) and (tag.name in _EMPHASIS or emphasised == text)


class _SetApart:
    """``styled_lines`` of a body, worked out at the first question: the byline rules ask
    only of a bare last line that is no person's name (a pen name then counts), and most
    bodies end with a sentence."""

    def __init__(self, container: Tag, paras: list[str]) -> None:
        self._container, self._paras = container, paras
        self._found: set[str] | None = None

    def __contains__(self, line: object) -> bool:
        if self._found is None:
            self._found = styled_lines(self._container, self._paras)
        return line in self._found


def styled_lines(container: Tag, paras: list[str], last: int = 3) -> set[str]:
    """Those of the last ``last`` paragraphs that are set apart like a byline."""
    wanted = set(paras[-last:])
    found: set[str] = set()
    tags = tags_in(container)
    texts = tag_texts(tags)
    for tag in reversed(tags):
        text = normalize_text(texts[id(tag)])
        if text in wanted and text not in found and _set_apart(tag):
            found.add(text)
        if len(found) == len(wanted):
            break
    return found


def _selected_value(
    sel: parsel.Selector, root: etree._Element, selector: str, cleaner
) -> tuple[str | None, str]:
    """(cleaned value, raw text) of an explicit author/source selector; the matched
    elements are removed from the body copy ``root`` when they sit inside it."""
    raw = text_of(select(sel, selector))
    drop(root, (selector,))
    return (cleaner(raw) if raw else None), raw


def extract_body(
    sel: parsel.Selector,
    body_el: etree._Element,
    url: str,
    *,
    drop_selectors: Sequence[str] = (),
    author_selector: str = "",
    source_selector: str = "",
) -> Body:
    root = copy.deepcopy(body_el)
    root.tail = None
    drop(root, drop_selectors)
    result = Body()
    raws: list[str] = []
    if author_selector:
        result.author, raw = _selected_value(sel, root, author_selector, clean_author)
        raws += [raw, result.author or ""]
    if source_selector:
        result.source, raw = _selected_value(sel, root, source_selector, clean_source)
        raws += [raw, result.source or ""]
    container = clean_fragment(etree.tostring(root, encoding="unicode", method="html"))
    result.attachments = attachments(container, url)
    paras = paragraphs(container)
    # An explicit author/source repeated as the body's last paragraph goes too.
    wanted = {normalize_text(r) for r in raws if r}
    while paras and paras[-1] in wanted:
        remove_line(container, paras.pop())
    rest, found_author, found_source = split_author_source(paras, _SetApart(container, paras))
    for line in paras[len(rest) :]:
        remove_line(container, line)
    for name, found in (("author", found_author), ("source", found_source)):
        if getattr(result, name):
            result.found_by[name] = "selector"
        elif found:
            setattr(result, name, found)
            result.found_by[name] = "byline"
    result.text = "\n\n".join(rest)
    html = "".join(str(child) for child in container.children)
    result.html = unicodedata.normalize("NFC", html.strip())
    return result

"""Cleaning of the selected body fragment with BeautifulSoup, and its paragraphs."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from crawler.extract.page import BLOCK_TAGS
from crawler.extract.vietnamese.text import normalize_text

# Never article content: code, forms and embedded frames (share buttons, maps, ads).
_REMOVE_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "form",
    "iframe",
    "object",
    "embed",
    "input",
    "button",
    "select",
    "textarea",
    "link",
    "meta",
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
PARAGRAPH_TAGS = BLOCK_TAGS


def clean_fragment(html: str) -> Tag:
    """Parse an HTML fragment and strip scripts, forms, comments, hidden and on* attributes.

    Returns the container whose children are the fragment (BeautifulSoup's ``<body>``).
    """
    soup = BeautifulSoup(html or "", "lxml")
    # One walk over the tree (it was four find_all passes). A node inside a removed one
    # is still visited, detached: whatever is done to it no longer shows.
    remove = frozenset(_REMOVE_TAGS)
    for node in list(soup.descendants):
        if isinstance(node, Comment):
            node.extract()
            continue
        if not isinstance(node, Tag):
            continue
        style = node.get("style")
        if node.name in remove or (isinstance(style, str) and _HIDDEN_STYLE.search(style)):
            node.decompose()
            continue
        for attr in [a for a in node.attrs if a.lower().startswith("on")]:
            del node[attr]
        href = node.get("href")
        if isinstance(href, str) and href.strip().lower().startswith("javascript:"):
            del node["href"]
    return soup.body or soup


def paragraphs(node: Tag) -> list[str]:
    """Texts of the block elements under ``node``, normalised, empty ones dropped.

    Nested blocks are not double counted: text is cut into paragraphs at every block
    boundary and at ``<br>`` (many portals separate paragraphs with line breaks only).
    """
    chunks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = normalize_text("".join(current))
        if text:
            chunks.append(text)
        current.clear()

    def walk(el: Tag) -> None:
        for child in el.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                current.append(str(child))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if name in ("td", "th"):
                    current.append(" ")  # cells of a row stay one paragraph
                    walk(child)
                    current.append(" ")
                elif name in PARAGRAPH_TAGS:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)

    walk(node)
    flush()
    return chunks


def remove_line(container: Tag, line: str) -> bool:
    """Remove the (outermost) block whose text is exactly ``line``; for a byline that the
    body text no longer contains. Falls back to the bare text node. True when removed."""
    target = normalize_text(line)
    if not target:
        return False
    for tag in reversed(container.find_all(list(PARAGRAPH_TAGS - {"br", "hr"}))):
        if " ".join(paragraphs(tag)) == target:
            while (
                tag.parent is not None
                and tag.parent is not container
                and isinstance(tag.parent, Tag)
                and tag.parent.name in PARAGRAPH_TAGS
                and " ".join(paragraphs(tag.parent)) == target
            ):
                tag = tag.parent
            tag.decompose()
            return True
    for text in reversed(container.find_all(string=True)):
        if normalize_text(str(text)) == target:
            parent = text.parent
            text.extract()
            # An inline wrapper (<strong>) left empty goes with it.
            while (
                isinstance(parent, Tag)
                and parent is not container
                and not parent.get_text(strip=True)
                and not parent.find(["img", "a"])
            ):
                grand = parent.parent
                parent.decompose()
                parent = grand
            return True
    return False

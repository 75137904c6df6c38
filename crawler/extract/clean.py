"""Cleaning of the selected body fragment with BeautifulSoup, and its paragraphs."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, CData, Comment, NavigableString, Tag

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


def tags_in(node: Tag, names: frozenset[str] | None = None) -> list[Tag]:
    """The tags under ``node`` in document order (named ``names``, when given): what
    ``node.find_all(True)`` and ``node.find_all(list(names))`` give. BeautifulSoup 4.13+
    matches each tag against a list of names through its rule objects: a body's
    ``find_all`` of the block tags took a fifth of its cleaning."""
    if names is None:
        return [el for el in node.descendants if isinstance(el, Tag)]
    return [el for el in node.descendants if isinstance(el, Tag) and el.name in names]


def strings_in(node: Tag) -> list[NavigableString]:
    """The strings under ``node`` in document order: ``node.find_all(string=True)``."""
    return [el for el in node.descendants if isinstance(el, NavigableString)]


def tag_texts(tags: list[Tag]) -> dict[int, str]:
    """``tag.get_text()`` of each of ``tags`` (every tag of one tree, in document order),
    by ``id``, each built from its children's: asking each tag for it read its subtree
    again, the whole body for its outer boxes. A tag that reads other kinds of strings
    than BeautifulSoup's main ones (``<rt>``) is asked itself."""
    main: dict[int, str] = {}  # the strings of the main kinds under each tag
    texts: dict[int, str] = {}
    for tag in reversed(tags):  # every tag after the tags inside it
        text = main[id(tag)] = "".join(
            main[id(child)] if isinstance(child, Tag) else child
            for child in tag.children
            if isinstance(child, Tag) or type(child) in _MAIN_STRINGS
        )
        texts[id(tag)] = text if tag.interesting_string_types == _MAIN_STRINGS else tag.get_text()
    return texts


_MAIN_STRINGS = frozenset({NavigableString, CData})
_LINE_TAGS = PARAGRAPH_TAGS - {"br", "hr"}
_KEPT_IN_EMPTY = frozenset({"img", "a"})


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
    for tag in reversed(tags_in(container, _LINE_TAGS)):
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
    for text in reversed(strings_in(container)):
        if normalize_text(str(text)) == target:
            parent = text.parent
            text.extract()
            # An inline wrapper (<strong>) left empty goes with it.
            while (
                isinstance(parent, Tag)
                and parent is not container
                and not parent.get_text(strip=True)
                and not tags_in(parent, _KEPT_IN_EMPTY)
            ):
                grand = parent.parent
                parent.decompose()
                parent = grand
            return True
    return False

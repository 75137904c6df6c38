"""Search highlights as markup we can vouch for, whatever the search module sent: text
re-escaped, bare ``<mark>``/``</mark>`` kept, every other tag dropped.

The usual fragment (archive/search_hits.py: escaped text and ``<mark>`` only) takes a
fast path: split on the two tags, unescape and re-escape each piece of text, which is what
the parser does to it. Anything else (another tag, a comment, a stray ``<``) goes through
``html.parser``. Twenty hits a page made the parser a tenth of a search page's time.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser

from markupsafe import Markup, escape

_ONLY_MARKS = re.compile(r"(?:[^<]|<mark>|</mark>)*")
_MARK_TAGS = re.compile(r"(</?mark>)")


class _Highlight(HTMLParser):
    """Keeps text (re-escaped) and bare <mark>/</mark>; drops every other tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "mark":
            self.out.append("<mark>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self.out.append("</mark>")

    def handle_data(self, data: str) -> None:
        self.out.append(str(escape(data)))


def _parsed(fragment: str) -> str:
    parser = _Highlight()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out)


@lru_cache(maxsize=8_192)  # a pure function of its text; result pages repeat
def safe_highlight(fragment: str | None) -> Markup:
    fragment = fragment or ""
    if _ONLY_MARKS.fullmatch(fragment):
        pieces = _MARK_TAGS.split(fragment)  # text, tag, text, tag, …, text
        out = "".join(
            piece if i % 2 else str(escape(html.unescape(piece))) for i, piece in enumerate(pieces)
        )
    else:
        out = _parsed(fragment)
    # An unclosed <mark> must not swallow the rest of the page's styling.
    out += "</mark>" * max(out.count("<mark>") - out.count("</mark>"), 0)
    return Markup(out)

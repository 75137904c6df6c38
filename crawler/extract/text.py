"""Text normalisation shared by every extractor.

Portals mix NFD and NFC Vietnamese, leave HTML entities double-escaped in fields and pad
text with nbsp / zero-width characters; every string leaving the extractor goes through
``normalize_text`` (one line) or ``normalize_multiline`` (paragraphs kept).
"""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width and formatting characters that carry no text (ZWSP, ZWNJ, ZWJ, word joiner,
# BOM, soft hyphen): removed outright rather than turned into spaces.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _unescape(s: str) -> str:
    # Entities may be double-escaped ("&amp;#7897;"); unescape until stable (bounded).
    for _ in range(3):
        if not _ENTITY.search(s):
            break
        s = html.unescape(s)
    return s


def normalize_text(s: str | None) -> str:
    """One line of clean NFC text: entities decoded, all whitespace collapsed to one space."""
    if not s:
        return ""
    s = _unescape(str(s))
    s = _INVISIBLE.sub("", s)
    s = unicodedata.normalize("NFC", s)
    # str.split() with no argument splits on every Unicode whitespace (nbsp included).
    return " ".join(s.split())


def normalize_multiline(s: str | None) -> str:
    """Paragraphs (separated by blank lines) each normalised, joined by one blank line.

    Single newlines inside a paragraph are folded into spaces: a paragraph is one line.
    """
    if not s:
        return ""
    s = _unescape(str(s)).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = (normalize_text(p) for p in _PARAGRAPH_BREAK.split(s))
    return "\n\n".join(p for p in paragraphs if p)

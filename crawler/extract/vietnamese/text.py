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
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _has_invisible(s: str) -> bool:
    # Six substring tests are about thirty times quicker than the character class's scan
    # over Vietnamese text (a regex walks non-ASCII text slowly).
    return (
        "\u200b" in s or "\u200c" in s or "\u200d" in s
        or "\u2060" in s or "\ufeff" in s or "\u00ad" in s
    )  # fmt: skip


_MAX_UNESCAPE = 8  # escaping depth seen in the wild is 2–3; the bound only stops a loop


def _unescape(s: str) -> str:
    # Invisible characters first: "&\u200bamp;" is an entity once they are gone. Then
    # entities, double-escaped ones too ("&amp;#7897;"), until stable: the result must be
    # a fixed point, or normalising twice would change text a second time.
    if _has_invisible(s):
        s = _INVISIBLE.sub("", s)
    if "&" not in s:  # no entity: most text, and its regex scan cost more than the rest
        return s
    for _ in range(_MAX_UNESCAPE):
        if not _ENTITY.search(s):
            break
        decoded = _INVISIBLE.sub("", html.unescape(s))
        if decoded == s:
            break
        s = decoded
    return s


def normalize_text(s: str | None) -> str:
    """One line of clean NFC text: entities decoded, all whitespace collapsed to one space."""
    if not s:
        return ""
    s = unicodedata.normalize("NFC", _unescape(str(s)))
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

"""Regular expressions from site profiles, run with RE2: linear time whatever the pattern.

A profile's ``deny``, ``article.url_pattern`` and ``listing.url_pattern`` are matched
against every URL a crawl meets. With Python's backtracking engine a pattern such as
``(a+)+$`` against a long URL hangs the crawl; RE2 (google-re2, the engine Google runs on
untrusted patterns) has no backtracking, so a pattern's cost is bounded by the text's
length. Its syntax is Python's minus lookaround and backreferences, which URL rules never
need; such a pattern is refused when the profile loads, with the reason.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN = 1000  # characters: a URL rule is a line, not a program
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are raised to the caller, not printed by RE2
_OPTIONS.max_mem = 8 << 20  # bytes of compiled program: a bounded automaton


class PatternError(ValueError):
    """A profile regex that cannot be used; the message says why."""


def check(pattern: str) -> None:
    """Raise PatternError when ``pattern`` is too long or not RE2 syntax."""
    compiled(pattern)


@lru_cache(maxsize=512)
def compiled(pattern: str) -> Any:
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"longer than {MAX_PATTERN} characters")
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        first = exc.args[0] if exc.args else exc
        reason = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first)
        raise PatternError(
            f"does not compile ({reason}; luutru runs profile regexes with RE2: no "
            "lookaround or backreferences)"
        ) from exc


def search(pattern: str, text: str) -> Any:
    """``re.search`` with RE2 (a compiled pattern is cached)."""
    return compiled(pattern).search(text)

"""Search hits: the page's rows read from ``versions``, with highlighted snippets.

Snippets and highlights are cut in Python for the page of hits only: the text is folded
(or exact-keyed) again and, keying being length-preserving on NFC text
(archive/fold.py), the offsets of matched words in the keyed text are the offsets of the
original words with their diacritics.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from itertools import islice
from typing import Any

from sqlalchemy import Connection

from archive.fold import TOKEN_RE, exact_key, fold, nfc
from archive.ids import public_id
from archive.search_query import positive_terms

SNIPPET_WORDS = 30
_PARTS = ("snippet_parts", "title_parts")
_SPACES = re.compile(r"\s+")


@dataclass
class Hit:
    id: str  # site:key
    site: str
    title: str
    date: str | None
    author: str | None
    category: str | None
    status: str
    url: str
    version: int
    score: float  # higher is better (-bm25)
    snippet: str  # plain text, matches in [brackets]
    snippet_html: str  # escaped HTML, matches in <mark>
    title_html: str
    article_id: int = 0
    snippet_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)
    title_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        # Shallow: dataclasses.asdict deep-copies the parts lists, a tenth of a search.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _PARTS}


class _Marked:
    """A text's tokens and which of them are hits, with the character offsets of tokens
    worked out only where they are needed (a snippet's window): finding every token's
    offsets was most of a search's CPU time."""

    __slots__ = ("flags", "keyed", "original")

    def __init__(
        self, text: str | None, keyer: Callable[[str], str], words: set[str], prefixes: set[str]
    ) -> None:
        self.original = nfc(text or "")
        self.keyed = keyer(self.original)  # same offsets as the NFC original
        tokens = TOKEN_RE.findall(self.keyed)
        if prefixes:
            starts = tuple(prefixes)  # str.startswith takes a tuple: one C call per token
            self.flags = [tok in words or tok.startswith(starts) for tok in tokens]
        else:
            self.flags = list(map(words.__contains__, tokens))

    def spans(self, first: int, last: int) -> list[tuple[int, int, bool]]:
        """(start, end, hit) of tokens ``first`` to ``last`` (inclusive)."""
        found = islice(TOKEN_RE.finditer(self.keyed), first, last + 1)
        return [(m.start(), m.end(), self.flags[i]) for i, m in enumerate(found, first)]


def _parts(original: str, spans: list[tuple[int, int, bool]], start: int, end: int):
    parts: list[tuple[str, bool]] = []
    pos = start
    for s, e, hit in spans:
        if not hit or s < start or e > end:
            continue
        if s > pos:
            parts.append((original[pos:s], False))
        parts.append((original[s:e], True))
        pos = e
    if end > pos:
        parts.append((original[pos:end], False))
    return parts


def _title_parts(marked: _Marked) -> list[tuple[str, bool]]:
    spans = marked.spans(0, len(marked.flags) - 1) if any(marked.flags) else []
    return _parts(marked.original, spans, 0, len(marked.original))


def _snippet_parts(texts: list[_Marked], width: int) -> list[tuple[str, bool]]:
    """The window of ``width`` words with the most hits, over summary and body."""
    best: tuple[int, int, int] | None = None  # (hits, text index, first token)
    for t, marked in enumerate(texts):
        hits = [i for i, hit in enumerate(marked.flags) if hit]
        for i in hits:  # a window starting a few words before hit i
            first = max(0, i - 5)
            count = bisect_left(hits, first + width) - bisect_left(hits, first)
            if best is None or count > best[0]:
                best = (count, t, first)
    if best is None:  # no hit in summary/body (the title matched): their beginning
        t = 0 if texts[0].flags else 1
        best = (0, t, 0)
    _, t, first = best
    marked = texts[t]
    original, count = marked.original, len(marked.flags)
    if not count:
        return []
    last = min(count, first + width) - 1
    spans = marked.spans(first, last)
    start = spans[0][0] if first > 0 else 0
    end = spans[-1][1] if last < count - 1 else len(original.rstrip())
    parts = _parts(original, spans, start, end)
    if first > 0:
        parts.insert(0, ("…", False))
    if end < len(original.rstrip()):
        parts.append(("…", False))
    return [(p if hit else _SPACES.sub(" ", p), hit) for p, hit in parts]  # one line


def _plain(parts: list[tuple[str, bool]], open_: str = "[", close: str = "]") -> str:
    return "".join(f"{open_}{p}{close}" if hit else p for p, hit in parts)


def _html(parts: list[tuple[str, bool]]) -> str:
    return "".join(f"<mark>{html.escape(p)}</mark>" if hit else html.escape(p) for p, hit in parts)


def hits(conn: Connection, page: list, tree: Any, exact: bool) -> list[Hit]:
    if not page:
        return []
    ids = ", ".join(str(int(row[0])) for row in page)  # integers: no quoting to get wrong
    rows = {
        r[0]: r
        for r in conn.exec_driver_sql(
            "SELECT v.id, v.article_id, v.number, v.title, v.date, v.author, v.category, "
            "v.summary, v.body, a.site, a.article_key, a.canonical_url, a.status "
            f"FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.id IN ({ids})"
        )
    }
    words, prefixes = positive_terms(tree)
    keyer = exact_key if exact else fold
    out = []
    for version_id, score in page:
        r = rows[version_id]
        _, art_id, number, title, day, author, category, summary, body, site, key, url, st = r
        marked_title = _Marked(title, keyer, words, prefixes)
        title_parts = _title_parts(marked_title)
        texts = [_Marked(summary, keyer, words, prefixes), _Marked(body, keyer, words, prefixes)]
        parts = _snippet_parts(texts, SNIPPET_WORDS)
        out.append(
            Hit(
                id=public_id(site, key),
                site=site,
                title=marked_title.original,
                date=day,
                author=author,
                category=category,
                status=st,
                url=url,
                version=number,
                score=round(float(score), 4),
                snippet=_plain(parts),
                snippet_html=_html(parts),
                title_html=_html(title_parts),
                article_id=art_id,
                snippet_parts=parts,
                title_parts=title_parts,
            )
        )
    return out


def render(parts: list[tuple[str, bool]], open_: str, close: str) -> str:
    """Parts with matches between ``open_`` and ``close`` (e.g. ANSI bold on a terminal)."""
    return _plain(parts, open_, close)

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

from archive.attachment_text import file_texts, urls_of
from archive.fold import exact_key, exact_keys, fold, fold_many, nfc, token_pattern
from archive.ids import public_id
from archive.search_boost import split
from archive.search_query import Or, Term, positive_terms

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
    score: float | None  # higher is better (-bm25; ts_rank on PostgreSQL)
    snippet: str  # plain text, matches in [brackets]
    snippet_html: str  # escaped HTML, matches in <mark>
    title_html: str
    article_id: int = 0
    # a query typed with diacritics: True when this hit holds them exactly (ranked first),
    # False when it matched only once folded; None when no such ranking applied
    exact_match: bool | None = None
    attachment: str | None = None  # the attached file the snippet is cut from, if any
    snippet_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)
    title_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        # Shallow: dataclasses.asdict deep-copies the parts lists, a tenth of a search.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _PARTS}


def _phrases(node: Any) -> list[Term]:
    """The phrases (terms of several words) not under a NOT."""
    if isinstance(node, Term):
        return [node] if len(node.tokens) > 1 else []
    return [p for item in node.items for p in _phrases(item)]


def _single_terms(node: Any) -> Any:
    """``node`` without its phrases (their words are marked only where the phrase is)."""
    if isinstance(node, Term):
        return node if len(node.tokens) == 1 else Or([])
    return Or([_single_terms(item) for item in node.items])


def _phrase_hits(tokens: list[str], phrases: list[Term]) -> set[int]:
    """Indexes of the tokens that are part of an occurrence of a phrase."""
    marked: set[int] = set()
    for phrase in phrases:
        want, n = phrase.tokens, len(phrase.tokens)
        for i in range(len(tokens) - n + 1):
            head_ok = tokens[i : i + n - 1] == want[:-1]
            last = tokens[i + n - 1]
            if head_ok and (last.startswith(want[-1]) if phrase.prefix else last == want[-1]):
                marked.update(range(i, i + n))
    return marked


class _Marked:
    """A text, NFC, with a hit flag per token: a query word anywhere, a phrase's words
    only where they make the phrase. Flags come from one ``findall`` over the keyed text;
    token offsets (those of the NFC original: keying is length-preserving) are found only
    for the few tokens a snippet shows, not for every word of a 2,000-word body.
    ``keyed``: the text already keyed (``hits`` keys a page's texts in one pass)."""

    def __init__(
        self,
        text: str | None,
        keyer: Callable[[str], str],
        words: set[str],
        prefixes: set[str],
        phrases: list[Term] = (),  # type: ignore[assignment]
        keyed: str | None = None,
    ) -> None:
        self.original = nfc(text or "")
        self.keyed = keyer(self.original) if keyed is None else keyed
        self.tokens_re = token_pattern(self.keyed)
        tokens = self.tokens_re.findall(self.keyed)
        if prefixes:
            starts = tuple(prefixes)  # str.startswith takes a tuple: one C call per token
            self.flags = [tok in words or tok.startswith(starts) for tok in tokens]
        else:
            self.flags = list(map(words.__contains__, tokens))
        for i in _phrase_hits(tokens, phrases) if phrases else ():
            self.flags[i] = True

    def spans(self, first: int, last: int) -> list[tuple[int, int, bool]]:
        """(start, end, hit) of tokens ``first`` to ``last`` (inclusive)."""
        found = islice(self.tokens_re.finditer(self.keyed), first, last + 1)
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


def significant(score: float) -> float:
    """A score to 4 significant digits: BM25 of a word in most articles is tiny (FTS5
    floors its idf at 1e-6), and rounding it to decimals would print 0.0 for every hit."""
    return float(f"{score:.4g}")


def hits(conn: Connection, page: list, tree: Any, exact: bool, boosted: bool = False) -> list[Hit]:
    if not page:
        return []
    ids = ", ".join(str(int(row[0])) for row in page)  # integers: no quoting to get wrong
    rows = {
        r[0]: r
        for r in conn.exec_driver_sql(
            "SELECT v.id, v.article_id, v.number, v.title, v.date, v.author, v.category, "
            "v.summary, v.body, a.site, a.article_key, a.canonical_url, a.status, v.attachments "
            f"FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.id IN ({ids})"
        )
    }
    # no query (the newest articles, archive/search_latest.py): nothing to highlight
    words, prefixes = positive_terms(_single_terms(tree)) if tree is not None else (set(), set())
    phrases = _phrases(tree) if tree is not None else []
    keyer = exact_key if exact else fold
    # title, summary and body of every hit keyed in one pass (numpy over the lot, where
    # one text at a time went through str.translate: half of the page's highlighting)
    keyed = iter((exact_keys if exact else fold_many)(
        [text for version_id, _ in page for text in _texts(rows[version_id])]
    ))  # fmt: skip

    def mark(text: str | None) -> _Marked:
        return _Marked(text, keyer, words, prefixes, phrases, keyed=next(keyed))

    out = []
    for version_id, score in page:
        r = rows[version_id]
        (
            _,
            art_id,
            number,
            title,
            day,
            author,
            category,
            summary,
            body,
            site,
            key,
            url,
            st,
            files,
        ) = r
        marked_title = mark(title)  # in _texts' order
        title_parts = _title_parts(marked_title)
        texts = [mark(summary), mark(body)]
        relevance, exact_match = split(float(score), boosted)
        parts = _snippet_parts(texts, SNIPPET_WORDS)
        # attachments: an attached file's window wins when it holds more matched words
        in_file, best = None, sum(hit for _p, hit in parts)
        # the version's row is at hand: its files' texts are read only when it links some
        urls = urls_of(files)
        for name, content in file_texts(conn, site, urls) if urls else ():
            marked = _Marked(content, keyer, words, prefixes, phrases)
            if sum(marked.flags) > best:
                found = _snippet_parts([marked], SNIPPET_WORDS)
                if sum(hit for _p, hit in found) > best:
                    parts, in_file, best = found, name, sum(hit for _p, hit in found)
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
                score=significant(relevance),
                snippet=_plain(parts),
                snippet_html=_html(parts),
                title_html=_html(title_parts),
                article_id=art_id,
                exact_match=exact_match,
                attachment=in_file,
                snippet_parts=parts,
                title_parts=title_parts,
            )
        )
    return out


def _texts(row: Any) -> tuple[str | None, str | None, str | None]:
    """A hit row's title, summary and body (the order ``hits`` keys and reads them in)."""
    return row[3], row[7], row[8]


def render(parts: list[tuple[str, bool]], open_: str, close: str) -> str:
    """Parts with matches between ``open_`` and ``close`` (e.g. ANSI bold on a terminal)."""
    return _plain(parts, open_, close)

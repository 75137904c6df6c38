"""Search query syntax: parsing what a person types into a tree, and that tree into an
FTS5 MATCH expression (SQLite) or a ``to_tsquery`` text (PostgreSQL).

Syntax (see archive/search.py for the whole picture):
- words: ``lao động`` — every word must appear (AND), anywhere in title/summary/body;
- ``"thương binh"``: a phrase, the words adjacent and in this order;
- ``AND``, ``OR``, ``NOT`` (upper case; lower-case "or" is just a word), ``-word`` /
  ``-"a phrase"`` / ``-(…)`` for NOT; NOT binds tighter than AND, AND tighter than OR;
- ``lao*``: prefix (``"thương bi"*``: the phrase's last word is a prefix);
- parentheses group. A word with inner punctuation (``covid-19``) is a phrase of its parts;
  other punctuation is ignored. Every token reaches FTS5 inside double quotes, so nothing a
  user types can become a column filter, NEAR, ^ or any other FTS5 syntax.
Errors (unbalanced quote or parenthesis, operator with nothing on one side, a query that
only excludes) raise ``SearchSyntaxError`` with one sentence for a person.

Limits (a query is typed by anyone who can reach /search; each bounds a cost that grew
without one: see tests/test_hostile_inputs.py). Passing one raises ``SearchTooComplex``:
- ``MAX_QUERY_CHARS`` characters (a hundred times that is refused unread; below, the
  query is read first, so that the error names the limit that matters);
- ``MAX_DEPTH`` levels of parentheses: the parser recurses once per level (500 levels
  were a RecursionError);
- ``MAX_WORDS`` words in all, phrases' words and excluded words included: FTS5's cost
  grows faster than linearly with the terms of one expression (10,000 words took ten
  minutes on 300 articles);
- prefixes: at least ``MIN_PREFIX`` characters before ``*``, at most ``MAX_PREFIXES`` in a
  query: each prefix is a scan over every indexed word it starts (800 one-letter prefixes
  took 6 s on 300 articles). archive/search.py also bounds how many indexed words a
  query's prefixes may stand for on SQLite (``MAX_EXPANSION``) and how long a search runs.
All these errors are ``SearchSyntaxError`` subclasses: every caller that shows a syntax
error as one line (the CLI exits 2, the web answers 400) shows these the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive.fold import TOKEN_RE, exact_key, fold

MAX_QUERY_CHARS = 1_000  # a long pasted title is ~250; 64 words fit several times
MAX_DEPTH = 32  # levels of parentheses
MAX_WORDS = 64  # words in a query, phrases' and excluded words included
MIN_PREFIX = 2  # characters before "*" (of the word as indexed: folded or exact-keyed)
MAX_PREFIXES = 8  # prefix terms in one query


class SearchSyntaxError(ValueError):
    """A query a person typed cannot be understood; the message says why, in one line."""


class SearchTooComplex(SearchSyntaxError):
    """A query beyond one of the limits above (or ``MAX_EXPANSION``): one line saying
    which, and what to do instead."""


class SearchTooCostly(SearchSyntaxError):
    """A search that ran past its time budget (archive/search.py ``SEARCH_TIMEOUT``) and
    was stopped; the database connection stays usable."""


class SearchFilterError(SearchSyntaxError):
    """A filter value search cannot use (a date that does not exist …): one line."""


@dataclass
class Term:
    tokens: list[str]  # folded (or exact-keyed) words; >1 is a phrase
    prefix: bool = False


@dataclass
class And:
    items: list[Any]
    negs: list[Any] = field(default_factory=list)


@dataclass
class Or:
    items: list[Any]


_OPS = {"AND", "OR", "NOT"}


def _lex(query: str, key: Callable[[str], str]) -> list[tuple[str, Any]]:
    """(kind, value): kind in WORD (a Term), "(", ")", AND, OR, NOT."""
    out: list[tuple[str, Any]] = []
    i, n = 0, len(query)
    depth = words_seen = prefixes = 0

    def term(text: str, prefix: bool) -> None:
        nonlocal words_seen, prefixes
        words = TOKEN_RE.findall(key(text))
        if words:
            words_seen += len(words)
            if words_seen > MAX_WORDS:
                raise SearchTooComplex(
                    f"too many words: a query may hold at most {MAX_WORDS} (phrases' words "
                    "included); search for the few that matter, or add filters"
                )
            if prefix:
                prefixes += 1
                if len(words[-1]) < MIN_PREFIX:
                    shown = text.strip()[-20:] + "*"
                    raise SearchTooComplex(
                        f"prefix too short: {shown} stands for too many words; type at least "
                        f"{MIN_PREFIX} letters before *"
                    )
                if prefixes > MAX_PREFIXES:
                    raise SearchTooComplex(
                        f"too many prefixes (word*): at most {MAX_PREFIXES} in one query"
                    )
            out.append(("WORD", Term(words, prefix)))
        elif out and out[-1][0] == "NOT" and out[-1][1] == "-":
            out.pop()  # "-!!!": nothing left to exclude

    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            # never below 0: at least as deep as the parser will ever recurse
            depth = depth + 1 if ch == "(" else max(depth - 1, 0)
            if depth > MAX_DEPTH:
                raise SearchTooComplex(f"too many nested parentheses: at most {MAX_DEPTH} levels")
            out.append((ch, ch))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                shown = query[i : i + 25] + ("…" if n - i > 25 else "")
                raise SearchSyntaxError(
                    f'unbalanced quote: the phrase {shown} has no closing double quote (")'
                )
            prefix = end + 1 < n and query[end + 1] == "*"
            term(query[i + 1 : end], prefix)
            i = end + 2 if prefix else end + 1
        elif ch == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] != "-":
            out.append(("NOT", "-"))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"':
                j += 1
            chunk = query[i:j]
            i = j
            if chunk in _OPS:
                out.append((chunk, chunk))
            else:
                term(chunk.rstrip("*"), chunk.endswith("*"))
    return out


class _Parser:
    def __init__(self, lexed: list[tuple[str, Any]]) -> None:
        self.toks = lexed
        self.pos = 0
        self.open = 0  # parentheses opened and not closed yet

    def peek(self) -> str | None:
        return self.toks[self.pos][0] if self.pos < len(self.toks) else None

    def take(self) -> tuple[str, Any]:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Any:
        node = self.parse_or()
        if self.peek() == ")":
            raise SearchSyntaxError("unbalanced parenthesis: a ')' has no matching '('")
        return node

    def parse_or(self) -> Any:
        items = [self.parse_and(after=None)]
        while self.peek() == "OR":
            self.take()
            items.append(self.parse_and(after="OR"))
        return items[0] if len(items) == 1 else Or(items)

    def parse_and(self, after: str | None) -> Any:
        items: list[Any] = []
        negs: list[Any] = []
        while True:
            kind = self.peek()
            if kind in (None, ")", "OR"):
                break
            if kind == "AND":
                self.take()
                if not items and not negs:
                    raise SearchSyntaxError("AND needs a word or phrase on its left")
                if self.peek() in (None, ")", "OR", "AND"):
                    raise SearchSyntaxError("AND needs a word or phrase on its right")
                continue
            if kind == "NOT":
                word = self.take()[1]
                if self.peek() in (None, ")", "OR", "AND", "NOT"):
                    raise SearchSyntaxError(f"{word} needs a word or phrase after it")
                negs.append(self.parse_atom())
                continue
            items.append(self.parse_atom())
        if not items and not negs:
            if after == "OR":
                raise SearchSyntaxError("OR needs a word or phrase on its right")
            if self.peek() == "OR":
                raise SearchSyntaxError("OR needs a word or phrase on its left")
            if self.peek() is None and self.open:
                raise SearchSyntaxError("unbalanced parenthesis: a '(' is never closed")
            raise SearchSyntaxError("empty query: type at least one word to search for")
        if not items:
            raise SearchSyntaxError(
                "a query (or a part of it) cannot only exclude words: say what to look for, "
                "e.g. lao động NOT tuyển"
            )
        return items[0] if len(items) == 1 and not negs else And(items, negs)

    def parse_atom(self) -> Any:
        kind, value = self.take()
        if kind == "WORD":
            return value
        if kind == "(":
            if self.peek() == ")":
                raise SearchSyntaxError("empty parentheses: put words between ( and )")
            self.open += 1
            node = self.parse_or()
            if self.peek() != ")":
                raise SearchSyntaxError("unbalanced parenthesis: a '(' is never closed")
            self.take()
            self.open -= 1
            return node
        raise SearchSyntaxError(f"unexpected {value!r}")  # not reached: callers peek first


def parse_query(query: str, *, exact: bool = False) -> Any:
    """The query's tree (Term / And / Or), words already folded (or exact-keyed).
    Raises SearchSyntaxError (SearchTooComplex past a limit: module docstring)."""
    query = query or ""
    too_long = SearchTooComplex(
        f"query too long: {len(query):,} characters, at most {MAX_QUERY_CHARS:,}; "
        "search for the few words that matter"
    )
    if len(query) > 100 * MAX_QUERY_CHARS:  # not even read
        raise too_long
    # read first (it stops at the first limit passed), so that the message names the
    # limit that matters: 500 parentheses are "too deeply nested", not just "too long"
    lexed = _lex(query, exact_key if exact else fold)
    if len(query) > MAX_QUERY_CHARS:
        raise too_long
    if not lexed:
        raise SearchSyntaxError("empty query: type at least one word to search for")
    return _Parser(lexed).parse()


def to_fts(node: Any, expand: dict[str, list[str]] | None = None) -> str:
    """The FTS5 MATCH expression: every token double-quoted (tokens are letters and digits
    only, so the quoting cannot be broken), operators and parentheses ours.

    ``expand``: {prefix: the indexed words it starts} (archive/search.py): a prefix term
    found there becomes an OR of those words (of those phrases, for a phrase prefix), which
    FTS5 can seek row by row; a native prefix query re-reads every matching word's list at
    each lookup. A prefix not in ``expand``, or with no word, stays a native prefix."""
    if isinstance(node, Term):
        words = (expand or {}).get(node.tokens[-1]) if node.prefix else None
        if words:
            head = " ".join(node.tokens[:-1])
            quoted = ['"' + (f"{head} {w}" if head else w) + '"' for w in words]
            return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"
        return '"' + " ".join(node.tokens) + '"' + (" *" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts(i, expand) for i in node.items) + ")"
    expr = "(" + " AND ".join(to_fts(i, expand) for i in node.items) + ")"
    if node.negs:
        expr += " NOT (" + " OR ".join(to_fts(i, expand) for i in node.negs) + ")"
    return "(" + expr + ")"


def prefix_terms(node: Any) -> list[str]:
    """The prefixes of a query (each one's last, partial word), in order, once each."""
    found: dict[str, None] = {}
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Term):
            if item.prefix:
                found.setdefault(item.tokens[-1], None)
        elif isinstance(item, Or):
            stack.extend(reversed(item.items))
        else:
            stack.extend(reversed(item.negs))
            stack.extend(reversed(item.items))
    return list(found)


def to_tsquery(node: Any) -> str:
    """The PostgreSQL ``to_tsquery`` text: every token single-quoted (tokens are letters
    and digits only), ``<->`` between a phrase's words, ``:*`` on a prefix."""
    if isinstance(node, Term):
        words = [f"'{t}'" for t in node.tokens]
        if node.prefix:
            words[-1] += ":*"
        return "(" + " <-> ".join(words) + ")"
    if isinstance(node, Or):
        return "(" + " | ".join(to_tsquery(i) for i in node.items) + ")"
    expr = " & ".join(to_tsquery(i) for i in node.items)
    if node.negs:
        expr += " & !(" + " | ".join(to_tsquery(i) for i in node.negs) + ")"
    return "(" + expr + ")"


def positive_terms(node: Any) -> tuple[set[str], set[str]]:
    """(whole words, prefixes) worth highlighting: every word not under a NOT."""
    words: set[str] = set()
    prefixes: set[str] = set()
    if isinstance(node, Term):
        words.update(node.tokens[:-1] if node.prefix else node.tokens)
        (prefixes if node.prefix else words).add(node.tokens[-1])
    else:
        for item in node.items:
            w, p = positive_terms(item)
            words |= w
            prefixes |= p
    return words, prefixes

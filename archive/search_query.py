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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive.fold import TOKEN_RE, exact_key, fold


class SearchSyntaxError(ValueError):
    """A query a person typed cannot be understood; the message says why, in one line."""


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

    def term(text: str, prefix: bool) -> None:
        words = TOKEN_RE.findall(key(text))
        if words:
            out.append(("WORD", Term(words, prefix)))
        elif out and out[-1][0] == "NOT" and out[-1][1] == "-":
            out.pop()  # "-!!!": nothing left to exclude

    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
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
            node = self.parse_or()
            if self.peek() != ")":
                raise SearchSyntaxError("unbalanced parenthesis: a '(' is never closed")
            self.take()
            return node
        raise SearchSyntaxError(f"unexpected {value!r}")  # not reached: callers peek first


def parse_query(query: str, *, exact: bool = False) -> Any:
    """The query's tree (Term / And / Or), words already folded (or exact-keyed)."""
    lexed = _lex(query or "", exact_key if exact else fold)
    if not lexed:
        raise SearchSyntaxError("empty query: type at least one word to search for")
    return _Parser(lexed).parse()


def to_fts(node: Any) -> str:
    """The FTS5 MATCH expression: every token double-quoted (tokens are letters and digits
    only, so the quoting cannot be broken), operators and parentheses ours."""
    if isinstance(node, Term):
        return '"' + " ".join(node.tokens) + '"' + (" *" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts(i) for i in node.items) + ")"
    expr = "(" + " AND ".join(to_fts(i) for i in node.items) + ")"
    if node.negs:
        expr += " NOT (" + " OR ".join(to_fts(i) for i in node.negs) + ")"
    return "(" + expr + ")"


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

"""Word-level diff of two versions of an article, for Vietnamese text.

Vietnamese words are space-separated syllables, so a ``\\w+`` run (over NFC text) is the
natural unit: a changed syllable shows as exactly that syllable deleted and inserted,
never half a word or a mangled diacritic. Punctuation characters are tokens of their
own and whitespace runs are kept as tokens, so joining a side's op texts rebuilds that
side's text exactly.

Pure module: takes the two versions' content dicts (e.g. ``ArticleRecord.content()`` or
the store's version rows) and returns plain data.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

FIELD_ORDER: tuple[str, ...] = (
    "title",
    "date",
    "datetime",
    "author",
    "source",
    "summary",
    "category",
    "attachments",
    "body",
)

Op = Literal["equal", "insert", "delete"]

# Word run | whitespace run | any single other character (punctuation, symbols).
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")

_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_RESET = "\x1b[0m"


@dataclass(frozen=True)
class FieldDiff:
    field: str
    changed: bool
    ops: list[tuple[str, str]]

    def old_text(self) -> str:
        return "".join(text for op, text in self.ops if op != "insert")

    def new_text(self) -> str:
        return "".join(text for op, text in self.ops if op != "delete")


def field_text(value: Any) -> str:
    """The comparable NFC text of a field value.

    None and empty values are all "" - an extractor returning None one day and "" the
    next is not an edit anyone wants to read about. Lists are "\\n"-joined (one
    attachment per line); other scalars use ``str``; mappings use sorted JSON.
    """
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif isinstance(value, (list, tuple)):
        text = "\n".join(field_text(v) for v in value)
    elif isinstance(value, Mapping):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = str(value)
    return unicodedata.normalize("NFC", text)


def tokenize(text: str) -> list[str]:
    """Syllables, single punctuation characters and whitespace runs; ``"".join`` inverts."""
    return _TOKEN.findall(text)


def _append(ops: list[tuple[str, str]], op: str, text: str) -> None:
    """Append, merging with the previous op of the same kind."""
    if not text:
        return
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    else:
        ops.append((op, text))


def _diff_tokens(a: str, b: str, ops: list[tuple[str, str]]) -> None:
    ta, tb = tokenize(a), tokenize(b)
    # Whitespace as junk: a match may run through a space but never be anchored on one,
    # which keeps "[-a b-]{+c d+}" from being shredded around every shared space.
    # autojunk off: it would treat frequent syllables ("của", "và") as junk on long texts.
    matcher = difflib.SequenceMatcher(isjunk=str.isspace, a=ta, b=tb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(ops, "equal", "".join(ta[i1:i2]))
            continue
        # "replace" is a delete then an insert, like git's word diff.
        _append(ops, "delete", "".join(ta[i1:i2]))
        _append(ops, "insert", "".join(tb[j1:j2]))


def squash(text: str) -> str:
    """``text`` with every whitespace run one space, trimmed: two texts that squash alike
    differ only in whitespace, which no reader calls an edit."""
    return " ".join(text.split())


def _hide_whitespace(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Whitespace-only edits shown as the new text, unmarked: an inserted or deleted run
    of spaces, and a deletion and insertion that differ only in whitespace."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(ops):
        op, text = ops[i]
        nxt = ops[i + 1] if i + 1 < len(ops) else None
        if op == "delete" and nxt and nxt[0] == "insert" and squash(text) == squash(nxt[1]):
            _append(out, "equal", nxt[1])
            i += 2
            continue
        if op != "equal" and not text.strip():
            if op == "insert":
                _append(out, "equal", text)
        else:
            _append(out, op, text)
        i += 1
    return out


def diff_text(a: str, b: str) -> list[tuple[str, str]]:
    """Token diff of two texts as ("equal" | "delete" | "insert", text) ops.

    Two passes: lines (paragraphs) first, then tokens inside each block of changed lines.
    A token-level SequenceMatcher over a whole long body is quadratic-ish (Vietnamese
    repeats the same few hundred syllables), and the line pass also keeps an edit from
    "matching" a common syllable in an unrelated paragraph.
    """
    ops: list[tuple[str, str]] = []
    if a == b:
        _append(ops, "equal", a)
        return ops
    la, lb = a.splitlines(keepends=True), b.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=la, b=lb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(la[i1:i2]), "".join(lb[j1:j2])
        if tag == "equal":
            _append(ops, "equal", old)
        elif tag == "replace":
            _diff_tokens(old, new, ops)
        else:
            _append(ops, "delete", old)
            _append(ops, "insert", new)
    return ops


def diff_versions(
    a: Mapping[str, Any], b: Mapping[str, Any], fields: Sequence[str] = FIELD_ORDER
) -> list[FieldDiff]:
    """Per-field diffs from version ``a`` to version ``b``.

    Changed fields come first, then unchanged ones, each group in ``fields`` order.
    Missing keys count as empty. Whitespace-only changes are hidden: a field whose text
    differs only in whitespace is unchanged (shown as the new text), and inside a changed
    field such edits are not marked.
    """
    changed: list[FieldDiff] = []
    unchanged: list[FieldDiff] = []
    for name in fields:
        old, new = field_text(a.get(name)), field_text(b.get(name))
        if squash(old) == squash(new):
            unchanged.append(FieldDiff(name, False, [("equal", new)] if new else []))
        else:
            changed.append(FieldDiff(name, True, _hide_whitespace(diff_text(old, new))))
    return changed + unchanged


def _markup(ops: Sequence[tuple[str, str]], color: bool) -> str:
    parts = []
    for op, text in ops:
        if op == "equal":
            parts.append(text)
        elif op == "delete":
            parts.append(f"{_RED}[-{text}-]{_RESET}" if color else f"[-{text}-]")
        else:
            parts.append(f"{_GREEN}{{+{text}+}}{_RESET}" if color else f"{{+{text}+}}")
    return "".join(parts)


def render_text(diffs: Sequence[FieldDiff], color: bool = False) -> str:
    """Human-readable diff, like ``git diff --word-diff``.

    Each changed field: ``name: text`` with ``[-deleted-]{+inserted+}`` inline, multi-line
    values indented under ``name:``. Then one line ``unchanged: title, date, ...``.
    ``color=True`` also paints deletions red and insertions green (ANSI); the markers
    stay so the output is unambiguous without colour too.
    """
    lines: list[str] = []
    for d in diffs:
        if not d.changed:
            continue
        body = _markup(d.ops, color)
        if "\n" in body:
            lines.append(f"{d.field}:")
            lines.extend(f"  {line}" if line else "" for line in body.split("\n"))
        else:
            lines.append(f"{d.field}: {body}")
    same = [d.field for d in diffs if not d.changed]
    if same:
        lines.append("unchanged: " + ", ".join(same))
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(diffs: Sequence[FieldDiff]) -> list[dict[str, Any]]:
    """JSON-ready form: ``[{"field", "changed", "ops": [{"op", "text"}, ...]}, ...]``."""
    return [
        {
            "field": d.field,
            "changed": d.changed,
            "ops": [{"op": op, "text": text} for op, text in d.ops],
        }
        for d in diffs
    ]

"""Readable diffs: a one-line summary of what changed between two versions, and the body
aligned paragraph by paragraph for a side-by-side view (archive/diff.py does the words).

Pure module, like archive/diff.py: the two versions' content dicts in, plain data out.
The summary is a list of (code, values) items so each reader words it in its language;
``summary_text`` words it in English ("title changed; 1 paragraph rewritten; date moved
24/01 → 26/01").
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from archive.diff import FIELD_ORDER, diff_text, field_text, squash

Parts = list[tuple[str, bool]]  # (text, marked)


def paragraphs(text: str) -> list[str]:
    """A body's paragraphs (separated by blank lines), whitespace squashed."""
    return [squash(p) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _short_day(day: str, other: str) -> str:
    """YYYY-MM-DD as DD/MM, with the year when the two days' years differ."""
    if len(day) < 10:
        return day or "—"
    short = f"{day[8:10]}/{day[5:7]}"
    return short if day[:4] == other[:4] else f"{short}/{day[:4]}"


def summary(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """What changed from ``a`` to ``b``, in field order: ("changed", {field}),
    ("date", {old, new}), ("rewritten"|"added"|"removed", {n}) for body paragraphs."""
    items: list[tuple[str, dict[str, Any]]] = []
    for name in FIELD_ORDER:
        old, new = field_text(a.get(name)), field_text(b.get(name))
        if squash(old) == squash(new):
            continue
        if name == "date":
            items.append(("date", {"old": _short_day(old, new), "new": _short_day(new, old)}))
        elif name == "datetime":
            if field_text(a.get("date")) == field_text(b.get("date")):
                items.append(("changed", {"field": "time"}))
        elif name == "body":
            items += _paragraph_counts(paragraphs(old), paragraphs(new))
        else:
            items.append(("changed", {"field": name}))
    return items


def _paragraph_counts(old: list[str], new: list[str]) -> list[tuple[str, dict[str, Any]]]:
    rewritten = added = removed = 0
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            pairs = min(i2 - i1, j2 - j1)
            rewritten += pairs
            removed += (i2 - i1) - pairs
            added += (j2 - j1) - pairs
        elif tag == "delete":
            removed += i2 - i1
        elif tag == "insert":
            added += j2 - j1
    return [(code, {"n": n}) for code, n in
            (("rewritten", rewritten), ("added", added), ("removed", removed)) if n]  # fmt: skip


def summary_text(items: list[tuple[str, dict[str, Any]]]) -> str:
    """The summary in English, one line."""
    words = []
    for code, v in items:
        if code == "changed":
            words.append(f"{v['field']} changed")
        elif code == "date":
            words.append(f"date moved {v['old']} → {v['new']}")
        else:
            noun = "paragraph" if v["n"] == 1 else "paragraphs"
            words.append(f"{v['n']} {noun} {code}")
    return "; ".join(words) if words else "no change"


def _sides(old: str, new: str) -> tuple[Parts, Parts]:
    """One paragraph pair, word-diffed: (old with deletions marked, new with insertions)."""
    left: Parts = []
    right: Parts = []
    for op, text in diff_text(old, new):
        if op != "insert":
            left.append((text, op == "delete"))
        if op != "delete":
            right.append((text, op == "insert"))
    return left, right


def side_by_side(old_text: str, new_text: str) -> list[dict[str, Any]]:
    """Rows of the two texts aligned by paragraph: {kind: equal|changed|added|removed,
    old: parts, new: parts}; a rewritten paragraph is one row, words marked on each side."""
    old, new = paragraphs(old_text), paragraphs(new_text)
    rows: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [
                {"kind": "equal", "old": [(p, False)], "new": [(p, False)]} for p in old[i1:i2]
            ]
            continue
        olds, news = old[i1:i2], new[j1:j2]
        for k in range(max(len(olds), len(news))):
            if k < len(olds) and k < len(news):
                left, right = _sides(olds[k], news[k])
                rows.append({"kind": "changed", "old": left, "new": right})
            elif k < len(olds):
                rows.append({"kind": "removed", "old": [(olds[k], True)], "new": []})
            else:
                rows.append({"kind": "added", "old": [], "new": [(news[k], True)]})
    return rows

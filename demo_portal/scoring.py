"""Score extracted records against the demo portal's ground truth (tests and bench/)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFC", text or "").lower())


def token_f1(expected: str | None, got: str | None) -> float:
    """Bag-of-words F1 between two texts (1.0 when both are empty)."""
    want, have = Counter(tokens(expected)), Counter(tokens(got))
    if not want and not have:
        return 1.0
    overlap = sum((want & have).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(have.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class Score:
    expected: int = 0  # live articles in the truth
    archived: int = 0  # records matched to a live truth article
    extra: list[str] = field(default_factory=list)  # records with no live truth article
    missing: list[str] = field(default_factory=list)
    exact: Counter = field(default_factory=Counter)  # field → records equal to the truth
    body_f1: list[float] = field(default_factory=list)
    mismatches: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)

    def share(self, name: str) -> float:
        return self.exact[name] / self.archived if self.archived else 0.0

    @property
    def mean_body_f1(self) -> float:
        return sum(self.body_f1) / len(self.body_f1) if self.body_f1 else 0.0

    def table(self) -> str:
        names = (
            "title",
            "date",
            "datetime",
            "author",
            "source",
            "summary",
            "category",
            "attachments",
        )
        parts = [f"{n} {self.share(n):.1%}" for n in names]
        return (
            f"archived {self.archived}/{self.expected}, extra {len(self.extra)}, "
            f"body F1 {self.mean_body_f1:.4f}; " + ", ".join(parts)
        )


COMPARED = ("title", "date", "datetime", "author", "source", "summary", "category", "attachments")


def score(truth: Iterable[Mapping[str, Any]], records: Iterable[Mapping[str, Any]]) -> Score:
    """Compare records (export dicts with `site` and `id` "site:key") with live truth articles."""
    live = {(t["site"], t["key"]): t for t in truth if t["status"] == "live"}
    result = Score(expected=len(live))
    seen: set[tuple[str, str]] = set()
    for record in records:
        key = (record["site"], str(record["id"]).split(":", 1)[-1])
        expected = live.get(key)
        if expected is None:
            result.extra.append(f"{key[0]}:{key[1]}")
            continue
        seen.add(key)
        result.archived += 1
        for name in COMPARED:
            want, got = expected.get(name), record.get(name)
            if name == "attachments":
                want, got = sorted(want or []), sorted(got or [])
            if want == got:
                result.exact[name] += 1
            else:
                result.mismatches.setdefault(name, []).append((f"{key[0]}:{key[1]}", want, got))
        result.body_f1.append(token_f1(expected["body"], record.get("body")))
    result.missing = sorted(f"{s}:{k}" for s, k in set(live) - seen)
    return result

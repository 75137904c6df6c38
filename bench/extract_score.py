"""Scoring of extracted articles against hand-written truth, as shared/realpages-dev/eval.py does.

Stdlib only, and written to give the same answers as eval.py's functions of the same names
(tests/test_bench_extract.py checks that against eval.py when ../shared/realpages-dev is
there), so the benchmark does not depend on that folder:

- title: exact match after NFC and whitespace collapse;
- date: ``YYYY-MM-DD`` equality (ISO first, then d/m/yyyy in the value);
- time: ``HH:MM`` of the prediction equal to the truth's ``time`` (pages with a time only);
- author: exact, ignoring case and spacing, ``author_alt`` accepted, a null truth matched by
  an empty prediction;
- body: F1 on the bag of casefolded ``\\w+`` tokens, with a non-empty lead put in front of the
  body unless the body already starts with it.

An extractor's output is a dict in eval.py's ``--cmd`` shape: ``title``, ``published`` (or
``date``/``datetime``), ``author``, ``lead`` (or ``summary``…) and ``body``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from typing import Any

TOKEN = re.compile(r"\w+")


def nfc(s: Any) -> Any:
    return unicodedata.normalize("NFC", s) if isinstance(s, str) else s


def ws(s: str | None) -> str:
    return re.sub(r"\s+", " ", nfc(s or "")).strip()


def tokens(s: str | None) -> Counter[str]:
    return Counter(TOKEN.findall(nfc(s or "").casefold()))


def f1(pred: str | None, gold: str | None) -> float:
    p, g = tokens(pred), tokens(gold)
    if not p and not g:
        return 1.0
    common = sum((p & g).values())
    if not common:
        return 0.0
    prec, rec = common / sum(p.values()), common / sum(g.values())
    return 2 * prec * rec / (prec + rec)


def date_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):  # datetime.datetime is a date too
        return value.strftime("%Y-%m-%d")
    s = str(value)
    m = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        y, mo, d = map(int, m.groups())
    else:
        m = re.search(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", s)
        if not m:
            return None
        d, mo, y = map(int, m.groups())
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def time_of(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.strftime("%H:%M")
    m = re.search(r"(?:T|\s)(\d{1,2}):(\d{2})", str(value or ""))
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def author_key(s: str | None) -> str:
    return ws(s).casefold()


def author_ok(pred: Any, truth: dict[str, Any]) -> bool:
    gold = truth.get("author")
    if isinstance(pred, list | tuple):
        items = [str(x) for x in pred if x and str(x).strip()]
        cands = items + ([", ".join(items)] if len(items) > 1 else [])
    else:
        cands = [str(pred)] if pred and str(pred).strip() else []
    accepted = {author_key(a) for a in truth.get("author_alt") or [] if a}
    if gold is not None:
        accepted.add(author_key(gold))
    if not cands:
        return gold is None
    return any(author_key(c) in accepted for c in cands)


def with_lead(out: dict[str, Any]) -> str:
    body = out.get("body")
    if body is None:
        body = out.get("text")
    body = body or ""
    if isinstance(body, list):
        body = "\n\n".join(map(str, body))
    for key in ("lead", "summary", "sapo", "description"):
        lead = out.get(key)
        if isinstance(lead, str) and ws(lead):
            if not ws(body).startswith(ws(lead)[:80]):
                body = lead + "\n\n" + body
            break
    return body


def normalise_output(out: dict[str, Any]) -> dict[str, Any]:
    keys = ("published", "date", "datetime", "publish_date")
    pub = next((out[k] for k in keys if out.get(k)), None)
    return {
        "title": out.get("title") or "",
        "published": pub,
        "author": out.get("author", out.get("authors")),
        "body": with_lead(out),
    }


def score_page(truth: dict[str, Any], out: dict[str, Any] | None) -> dict[str, Any]:
    """eval.py's per-page scores (title_exact, date_ok, time_ok, author_ok, body_f1); ``out``
    None is an extractor failure: a miss on every field."""
    o = normalise_output(out) if out is not None else normalise_output({})
    row: dict[str, Any] = {"title_exact": ws(o["title"]) == ws(truth["title"])}
    row["date_pred"] = date_of(o["published"])
    row["date_ok"] = row["date_pred"] == truth["date"]
    row["time_pred"] = time_of(o["published"])
    row["time_ok"] = truth.get("time") is not None and row["time_pred"] == truth.get("time")
    row["author_ok"] = author_ok(o["author"], truth)
    row["body_f1"] = f1(o["body"], truth["body"])
    return row

"""Extraction benchmark: luutru's ``extract_article`` vs trafilatura on the same pages.

Every live article page of an in-process demo portal is fetched once (urllib) into memory;
then each extractor runs over all of them, several repetitions, and is scored against the
portal's ground truth. Both outputs get luutru's own post-processing (NormalisePipeline:
NFC, decoded entities, collapsed whitespace, "" → None) so the comparison is of extraction,
not of text cleaning.
"""

from __future__ import annotations

import gc
import logging
import statistics
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Any

from crawler.extract import extract_article
from crawler.extract.vietnamese.text import normalize_multiline, normalize_text
from crawler.profiles import ArticleRules, get_profile
from demo_portal.scoring import token_f1

PREFIX_PROFILE = (("/lf", "demo-liferay"), ("/asp", "demo-aspnet"))
Fields = dict[str, str | None]


@dataclass
class Page:
    url: str
    body: bytes
    encoding: str | None
    text: str  # decoded with the HTTP charset, what trafilatura is given
    rules: ArticleRules
    truth: dict[str, Any]


def _get(url: str, tries: int = 5) -> tuple[bytes, str | None]:
    """GET with a retry on 5xx (the demo portal answers 503 to some first hits)."""
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                headers: Message = resp.headers
                return resp.read(), headers.get_content_charset()
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == tries - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def fetch_pages(articles: int) -> list[Page]:
    from demo_portal import DemoPortal

    rules = {prefix: get_profile(site).article for prefix, site in PREFIX_PROFILE}
    pages: list[Page] = []
    with DemoPortal(articles=articles, epoch=0, port=0, delay=0.0) as portal:
        base = portal.base_url.rstrip("/")
        for truth in portal.truth():
            if truth["status"] != "live":
                continue
            url = str(truth["url"])
            path = url[len(base) :]
            prefix = next(p for p, _ in PREFIX_PROFILE if path.startswith(p + "/"))
            body, charset = _get(url)
            text = body.decode(charset or "utf-8", errors="replace")
            pages.append(Page(url, body, charset, text, rules[prefix], dict(truth)))
    return pages


def _clean(fields: dict[str, Any]) -> Fields:
    out: Fields = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = normalize_multiline(value) if name == "body" else normalize_text(value)
        out[name] = value or None
    return out


def run_luutru(page: Page) -> Fields:
    a = extract_article(page.body, page.url, page.rules, page.encoding)
    return {"title": a.title, "date": a.date, "author": a.author, "body": a.body}


def run_trafilatura(page: Page) -> Fields:
    import trafilatura

    doc = trafilatura.bare_extraction(
        page.text, url=page.url, with_metadata=True, include_comments=False
    )
    if doc is None:
        return {"title": None, "date": None, "author": None, "body": None}
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {
        "title": d.get("title"),
        "date": d.get("date"),
        "author": d.get("author"),
        "body": d.get("text"),
    }


def accuracy(pages: list[Page], outputs: list[Fields]) -> dict[str, float]:
    n = len(pages)
    exact = {"title": 0, "date": 0, "author": 0}
    f1: list[float] = []
    for page, got in zip(pages, outputs, strict=True):
        want = page.truth
        f1.append(token_f1(str(want["body"]), got["body"]))
        for name in exact:
            exact[name] += (want.get(name) or None) == got[name]
    return {
        "body_f1_mean": round(statistics.fmean(f1), 4) if f1 else 0.0,
        **{f"{name}_exact_pct": round(100 * c / n, 1) if n else 0.0 for name, c in exact.items()},
    }


def time_tool(fn: Callable[[Page], Fields], pages: list[Page], reps: int) -> dict[str, Any]:
    outputs: list[Fields] = []
    per_page_ms: list[float] = []
    for rep in range(reps):
        gc.collect()
        started = time.perf_counter()
        results = [fn(p) for p in pages]
        per_page_ms.append(1000 * (time.perf_counter() - started) / len(pages))
        if rep == 0:
            outputs = [_clean(r) for r in results]
    return {
        "ms_per_page_best": round(min(per_page_ms), 3),
        "ms_per_page_median": round(statistics.median(per_page_ms), 3),
        "ms_per_page_reps": [round(x, 3) for x in per_page_ms],
        **accuracy(pages, outputs),
    }


def run(articles: int = 300, reps: int = 5) -> dict[str, Any]:
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    pages = fetch_pages(articles)
    # One untimed pass each: imports, lazy caches, compiled selectors.
    for fn in (run_luutru, run_trafilatura):
        for p in pages[:5]:
            fn(p)
    luutru = time_tool(run_luutru, pages, reps)
    traf = time_tool(run_trafilatura, pages, reps)
    best_l, best_t = luutru["ms_per_page_best"], traf["ms_per_page_best"]
    return {
        "articles": articles,
        "pages": len(pages),
        "pages_by_site": {
            s: sum(p.url.split("/")[3] == pre.strip("/") for p in pages)
            for pre, s in PREFIX_PROFILE
        },
        "reps": reps,
        "trafilatura_version": trafilatura.__version__,
        "luutru": luutru,
        "trafilatura": traf,
        "ratio_ms_luutru_over_trafilatura": round(best_l / best_t, 3) if best_t else None,
    }


def table(result: dict[str, Any]) -> str:
    head = (
        "extractor",
        "ms/page best",
        "ms/page median",
        "body F1",
        "title %",
        "date %",
        "author %",
    )
    rows = [head]
    for name in ("luutru", "trafilatura"):
        r = result[name]
        rows.append(
            (
                name,
                f"{r['ms_per_page_best']:.3f}",
                f"{r['ms_per_page_median']:.3f}",
                f"{r['body_f1_mean']:.4f}",
                f"{r['title_exact_pct']:.1f}",
                f"{r['date_exact_pct']:.1f}",
                f"{r['author_exact_pct']:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.append(
        f"ratio ms/page luutru/trafilatura (best): {result['ratio_ms_luutru_over_trafilatura']}"
    )
    lines.append(
        f"{result['pages']} live article pages {result['pages_by_site']}, "
        f"{result['reps']} repetitions, trafilatura {result['trafilatura_version']}"
    )
    return "\n".join(lines)

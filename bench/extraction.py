"""Extraction benchmark: luutru's ``extract_article`` (generic, and with a profile) against
trafilatura, readability-lxml, jusText and htmldate, side by side, on two gold sets:

- real pages: tests/pages/real/*.html, real Vietnamese article pages with hand-written truth
  (shared/realpages-dev), scored as shared/realpages-dev/eval.py scores them
  (bench/extract_score.py); "luutru profile" runs there with the bundled CMS template that
  fits the site (liferay for sotttt.hanoi.gov.vn, vnexpress for VnExpress);
- demo pages: every live article page of an in-process demo portal, fetched once (urllib)
  into memory, scored against the portal's ground truth; "luutru generic" is
  ``extract_article(..., rules=None)``, "luutru profile" uses the site profile
  (demo-liferay, demo-aspnet);

and both pooled ("combined"). After an untimed warm-up, every extractor runs over each set
``reps`` times, all in this process, the extractors taking turns within each repetition;
accuracy is from the first repetition, after luutru's own text cleaning (NFC, entities
decoded, whitespace collapsed, "" → None) applied to every tool's output alike, so that the
comparison is of extraction, not of text cleaning.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import statistics
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Sequence
from email.message import Message
from pathlib import Path
from typing import Any

from bench.extract_score import normalise_output, score_page, ws
from bench.extract_tools import (
    JUSTEXT_STOPLIST,
    JUSTEXT_STOPWORDS_HIGH,
    JUSTEXT_STOPWORDS_LOW,
    TOOLS,
    Output,
    Page,
    Tool,
)
from crawler.extract.vietnamese.text import normalize_multiline, normalize_text
from crawler.profiles import get_profile, parse_profile

REAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "pages" / "real"
# The bundled CMS template that fits each real site (as tests/test_real_pages.py uses them).
TEMPLATE_FOR_SITE = {"sotttt.hanoi.gov.vn": "liferay", "vnexpress.net": "vnexpress"}
DEMO_PROFILES = ("demo-liferay", "demo-aspnet")
SETS = ("real", "demo", "combined")
SET_LABEL = {"real": "real pages", "demo": "demo pages", "combined": "combined"}
METRICS = ("title", "date", "time", "author", "lead")
QUIET_LOGGERS = ("trafilatura", "readability", "htmldate", "justext", "charset_normalizer")
WARMUP_PAGES = 5
MISMATCHES_KEPT = 5


# ---------------------------------------------------------------- gold sets


def real_pages(folder: Path = REAL_DIR) -> list[Page]:
    """The saved real pages that have a truth file, each with its site's template rules."""
    pages: list[Page] = []
    for path in sorted(folder.glob("*.html")):
        truth_path = path.with_name(f"{path.stem}.truth.json")
        if not truth_path.is_file():
            continue
        truth = json.loads(truth_path.read_text("utf-8"))
        url = path.with_suffix(".url").read_text("utf-8").strip()
        site = str(truth.get("site", ""))
        template = TEMPLATE_FOR_SITE.get(site)
        rules = None
        if template:
            data = {"id": "t", "name": "t", "start_urls": [url], "extends": template}
            rules = parse_profile(path, data).article
        extra = {"id": path.name, "template": template}
        pages.append(Page(url, path.read_bytes(), None, truth, rules, site, extra))
    return pages


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


def demo_truth(truth: dict[str, Any]) -> dict[str, Any]:
    """The portal's truth in eval.py's terms. Its body excludes the summary (the lead), so the
    body compared is lead + body, as real-page truth has it; ``datetime`` and ``lead`` are
    scored besides (exact), on the pages that have them."""
    lead, body = truth.get("summary"), str(truth.get("body") or "")
    return {
        "title": truth["title"],
        "date": truth["date"],
        "datetime": truth.get("datetime"),
        "author": truth.get("author"),
        "lead": lead,
        "body": f"{lead}\n\n{body}" if lead else body,
    }


def fetch_pages(articles: int) -> list[Page]:
    """Every live article page of a fresh in-process demo portal, with its site's rules."""
    from demo_portal import DemoPortal

    rules = {site: get_profile(site).article for site in DEMO_PROFILES}
    pages: list[Page] = []
    with DemoPortal(articles=articles, epoch=0, port=0, delay=0.0) as portal:
        for truth in portal.truth():
            site = str(truth["site"])
            if truth["status"] != "live" or site not in rules:
                continue
            url = str(truth["url"])
            body, charset = _get(url)
            extra = {"id": f"{site}:{truth['key']}"}
            pages.append(Page(url, body, charset, demo_truth(truth), rules[site], site, extra))
    return pages


# ---------------------------------------------------------------- scoring


def clean(out: Output) -> Output:
    """luutru's NormalisePipeline cleaning, for every tool's output alike."""
    cleaned: Output = {}
    for name, value in out.items():
        if isinstance(value, str):
            value = normalize_multiline(value) if name == "body" else normalize_text(value)
        cleaned[name] = value or None
    return cleaned


def page_row(page: Page, out: Output | None) -> dict[str, Any]:
    """Per-page scores: eval.py's (title, date, time, author, body F1), with the demo truth's
    exact ``datetime`` for time, and the lead (exact) where the truth has one. ``has_*`` say
    whether the page counts for that measure."""
    truth = page.truth
    row = score_page(truth, out)
    norm = normalise_output(out or {})
    if "datetime" in truth:  # demo: the whole ISO datetime, offset included
        row["has_time"] = truth["datetime"] is not None
        row["time_ok"] = row["has_time"] and norm["published"] == truth["datetime"]
    else:
        row["has_time"] = truth.get("time") is not None
    row["has_lead"] = truth.get("lead") is not None
    row["lead_ok"] = row["has_lead"] and ws((out or {}).get("lead")) == ws(truth.get("lead"))
    row["pred"] = {
        "title": norm["title"],
        "date": row["date_pred"],
        "time": norm["published"] if "datetime" in truth else row["time_pred"],
        "author": norm["author"],
        "lead": (out or {}).get("lead"),
    }
    return row


def _want(page: Page, metric: str) -> Any:
    t = page.truth
    if metric == "time":
        return t.get("datetime") if "datetime" in t else t.get("time")
    return t.get(metric)


def summarise(tool: Tool, pages: Sequence[Page], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy of one tool on a set of pages. A measure the tool has no field for, or that no
    page of the set has truth for, is None (shown "–"), not 0."""
    out: dict[str, Any] = {"pages": len(pages)}
    for metric in METRICS:
        counted = [
            (p, r)
            for p, r in zip(pages, rows, strict=True)
            if metric not in ("time", "lead") or r[f"has_{metric}"]
        ]
        if metric not in tool.fields or not counted:
            out[metric] = None
            continue
        ok = [r[f"{metric}_exact" if metric == "title" else f"{metric}_ok"] for _, r in counted]
        out[metric] = {
            "ok": sum(ok),
            "of": len(ok),
            "share": round(sum(ok) / len(ok), 4),
            "mismatches": [
                [p.extra.get("id", p.url), _want(p, metric), r["pred"][metric]]
                for (p, r), good in zip(counted, ok, strict=True)
                if not good
            ][:MISMATCHES_KEPT],
        }
    if "body" in tool.fields and rows:
        f1s = [r["body_f1"] for r in rows]
        good = sum(f >= 0.9 for f in f1s)
        out["body_f1"] = {
            "mean": round(statistics.fmean(f1s), 4),
            "ge_0_9": good,
            "of": len(f1s),
            "share_ge_0_9": round(good / len(f1s), 4),
            "worst": sorted(
                ([p.extra.get("id", p.url), round(f, 4)] for p, f in zip(pages, f1s, strict=True)),
                key=lambda x: x[1],
            )[:MISMATCHES_KEPT],
        }
    else:
        out["body_f1"] = None
    if "body" in tool.fields:
        by_site: dict[str, list[float]] = {}
        for p, r in zip(pages, rows, strict=True):
            by_site.setdefault(p.site, []).append(r["body_f1"])
        out["body_f1_by_site"] = {
            site: round(statistics.fmean(f1s), 4) for site, f1s in sorted(by_site.items())
        }
    return out


# ---------------------------------------------------------------- running


def time_tools(tools: Sequence[Tool], pages: Sequence[Page], reps: int) -> dict[str, Any]:
    """Run every tool over ``pages`` ``reps`` times, the tools interleaved within each
    repetition (so that a burst of load on a shared machine hits them alike); score the
    first repetition. A page a tool raises on is a miss on every field (as in eval.py) and
    is counted in ``errors``."""
    for tool in tools:  # untimed: imports, lazy caches, compiled selectors
        for page in pages[:WARMUP_PAGES]:
            with contextlib.suppress(Exception):
                tool.run(page)
    outputs: dict[str, list[Output | None]] = {}
    errors: dict[str, list[str]] = {tool.name: [] for tool in tools}
    per_page_ms: dict[str, list[float]] = {tool.name: [] for tool in tools}
    for rep in range(max(1, reps)):
        for tool in tools:
            fn, results = tool.run, []
            gc.collect()
            started = time.perf_counter()
            for page in pages:
                try:
                    results.append(fn(page))
                except Exception as exc:
                    results.append(None)
                    if rep == 0:
                        page_id = page.extra.get("id", page.url)
                        errors[tool.name].append(f"{page_id}: {type(exc).__name__}: {exc}")
            elapsed = time.perf_counter() - started
            per_page_ms[tool.name].append(1000 * elapsed / max(1, len(pages)))
            if rep == 0:
                outputs[tool.name] = [None if r is None else clean(r) for r in results]
    ran: dict[str, Any] = {}
    for tool in tools:
        ms = per_page_ms[tool.name]
        ran[tool.name] = {
            "rows": [page_row(p, o) for p, o in zip(pages, outputs[tool.name], strict=True)],
            "timing": {
                "ms_per_page_best": round(min(ms), 3),
                "ms_per_page_median": round(statistics.median(ms), 3),
                "ms_per_page_reps": [round(x, 3) for x in ms],
            },
            "errors": len(errors[tool.name]),
            "error_examples": errors[tool.name][:MISMATCHES_KEPT],
        }
    return ran


def evaluate(
    tools: Sequence[Tool], gold: dict[str, list[Page]], reps: int
) -> dict[str, dict[str, Any]]:
    """Every tool over every gold set, plus the pooled figures; or why a tool is
    unavailable (a missing optional library: its row says so, the others run)."""
    results: dict[str, dict[str, Any]] = {}
    for tool in tools:
        reason = tool.load()
        results[tool.name] = {
            "available": reason is None,
            "unavailable": reason,
            "version": tool.version(),
            "fields": sorted(tool.fields),
        }
    runnable = [tool for tool in tools if results[tool.name]["available"]]
    by_set = {name: time_tools(runnable, pages, reps) for name, pages in gold.items()}
    for tool in runnable:
        result = results[tool.name]
        all_pages: list[Page] = []
        all_rows: list[dict[str, Any]] = []
        total_ms = {"ms_per_page_best": 0.0, "ms_per_page_median": 0.0}
        for name, pages in gold.items():
            ran = by_set[name][tool.name]
            result[name] = {
                **summarise(tool, pages, ran["rows"]),
                **ran["timing"],
                "errors": ran["errors"],
                "error_examples": ran["error_examples"],
            }
            if name == "real":
                result[name]["per_page"] = [
                    {
                        "page": p.extra.get("id"),
                        **{k: r[k] for k in ("title_exact", "date_ok", "time_ok", "author_ok")},
                        "lead_ok": r["lead_ok"] if r["has_lead"] else None,
                        "body_f1": round(r["body_f1"], 4),
                        "pred": r["pred"],
                    }
                    for p, r in zip(pages, ran["rows"], strict=True)
                ]
            all_pages += pages
            all_rows += ran["rows"]
            for key in total_ms:
                total_ms[key] += ran["timing"][key] * len(pages)
        n = len(all_pages)
        combined = summarise(tool, all_pages, all_rows)
        combined.pop("body_f1_by_site", None)
        for measure in (*METRICS, "body_f1"):
            if combined[measure]:
                combined[measure].pop("mismatches", None)
                combined[measure].pop("worst", None)
        result["combined"] = {
            **combined,
            **{key: round(ms / n, 3) if n else None for key, ms in total_ms.items()},
            "errors": sum(result[name]["errors"] for name in gold),
        }
    return results


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _ms(tools: dict[str, Any], name: str, where: str) -> float | None:
    t = tools.get(name, {})
    return t[where]["ms_per_page_best"] if t.get("available") and where in t else None


def run(
    articles: int = 300, reps: int = 5, tools: Iterable[Tool] = TOOLS, real_dir: Path = REAL_DIR
) -> dict[str, Any]:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    gold = {"real": real_pages(real_dir), "demo": fetch_pages(articles)}
    results = evaluate(list(tools), gold, reps)
    real, demo = gold["real"], gold["demo"]
    ratios = {
        f"{mode}_{where}": _ratio(
            _ms(results, f"luutru {mode}", where), _ms(results, "trafilatura", where)
        )
        for mode in ("generic", "profile")
        for where in SETS
    }
    return {
        "articles": articles,
        "reps": reps,
        "sets": {
            "real": {
                "pages": len(real),
                "folder": "tests/pages/real",
                "by_site": dict(sorted(Counter(p.site for p in real).items())),
                "templates": {p.extra["id"]: p.extra["template"] for p in real},
                "with_time": sum(p.truth.get("time") is not None for p in real),
                "scoring": "shared/realpages-dev/eval.py (bench/extract_score.py)",
            },
            "demo": {
                "pages": len(demo),
                "by_site": dict(sorted(Counter(p.site for p in demo).items())),
                "with_time": sum(p.truth.get("datetime") is not None for p in demo),
                "with_lead": sum(p.truth.get("lead") is not None for p in demo),
                "scoring": "eval.py measures; body = lead + body; time = ISO datetime exact; "
                "lead exact",
            },
        },
        "justext": {
            "stoplist": "crawler/extract/vietnamese/stopwords.py STOPWORDS",
            "stoplist_words": len(JUSTEXT_STOPLIST),
            "stopwords_low": JUSTEXT_STOPWORDS_LOW,
            "stopwords_high": JUSTEXT_STOPWORDS_HIGH,
        },
        "tools": results,
        # luutru / trafilatura, best ms/page on the same pages: generic|profile × set.
        "ratio_ms_over_trafilatura": ratios,
    }

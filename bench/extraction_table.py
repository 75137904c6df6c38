"""The extraction benchmark's table (bench/extraction.py measures): one row per tool and
gold set, the exact-match shares of each field, body F1 and the time a page.
"""

from __future__ import annotations

from typing import Any

from bench.extraction import METRICS, SET_LABEL, SETS


def _pct(measure: dict[str, Any] | None) -> str:
    return "–" if measure is None else f"{100 * measure['share']:.1f}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def rows_of(result: dict[str, Any], where: str) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name, t in result["tools"].items():
        label = SET_LABEL[where] if not rows else ""
        if not t["available"]:
            rows.append((label, name, f"unavailable ({t['unavailable']})"))
            continue
        r = t[where]
        body = r["body_f1"]
        rows.append(
            (
                label,
                name,
                *(_pct(r[m]) for m in METRICS),
                "–" if body is None else f"{body['mean']:.3f}",
                "–" if body is None else f"{100 * body['share_ge_0_9']:.1f}",
                _num(r["ms_per_page_best"]),
                _num(r["ms_per_page_median"]),
            )
        )
    return rows


def table(result: dict[str, Any]) -> str:
    head = (
        "set",
        "extractor",
        "title %",
        "date %",
        "time %",
        "author %",
        "lead %",
        "body F1",
        "F1≥0.9 %",
        "ms/page best",
        "ms/page median",
    )
    groups = [rows_of(result, where) for where in SETS]
    full = [head, *(r for g in groups for r in g if len(r) == len(head))]
    widths = [max(len(r[i]) for r in full) for i in range(len(head))]

    def line(row: tuple[str, ...]) -> str:
        if len(row) < len(head):  # an unavailable tool: the reason spans the figures
            return "  ".join((row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2]))
        cells = (
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    lines = [line(head)]
    for group in groups:
        lines += [line(r) for r in group]
    s = result["sets"]
    real, demo = s["real"], s["demo"]
    sites = ", ".join(f"{k} {v}" for k, v in real["by_site"].items())
    templates = sorted({t for t in real["templates"].values() if t})
    lines += [
        f"real pages: {real['pages']} ({sites}), scored as shared/realpages-dev/eval.py; "
        f"time = HH:MM on the {real['with_time']} with a printed time; luutru profile = the "
        f"bundled template ({', '.join(templates)}); no lead in this truth",
        f"demo pages: {demo['pages']} live article pages "
        f"({', '.join(f'{k} {v}' for k, v in demo['by_site'].items())}), "
        f"{result['articles']} articles; body F1 on lead + body; time = the ISO datetime "
        f"exact, on the {demo['with_time']} with a time; lead exact on {demo['with_lead']}",
        "combined: both sets pooled, every page once; ms/page weighted by pages",
        "–: the tool gives no such field, or the set's truth has none",
    ]
    by_site = [
        f"{name} " + "/".join(f"{f1:.2f}" for f1 in t["demo"]["body_f1_by_site"].values())
        for name, t in result["tools"].items()
        if t["available"] and t["demo"].get("body_f1_by_site")
    ]
    if by_site:
        lines.append(f"demo body F1 by site ({'/'.join(demo['by_site'])}): " + ", ".join(by_site))
    ratios = result["ratio_ms_over_trafilatura"]
    lines.append(
        "ms/page luutru / trafilatura (best): "
        + ", ".join(
            f"{mode} {SET_LABEL[where]} x{ratios[f'{mode}_{where}']}"
            for mode in ("generic", "profile")
            for where in ("real", "demo")
        )
    )
    versions = ", ".join(
        f"{name} {t['version']}"
        for name, t in result["tools"].items()
        if t["version"] and not name.startswith("luutru")
    )
    j = result["justext"]
    lines.append(
        f"{result['reps']} repetitions, same pages, one process; {versions}; jusText stop list: "
        f"luutru's {j['stoplist_words']} Vietnamese syllables, stopwords_low/high "
        f"{j['stopwords_low']}/{j['stopwords_high']}"
    )
    for name, t in result["tools"].items():
        for where in ("real", "demo"):
            if t.get("available") and t[where]["errors"]:
                lines.append(
                    f"NOTE: {name} raised on {t[where]['errors']} {SET_LABEL[where]} "
                    f"(scored as misses), e.g. {t[where]['error_examples'][0]}"
                )
    return "\n".join(lines)

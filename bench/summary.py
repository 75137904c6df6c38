"""The one summary table of ``python -m bench``: a row per headline figure, from whichever
benchmarks ran (``--only`` gives a partial table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
Row = dict[str, str]


def _row(metric: str, value: str, unit: str, comparison: str = "", notes: str = "") -> Row:
    return {
        "metric": metric,
        "value": value,
        "unit": unit,
        "comparison": comparison,
        "notes": notes,
    }


def _crawl(c: dict[str, Any]) -> list[Row]:
    rows = []
    measures = (("loopback", c), ("portal answering in", c.get("with_latency")),
                ("portal answering in", c.get("with_real_pages")),
                ("one portal without selectors, answering in", c.get("unprofiled")),
                ("real pages without selectors, answering in", c.get("real_pages")))  # fmt: skip
    for label, r in measures:
        if not r:
            continue
        lu, bare = r["luutru"], r["bare"]
        delay = r.get("portal_delay_s") or 0
        where = f"{label} {delay} s" if delay else label
        if r.get("page_padding_kb"):
            where += f", pages {r['page_padding_kb']} KB heavier"
        cpu = lu.get("cpu_ms_per_page")
        cpu_note = f"; CPU {cpu} vs {bare.get('cpu_ms_per_page')} ms/page" if cpu else ""
        if r.get("cpu_budget_ms_per_page") is not None:
            # what x0.85 allows on this machine's CPUs (bench/crawl.py cpu_budget_ms_per_page)
            cpu_note += f" (x0.85 allows {r['cpu_budget_ms_per_page']:.1f} on {r['cpus']} CPUs)"
        if r.get("ratio_by_process_wall"):
            cpu_note += (
                f"; x{r['ratio_by_process_wall']} by each command's whole wall time "
                f"({lu['process_wall_seconds']:.2f} vs {bare['process_wall_seconds']:.2f} s)"
            )
        rows.append(
            _row(
                f"crawl throughput, luutru crawl ({where})",
                f"{lu['pages_per_s']:.1f}",
                "pages/s",
                f"x{r['ratio_luutru_over_bare']} of bare Scrapy "
                f"({bare['pages_per_s']:.1f} pages/s)",
                f"{r['articles']} articles, median of {r['rounds']} rounds, same URLs, same run"
                + cpu_note,
            )
        )
    return rows


def _extraction(e: dict[str, Any]) -> list[Row]:
    if "tools" not in e:  # a latest.json from before the real pages and the other tools
        return _extraction_v1(e)
    tools, ratio, reps = e["tools"], e["ratio_ms_over_trafilatura"], e["reps"]
    demo, real = e["sets"]["demo"], e["sets"]["real"]

    def get(name: str, where: str) -> dict[str, Any] | None:
        t = tools.get(name) or {}
        return t.get(where) if t.get("available") else None

    def pct(r: dict[str, Any] | None, measure: str) -> str:
        m = r.get(measure) if r else None
        return "–" if not m else f"{100 * m['share']:.0f}"

    def f1(r: dict[str, Any] | None) -> str:
        return f"{r['body_f1']['mean']:.3f}" if r and r.get("body_f1") else "–"

    def ms(r: dict[str, Any] | None) -> str:
        return f"{r['ms_per_page_best']:.2f}" if r else "–"

    def tad(r: dict[str, Any] | None) -> str:
        return f"{pct(r, 'title')}/{pct(r, 'date')}/{pct(r, 'author')}"

    def vs(r: dict[str, Any] | None, text: str) -> str:
        return text if r else "trafilatura unavailable"

    rows: list[Row] = []
    lu, tr = get("luutru profile", "demo"), get("trafilatura", "demo")
    gen, trr = get("luutru generic", "real"), get("trafilatura", "real")
    gen_demo = get("luutru generic", "demo")
    if lu:
        rows += [
            _row(
                "extraction time, luutru",
                ms(lu),
                "ms/page",
                vs(tr, f"x{ratio['profile_demo']} of trafilatura ({ms(tr)} ms/page)"),
                f"{demo['pages']} demo article pages, site profiles, best of {reps} reps",
            ),
            _row(
                "extraction body F1, luutru",
                f1(lu),
                "token F1",
                vs(tr, f"trafilatura {f1(tr)}"),
                f"demo pages, site profiles, lead + body; exact title/date/author %: "
                f"luutru {tad(lu)}, trafilatura {tad(tr)}",
            ),
        ]
    if gen:
        ge = gen["body_f1"]["ge_0_9"] if gen.get("body_f1") else "–"
        ge_tr = trr["body_f1"]["ge_0_9"] if trr and trr.get("body_f1") else "–"
        rd, hd = get("readability-lxml", "real"), get("htmldate", "real")
        rows += [
            _row(
                "extraction body F1, luutru generic (real pages)",
                f1(gen),
                "token F1",
                vs(trr, f"trafilatura {f1(trr)}"),
                f"{real['pages']} real pages, no profile, scored as eval.py; F1 ≥ 0.9: {ge} vs "
                f"{ge_tr}; on {demo['pages']} demo pages generic {f1(gen_demo)}, "
                f"trafilatura {f1(tr)}",
            ),
            _row(
                "generic extraction time",
                ms(gen),
                "ms/page",
                vs(trr, f"x{ratio['generic_real']} of trafilatura ({ms(trr)} ms/page)"),
                f"{real['pages']} real pages, best of {reps} reps; {demo['pages']} demo pages: "
                f"{ms(gen_demo)} vs {ms(tr)} ms/page (x{ratio['generic_demo']})",
            ),
            _row(
                "generic title/date/author (real pages)",
                tad(gen),
                "% exact",
                vs(trr, f"trafilatura {tad(trr)}"),
                f"{real['pages']} real pages, no profile; time {pct(gen, 'time')}%; "
                f"readability-lxml title {pct(rd, 'title')}%, htmldate date {pct(hd, 'date')}%",
            ),
        ]
    rows += _file_text(e.get("file_text"))
    return rows


def _file_text(result: dict[str, Any] | None) -> list[Row]:
    """The 10-page file of bench/file_text.py: luutru's PDF reader against pypdf."""
    files = {f["pages"]: f for f in (result or {}).get("files", [])}
    if 10 not in files:
        return []
    f = files[10]
    ours, theirs = f["ms_best"]["luutru (pypdfium2)"], f["ms_best"].get("pypdf")
    others = ", ".join(
        f"{p} pages {g['ms_best']['luutru (pypdfium2)']} vs {g['ms_best'].get('pypdf', '–')}"
        for p, g in sorted(files.items())
        if p != 10
    )
    return [
        _row(
            "attached PDF text, luutru (pypdfium2)",
            f"{ours:.2f}",
            "ms/file",
            f"x{ours / theirs:.3f} of pypdf ({theirs:.2f} ms/file)" if theirs else "pypdf not run",
            f"a 10-page demo decision PDF ({f['bytes']:,} bytes), best of {result['reps']} "
            f"reps, same words: {'yes' if f['same_words'] else 'NO'}; {others} ms",
        )
    ]


def _extraction_v1(e: dict[str, Any]) -> list[Row]:
    lu, tr = e["luutru"], e["trafilatura"]
    return [
        _row(
            "extraction time, luutru",
            f"{lu['ms_per_page_best']:.2f}",
            "ms/page",
            f"x{e['ratio_ms_luutru_over_trafilatura']} of trafilatura "
            f"({tr['ms_per_page_best']:.2f} ms/page)",
            f"{e['pages']} article pages, best of {e['reps']} reps",
        ),
        _row(
            "extraction body F1, luutru",
            f"{lu['body_f1_mean']:.3f}",
            "token F1",
            f"trafilatura {tr['body_f1_mean']:.3f}",
            f"exact title/date/author %: luutru {lu['title_exact_pct']:.0f}/"
            f"{lu['date_exact_pct']:.0f}/{lu['author_exact_pct']:.0f}, trafilatura "
            f"{tr['title_exact_pct']:.0f}/{tr['date_exact_pct']:.0f}/{tr['author_exact_pct']:.0f}",
        ),
    ]


def _archive(a: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    rc = a["recrawl"]
    inc, full = rc["incremental"], rc["full"]
    rows.append(
        _row(
            "incremental re-crawl requests",
            f"{100 * inc['requests_share']:.1f}",
            "% of 1st crawl",
            f"--full re-crawl {100 * full['requests_share']:.1f}%",
            f"{inc['requests']} vs {rc['first']['requests']} requests, "
            f"{rc['archived_articles']} articles; adds {inc['bytes_added']} B",
        )
    )
    w = a["write"]["passes"]
    single = a["write"].get("single")  # results saved before the batched writes: none
    rows.append(
        _row(
            "archive write",
            f"{w['new']['per_s']:.0f}",
            "versions/s",
            f"one record() each {single['new']['per_s']:.0f}/s (same run)" if single else "",
            f"{a['write']['records']} synthetic 3-5 KB records, "
            + (f"record_many by {a['write']['batch']}; " if single else "one record() each; ")
            + f"updated {w['updated']['per_s']:.0f}/s, unchanged "
            f"{w['unchanged']['per_s']:.0f} rec/s",
        )
    )
    for name, label in (("synthetic", "db only"), ("crawled", "db + WARC")):
        v = a["verify"][name]
        if v["seconds_per_10k_versions"] is None:
            continue
        read = v["bytes_read_per_10k_versions"]
        rows.append(
            _row(
                f"luutru verify ({label})",
                f"{v['seconds_per_10k_versions']:.2f}",
                "s / 10k versions",
                (
                    f"{read / 2**20:.1f} MiB read / 10k versions = "
                    f"{v['bytes_read'] / max(v['data_bytes']['total'], 1):.2f}x the archive's size"
                )
                if read is not None and "data_bytes" in v
                else "",
                f"measured on {v['versions']} versions, {v['warc_files']} WARC files",
            )
        )
    return rows


def _search(s: dict[str, Any]) -> list[Row]:
    pg_version = str((s.get("postgresql") or {}).get("server_version", "")).split(" ")[0]
    return [
        _row(
            f"search at {step['articles']:,} articles",
            f"{step['p50_ms']:.1f} / {step['p95_ms']:.1f}",
            "ms p50 / p95",
            f"max {step['max_ms']:.0f} ms",
            f"{step['queries']} mixed queries; reindex {step['reindex_s']} s, "
            f"db {step['db_mb']} MB",
        )
        for step in s["steps"]
    ] + [
        _row(
            f"search at {step['articles']:,} articles, PostgreSQL",
            f"{step['p50_ms']:.1f} / {step['p95_ms']:.1f}",
            "ms p50 / p95",
            f"SQLite {lite['p50_ms']:.1f} / {lite['p95_ms']:.1f}; max {step['max_ms']:.0f} ms",
            f"PostgreSQL {pg_version}, same corpus and queries; "
            f"reindex {step['reindex_s']} s, db {step['db_mb']} MB",
        )
        for step in (s.get("postgresql") or {}).get("steps", [])[-1:]  # the largest size
        for lite in s["steps"]
        if lite["articles"] == step["articles"]
    ]


def _serve(s: dict[str, Any]) -> list[Row]:
    rows = []
    for backend, label in (("sqlite", ""), ("postgresql", ", PostgreSQL")):
        phases = s.get(backend) or {}
        if "concurrent" not in phases:
            continue
        one, many, crawl = phases.get("single"), phases["concurrent"], phases.get("during_crawl")
        unseen = phases.get("concurrent_unseen")
        fresh = (
            f"; no request repeated {unseen['req_per_s']} req/s, p95 {unseen['p95_ms']} ms"
            if unseen
            else ""
        )
        during = (
            f"; during a crawl {crawl['req_per_s']} req/s, p95 {crawl['p95_ms']} ms, "
            f"{crawl['errors']} errors"
            if crawl
            else ""
        )
        polite = phases.get("during_polite_crawl")
        if polite:
            during += (
                f"; during a polite crawl ({polite['crawl']['versions_per_s']} versions/s) "
                f"{polite['req_per_s']} req/s, p95 {polite['p95_ms']} ms, {polite['errors']} errors"
            )
        rows.append(
            _row(
                f"luutru serve, {s['clients']} clients, {s['articles']:,} articles{label}",
                f"{many['req_per_s']} / {many['p95_ms']}",
                "req/s / p95 ms",
                (f"1 client {one['req_per_s']} req/s, p95 {one['p95_ms']} ms" if one else "")
                + fresh
                + during,
                f"{many['errors']} errors, {many['server_cpu_ms_per_request']} server CPU ms/req, "
                f"{s['seconds']:g} s per phase, load average {many['load_average_before']}",
            )
        )
    return rows


def _memory(m: dict[str, Any]) -> list[Row]:
    first, full, inc = m["first"], m["full"], m["incremental"]
    e1 = m.get("epoch1")
    epoch1 = f"; incremental with new versions (epoch 1) {e1['peak_rss_mib']:.0f} MiB" if e1 else ""
    return [
        _row(
            f"crawl peak RSS, {m['articles']:,} articles",
            f"{first['peak_rss_mib']:.0f}",
            "MiB",
            f"--full re-crawl on that archive {full['peak_rss_mib']:.0f} MiB "
            f"(x{full['peak_over_first']}); incremental {inc['peak_rss_mib']:.0f} MiB{epoch1}",
            f"first crawl {first['requests']} requests in {first['wall_seconds']:.0f} s; "
            f"archive {first['archive_bytes_after'] / 2**20:.0f} MiB before the re-crawls",
        )
    ]


def _startup(s: dict[str, Any]) -> list[Row]:
    c, bars = s["commands"], s["bars"]
    rows = []
    for label, base, base_name in (
        ("help", "bare", "python -c pass"),
        ("health", "sqlalchemy", "import sqlalchemy"),
        ("runs", "sqlalchemy", "import sqlalchemy"),
        ("search", "sqlalchemy", "import sqlalchemy"),
    ):
        if label not in c:
            continue
        bar = bars.get(label)
        ratio = s["ratios"][label][f"vs_{base}"]
        verdict = f" (bar ≤ {bar['bar']}x: {'met' if bar['met'] else 'MISSED'})" if bar else ""
        rows.append(
            _row(
                f"start-up CPU, luutru {label}",
                f"{c[label]['cpu_ms']:.0f}",
                "ms CPU",
                f"x{ratio} of {base_name} ({c[base]['cpu_ms']:.0f} ms){verdict}",
                f"wall {c[label]['wall_ms']:.0f} ms; median of {s['rounds']} rounds, "
                "subprocesses, same run",
            )
        )
    return rows


def _scale(s: dict[str, Any]) -> list[Row]:
    rows = []
    for backend in ("sqlite", "postgresql"):
        r = s.get(backend) or {}
        if "build" not in r:
            continue
        e, m = r["extrapolated"], r["memory"]
        rows.append(
            _row(
                f"scale: {r['build']['versions']:,} versions, {backend}",
                f"{r['bytes_per_article']:,}",
                "B / article (db + WARC)",
                f"search p95 {r['search']['p95_ms']} ms; crawl state "
                f"{m['crawl_state_bytes_per_key']} B/key",
                f"province (5M versions) {e['province_db_gb']} GB db + "
                f"{e['province_warc_gb']} GB WARC; built at {r['build']['per_s']}/s",
            )
        )
    return rows


def summary(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for name, fn in (
        ("crawl", _crawl),
        ("extraction", _extraction),
        ("archive", _archive),
        ("search", _search),
        ("memory", _memory),
        ("serve", _serve),
        ("startup", _startup),
        ("scale", _scale),
    ):
        if name in results:
            rows.extend(fn(results[name]))
    return rows


def summary_table(rows: list[Row], markdown: bool = False) -> str:
    head = {"metric": "metric", "value": "value", "unit": "unit"}
    head |= {"comparison": "comparison / ratio", "notes": "notes"}
    keys = list(head)
    if markdown:
        lines = ["| " + " | ".join(head.values()) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(r[k] for k in keys) + " |" for r in rows]
        return "\n".join(lines)
    table = [head, *rows]
    widths = {k: max(len(r[k]) for r in table) for k in keys[:-1]}
    return "\n".join(
        "  ".join(
            r[k].rjust(widths[k]) if k == "value" else r[k].ljust(widths.get(k, 0)) for k in keys
        ).rstrip()
        for r in table
    )


if __name__ == "__main__":
    # python -m bench.summary: the summary of bench/results/latest.json as a Markdown table.
    import json

    print(summary_table(json.loads(RESULTS.read_text("utf-8"))["summary"], markdown=True))

"""Crawl benchmark: pages/s of ``luutru crawl`` vs a bare Scrapy spider on the same pages.

1. Serve the demo portal in its own process (``python -m luutru demo-portal``), so the
   server does not share the crawler's GIL.
2. Time ``python -m luutru crawl demo-liferay demo-aspnet`` against it (fresh archive).
   Its Scrapy stats come from the archive's runs; the pages it fetched come from its own
   log: bench.logformat makes Scrapy's "Crawled (200) <GET url>" line INFO, one per response.
3. Restart the portal (fresh process: its first-hit 503 quirks start over) and time
   bench.bare_spider GETting those same URLs (POST postback pages cannot be replayed and
   are skipped; robots.txt is left to the robots middleware, as in the luutru run).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.logformat import CRAWLED
from bench.processes import cpu_seconds, portal, tail, timed

SITES = ("demo-liferay", "demo-aspnet")
# Politeness off, for benchmarks only; ROBOTSTXT_OBEY stays True (crawler/settings.py).
OVERRIDES = (
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_DELAY=0",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "LOG_LEVEL=INFO",
    "LOG_FORMATTER=bench.logformat.CrawledAtInfo",
)


ELAPSED = r"'elapsed_time_seconds': ([0-9.]+)"


def fetched_pages(log_text: str) -> list[tuple[int, str, str]]:
    """(status, method, url) of every response the log names, in order."""
    return [(int(s), m, u) for s, m, u in re.findall(CRAWLED, log_text)]


def crawl_phase_seconds(stats: list[dict[str, Any]], wall: float) -> tuple[float, str]:
    """The sites are crawled concurrently in one process: the phase lasts as long as the
    longest crawl (adding their durations would count the overlap twice)."""
    elapsed = [float(s["elapsed_time_seconds"]) for s in stats if "elapsed_time_seconds" in s]
    if len(elapsed) == len(stats) and elapsed:
        return max(elapsed), "max elapsed_time_seconds over the concurrent crawls"
    return wall, "wall time of the crawl subprocess (elapsed_time_seconds missing)"


def with_logged_elapsed(stats: list[dict[str, Any]], log_text: str) -> list[dict[str, Any]]:
    """The runs luutru stores lack ``elapsed_time_seconds`` (its session snapshots the stats
    at spider_closed, before Scrapy's CoreStats adds it); Scrapy's own "Dumping Scrapy
    stats" log lines, written after that, carry it, one per crawler."""
    if all("elapsed_time_seconds" in s for s in stats):
        return stats
    logged = [float(x) for x in re.findall(ELAPSED, log_text)]
    if len(logged) != len(stats):
        return stats
    # Only the longest matters (crawl_phase_seconds); which run each belongs to does not.
    return [{**s, "elapsed_time_seconds": e} for s, e in zip(stats, logged, strict=True)]


def side(stats: list[dict[str, Any]], pages: int, wall: float, cpu: float) -> dict[str, Any]:
    seconds, how = crawl_phase_seconds(stats, wall)
    return {
        "pages": pages,
        "responses": sum(int(s.get("downloader/response_count", 0)) for s in stats),
        "requests": sum(int(s.get("downloader/request_count", 0)) for s in stats),
        "retries": sum(int(s.get("retry/count", 0)) for s in stats),
        "seconds": round(seconds, 3),
        "seconds_from": how,
        "process_wall_seconds": round(wall, 3),
        "pages_per_s": round(pages / seconds, 1) if seconds else None,
        # CPU of the whole process (start-up included) per page fetched: what bounds a
        # crawl when the portal answers fast.
        "cpu_ms_per_page": round(1000 * cpu / pages, 2) if pages else None,
        "finish_reasons": sorted({str(s.get("finish_reason")) for s in stats}),
    }


def _site_without_selectors(where: Path, site: str, name: str, start_url: str) -> tuple[str]:
    """A profile with an id, a name and a start URL only, in ``where``, as `luutru site add`
    would start one (generic walk and extraction)."""
    where.mkdir(parents=True, exist_ok=True)
    (where / f"{site}.toml").write_text(
        f'id = "{site}"\nname = "{name}"\nstart_urls = ["{start_url}"]\n', encoding="utf-8"
    )
    return (site,)


UNPROFILED = "bench-unprofiled"
REAL_PAGES = "bench-real-pages"


def unprofiled_sites(where: Path) -> tuple[str, ...]:
    """The demo portal's Liferay home page through a profile nobody wrote selectors for.
    The bar of issue 16 is measured on portals like it."""
    return _site_without_selectors(
        where, UNPROFILED, "Sở Thông tin và Truyền thông (no selectors)",
        "http://127.0.0.1:8765/lf/web/so-tttt/trang-chu",
    )  # fmt: skip


def real_pages_sites(where: Path) -> tuple[str, ...]:
    """bench/real_portal.py's portal of real pages, through a profile without selectors."""
    return _site_without_selectors(
        where, REAL_PAGES, "Real portal pages (no selectors)", "http://127.0.0.1:8765/list/1"
    )


def run_luutru(
    base: str, work: Path, sites: tuple[str, ...] = SITES, profiles: Path | None = None
) -> tuple[dict[str, Any], dict[str, list[tuple[int, str, str]]]]:
    """``profiles``: a directory of site profiles of ``sites`` (else the bundled ones).
    Returns the measure and, per site, the pages its run fetched (from its own log)."""
    from archive.store import Archive

    data = work / "archive"
    cmd = [sys.executable, "-m", "luutru", "crawl", *sites, "--base-url", base, "--data", str(data)]
    if profiles is not None:
        cmd += ["--sites", str(profiles)]
    for pair in OVERRIDES:
        cmd += ["-s", pair]
    log_path = work / "luutru-crawl.log"
    with open(log_path, "wb") as log:
        done, wall, cpu = timed(cmd, log)
    # The crawl logs each run into its own file under <data>/logs/<site>/ (crawler/runlog.py);
    # its stderr has only the progress lines and what went wrong before a run opened.
    site_logs = {
        site_dir.name: "".join(
            p.read_text(encoding="utf-8", errors="replace") for p in sorted(site_dir.glob("*.log"))
        )
        for site_dir in sorted((data / "logs").glob("*"))
    }
    log_text = log_path.read_text(encoding="utf-8", errors="replace") + "".join(site_logs.values())
    pages = {site: fetched_pages(text) for site, text in site_logs.items()}
    with Archive.open(data) as archive:
        runs = archive.runs()
        stats = [r["stats"] for r in runs]
        counts = archive.counts()
    if not stats or not all(stats):
        # No stats stored: the crawl failed before closing its runs; nothing to measure.
        raise RuntimeError(f"luutru crawl exited {done.returncode}:\n{tail(log_path)}")
    stored = all("elapsed_time_seconds" in st for st in stats)
    stats = with_logged_elapsed(stats, log_text)
    result = side(stats, sum(len(site_pages) for site_pages in pages.values()), wall, cpu)
    if not stored and result["seconds_from"].startswith("max"):
        result["seconds_from"] += " (Scrapy's stats dump in the log; the stored runs lack it)"
    result["archive"] = counts
    result["run_status"] = {r["site"]: r["status"] for r in runs}
    result["exit_code"] = done.returncode
    # A non-zero exit with stored stats is measured, and its errors are reported.
    result["errors"] = [line[:300] for line in log_text.splitlines() if "] ERROR:" in line]
    result["errors"] += [
        line[:300]
        for line in log_text.splitlines()
        if line.startswith(
            ("KeyError", "ValueError", "TypeError", "AttributeError", "RuntimeError")
        )
    ]
    result["summary"] = done.stdout.decode("utf-8", "replace").strip().splitlines()
    return result, pages


def run_bare(urls_by_site: dict[str, list[str]], work: Path) -> dict[str, Any]:
    """One bare crawler per luutru site, each GETting the pages that site's run fetched:
    both sides then have the same number of crawlers, so the same download slots."""
    url_file = work / "urls.txt"
    url_file.write_text(
        "".join(f"{site}\t{u}\n" for site, urls in urls_by_site.items() for u in urls),
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "bench.bare_spider", str(url_file)]
    for pair in OVERRIDES:
        cmd += ["-s", pair]
    log_path = work / "bare-crawl.log"
    with open(log_path, "wb") as log:
        done, wall, cpu = timed(cmd, log)
    if done.returncode != 0:
        raise RuntimeError(f"bare spider exited {done.returncode}:\n{tail(log_path)}")
    out = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    pages = fetched_pages(log_path.read_text(encoding="utf-8", errors="replace"))
    return side(list(out["crawlers"].values()), len(pages), wall, cpu)


def one_round(
    articles: int,
    delay: float = 0.0,
    padding_kb: int = 0,
    unprofiled: bool = False,
    real_pages: bool = False,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="luutru-bench-") as tmp:
        work = Path(tmp)
        profiles = work / "profiles" if unprofiled or real_pages else None
        if profiles is None:
            sites = SITES
        else:
            sites = (real_pages_sites if real_pages else unprofiled_sites)(profiles)
        options = {"delay": delay, "padding_kb": padding_kb, "real_pages": real_pages}
        with portal(articles, work, **options) as served:
            before = cpu_seconds(served.pid)
            luutru, pages_by_site = run_luutru(served.base, work, sites, profiles)
            luutru["portal_cpu_ms_per_page"] = _per_page(cpu_seconds(served.pid) - before, luutru)
        base = served.base
        pages = [page for site_pages in pages_by_site.values() for page in site_pages]
        robots = [u for _, m, u in pages if u.endswith("/robots.txt")]
        posts = [u for _, m, u in pages if m == "POST"]
        gets = {
            site: [u for _, m, u in site_pages if m == "GET" and not u.endswith("/robots.txt")]
            for site, site_pages in pages_by_site.items()
        }
        # fresh: same first 503s
        with portal(articles, work, **options) as served:
            urls = {
                site: [served.base + u[len(base) :] if u.startswith(base) else u for u in gets_]
                for site, gets_ in gets.items()
            }
            before = cpu_seconds(served.pid)
            bare = run_bare(urls, work)
            bare["portal_cpu_ms_per_page"] = _per_page(cpu_seconds(served.pid) - before, bare)
    ratio = luutru["pages_per_s"] / bare["pages_per_s"] if bare["pages_per_s"] else 0.0
    return {
        "url_list": {
            "get_pages": sum(len(site_gets) for site_gets in gets.values()),
            "post_skipped": len(posts),
            "robots": len(robots),
            "crawlers": len(gets),
        },
        "luutru": luutru,
        "bare": bare,
        "ratio_luutru_over_bare": round(ratio, 3),
        "cpu_budget_ms_per_page": cpu_budget_ms_per_page(
            bare["pages_per_s"], bare["portal_cpu_ms_per_page"], os.cpu_count() or 1
        ),
    }


def _per_page(cpu: float, measured: dict[str, Any]) -> float | None:
    return round(1000 * cpu / measured["pages"], 2) if measured["pages"] else None


# The share of bare Scrapy's pages/s the crawl is held to (the bar; the goal is 0.9).
BAR = 0.85


def cpu_budget_ms_per_page(
    bare_pages_per_s: float, portal_ms_per_page: float | None, cpus: int, share: float = BAR
) -> float | None:
    """The CPU a crawler may spend on a page, all its processes together, and still fetch
    ``share`` of bare Scrapy's pages/s on ``cpus`` CPUs, after the portal's own CPU for the
    page (it runs on the same machine): a crawl using more is bound by the machine whatever
    its design, as the crawl on loopback is. A ceiling, not a promise: it assumes every CPU
    busy all the time."""
    if not bare_pages_per_s or portal_ms_per_page is None:
        return None
    return round(max(0.0, 1000 * cpus / (share * bare_pages_per_s) - portal_ms_per_page), 2)


MIN_ARTICLES = 1_000  # below this a round lasts a blink and start-up costs dominate


# A remote portal's response time, for the second measure: on loopback with no delay the
# crawl is bound by CPU alone (the worst case for luutru, whose per-page work is extraction
# and archiving); a provincial portal over the network answers in hundreds of ms.
LATENCY_S = 0.25
# The third measure: real portal pages weigh 100 KB and more (scripts, menus) around a
# 5 KB article; the demo's weigh 6 KB (demo_portal/furniture.py adds the difference).
REAL_PAGE_KB = 100
# The fourth: one portal with no selectors (generic walk and extraction, one crawl
# process), answering in 50 ms: a near, fast portal, where the crawl's own work shows.
UNPROFILED_LATENCY_S = 0.05


def run(
    articles: int = MIN_ARTICLES,
    rounds: int = 5,
    delay: float = 0.0,
    padding_kb: int = 0,
    unprofiled: bool = False,
    real_pages: bool = False,
) -> dict[str, Any]:
    """``rounds`` independent rounds (fresh portals, fresh archive), each running luutru
    then the bare spider (so the two alternate); medians reported. ``unprofiled``: the
    demo's Liferay site alone, through a profile without selectors; ``real_pages``: real
    portal pages (bench/real_portal.py), through a profile without selectors."""
    done = [one_round(articles, delay, padding_kb, unprofiled, real_pages) for _ in range(rounds)]

    def median(name: str, key: str) -> float | None:
        values = [float(r[name][key]) for r in done if r[name].get(key) is not None]
        return round(statistics.median(values), 3) if values else None

    summary: dict[str, Any] = {
        "articles": articles,
        "rounds": rounds,
        "portal_delay_s": delay,
        "page_padding_kb": padding_kb,
        "unprofiled": unprofiled,
        "real_pages": real_pages,
        "overrides": list(OVERRIDES),
    }
    for name in ("luutru", "bare"):
        summary[name] = {
            key: median(name, key)
            for key in (
                "pages",
                "responses",
                "seconds",
                "pages_per_s",
                "process_wall_seconds",
                "cpu_ms_per_page",
                "portal_cpu_ms_per_page",
            )
        }
        summary[name]["pages_per_s_rounds"] = [r[name]["pages_per_s"] for r in done]
    summary["ratio_luutru_over_bare"] = round(
        statistics.median(r["ratio_luutru_over_bare"] for r in done), 3
    )
    # The same pages over each command's whole life (start-up and exit included), the
    # way a user timing the two commands would see them.
    summary["ratio_by_process_wall"] = round(
        statistics.median(_by_process_wall(r) for r in done), 3
    )
    budgets = [r["cpu_budget_ms_per_page"] for r in done if r["cpu_budget_ms_per_page"] is not None]
    summary["cpu_budget_ms_per_page"] = round(statistics.median(budgets), 2) if budgets else None
    summary["cpus"] = os.cpu_count() or 1
    summary["last_round"] = done[-1]
    return summary


def _by_process_wall(one: dict[str, Any]) -> float:
    lu, bare = one["luutru"], one["bare"]
    if not lu["process_wall_seconds"] or not bare["process_wall_seconds"] or not bare["pages"]:
        return 0.0
    ours = lu["pages"] / lu["process_wall_seconds"]
    return ours / (bare["pages"] / bare["process_wall_seconds"])


def budget_line(result: dict[str, Any]) -> str:
    """What the machine allows: the CPU a page may cost for x{BAR} of bare Scrapy."""
    budget = result.get("cpu_budget_ms_per_page")
    if budget is None:
        return "CPU budget: not measured (no portal CPU)"
    used = result["luutru"]["cpu_ms_per_page"]
    verdict = "within it" if used <= budget else "over it: this measure is bound by the CPUs"
    return (
        f"CPU budget: x{BAR} of bare Scrapy's pages/s on {result['cpus']} CPUs leaves a crawler "
        f"{budget:.1f} ms of CPU a page (all its processes; the portal's own "
        f"{result['bare']['portal_cpu_ms_per_page']} ms taken off); luutru used {used:.1f} "
        f"(start-up included): {verdict}"
    )


def table(result: dict[str, Any]) -> str:
    head = ("side", "pages", "responses", "seconds", "pages/s", "process wall s", "CPU ms/page",
            "portal CPU ms/page", "pages/s rounds")  # fmt: skip
    rows = [head]
    for name in ("luutru", "bare"):
        r = result[name]
        rows.append(
            (
                name,
                f"{r['pages']:.0f}",
                f"{r['responses']:.0f}",
                f"{r['seconds']:.2f}",
                f"{r['pages_per_s']:.1f}",
                f"{r['process_wall_seconds']:.2f}",
                f"{r.get('cpu_ms_per_page') or 0:.1f}",
                f"{r.get('portal_cpu_ms_per_page') or 0:.1f}",
                " ".join(f"{x:.1f}" for x in r["pages_per_s_rounds"]),
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
    last = result["last_round"]
    u, lu = last["url_list"], last["luutru"]
    lines += [
        f"ratio luutru/bare (pages/s, median of {result['rounds']} rounds): "
        f"{result['ratio_luutru_over_bare']}",
        f"bare URL list: {u['get_pages']} GET pages from the luutru run, one bare crawler per "
        f"luutru site ({u.get('crawlers', '?')}); {u['post_skipped']} POST postback pages "
        f"skipped; robots.txt fetched by each side's robots middleware ({u['robots']} in the "
        f"luutru run)",
        f"seconds: luutru {lu['seconds_from']}; bare {last['bare']['seconds_from']}",
        budget_line(result),
        f"luutru archive after the last run: {lu['archive']}; runs {lu['run_status']}",
    ]
    if lu["exit_code"] != 0 or lu["errors"]:
        lines.append(f"NOTE: luutru crawl exited {lu['exit_code']}; errors in its log:")
        lines.extend(f"  {e}" for e in lu["errors"])
        lines.append("  its summary lines (stdout):")
        lines.extend(f"  {e}" for e in lu["summary"])
    return "\n".join(lines)

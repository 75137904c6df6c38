"""Memory benchmark: peak RSS of ``luutru crawl`` of a large demo portal, then again on
top of the archive it built (memory must not grow with archive size).

The demo portal (``--memory-articles``, default 10,000) runs in its own process. Crawls
of ``demo-liferay demo-aspnet`` run against it, one subprocess each, politeness off (as
bench.crawl): the first into a fresh data dir, then a ``--full`` re-crawl (every listing
page, a conditional GET for every known article) and an incremental one, both on top of the
now-large archive; then an incremental crawl of the portal's epoch 1 (a fresh portal process
with new and edited articles): new versions, so that crawl loads the archive's near-duplicate
index (every stored MinHash signature). Each child's peak RSS is the kernel's own
high-water mark for that one process, ``VmHWM`` in /proc/<pid>/status, polled every 0.2 s
with ``VmRSS`` (to show where in the run the peak falls). Not ``ru_maxrss`` from
wait4/RUSAGE_CHILDREN: exec keeps the larger of the new and the old memory map's
high-water mark, so a child spawned by a bench process of 400 MiB reports at least 400 MiB
whatever it used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.archive import data_bytes
from bench.crawl import SITES
from bench.processes import REPO, portal_process, tail

OVERRIDES = (
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_DELAY=0",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "LOG_LEVEL=WARNING",
)
SAMPLE_S = 0.2


def _status_kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of ``pid`` in KiB, None once it has exited."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        )
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, ValueError, KeyError):
        return None


def measured_run(cmd: list[str], log_path: Path) -> dict[str, Any]:
    """Run ``cmd``; its exit code, wall time, peak RSS (VmHWM) and sampled RSS."""
    samples: list[tuple[float, int]] = []
    hwm = [0]
    with open(log_path, "wb") as log:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=log)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                kib = _status_kib(proc.pid)
                if kib is not None:
                    samples.append((time.monotonic() - started, kib[0]))
                    hwm[0] = max(hwm[0], kib[1])
                stop.wait(SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert proc.stdout is not None
        stdout = proc.stdout.read()  # until the child closes it (at exit)
        stop.set()  # VmHWM never decreases: the last reading before exit is the peak,
        sampler.join()  # bar growth in the last SAMPLE_S
        _, status, usage = os.wait4(proc.pid, 0)  # reap it: its CPU time
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
    rss = [k for _, k in samples]
    quarter = [
        rss[min(len(rss) - 1, int(len(rss) * q))] if rss else None for q in (0.25, 0.5, 0.75)
    ]
    return {
        "exit_code": proc.returncode,
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(hwm[0] / 1024, 1),
        "wait4_maxrss_mib_not_used": round(usage.ru_maxrss / 1024, 1),
        "sampled_max_rss_mib": round(max(rss) / 1024, 1) if rss else None,
        "sampled_rss_mib_at_25_50_75_pct": [round(k / 1024, 1) if k else None for k in quarter],
        "sampled_last_rss_mib": round(rss[-1] / 1024, 1) if rss else None,
        "samples": len(rss),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "stdout": stdout.decode("utf-8", "replace").strip().splitlines(),
    }


def crawl(base: str, data: Path, log_path: Path, full: bool) -> dict[str, Any]:
    from archive.store import Archive

    before = 0
    if (data / "archive.sqlite").exists():
        with Archive.open(data) as archive:
            before = max((r["id"] for r in archive.runs()), default=0)
    archive_before = data_bytes(data)["total"] if (data / "archive.sqlite").exists() else 0
    cmd = [sys.executable, "-m", "luutru", "crawl", *SITES, "--base-url", base]
    # One process for both sites: its peak RSS is the whole crawl's (by default each site
    # would get a process of its own, and the peak would be the larger one's alone).
    cmd += ["--data", str(data), "--quiet", "--processes", "1"]
    if full:
        cmd.append("--full")
    for pair in OVERRIDES:
        cmd += ["-s", pair]
    result = measured_run(cmd, log_path)
    with Archive.open(data) as archive:
        runs = [r for r in archive.runs() if r["id"] > before]
        counts = archive.counts()
    stats = [r["stats"] or {} for r in runs]
    if not runs:
        raise RuntimeError(f"luutru crawl exited {result['exit_code']}:\n{tail(log_path)}")
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    result.update(
        full=full,
        archive_bytes_before=archive_before,
        archive_bytes_after=data_bytes(data)["total"],
        counts_after=counts,
        requests=sum(int(s.get("downloader/request_count", 0)) for s in stats),
        responses=sum(int(s.get("downloader/response_count", 0)) for s in stats),
        run_status={r["site"]: r["status"] for r in runs},
        outcomes={
            k.removeprefix("luutru/articles_"): sum(int(s.get(k, 0)) for s in stats)
            for k in sorted({k for s in stats for k in s if k.startswith("luutru/articles_")})
        },
        errors=[line[:300] for line in log_text.splitlines() if "] ERROR:" in line][:20],
    )
    return result


def run(articles: int = 10_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="luutru-bench-memory-") as tmp:
        work = Path(tmp)
        data = work / "archive"
        t0 = time.monotonic()
        with portal_process(articles, work) as base:
            portal_start = time.monotonic() - t0
            first = crawl(base, data, work / "crawl-1.log", full=False)
            full = crawl(base, data, work / "crawl-2-full.log", full=True)
            incr = crawl(base, data, work / "crawl-3-incremental.log", full=False)
        # The portal's epoch 1 (new and edited articles): new versions on top of the large
        # archive, which makes the crawl load the archive's near-duplicate index.
        with portal_process(articles, work, epoch=1) as base:
            changed = crawl(base, data, work / "crawl-4-epoch1.log", full=False)
    base_peak = first["peak_rss_mib"]
    for c in (full, incr, changed):
        c["peak_over_first"] = round(c["peak_rss_mib"] / base_peak, 3) if base_peak else None
    return {
        "articles": articles,
        "portal_start_seconds": round(portal_start, 1),
        "overrides": list(OVERRIDES),
        "first": first,
        "full": full,
        "incremental": incr,
        "epoch1": changed,
    }


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def table(result: dict[str, Any]) -> str:
    head = ("crawl", "peak RSS MiB", "RSS @25/50/75% MiB", "wall s", "requests", "archive before")
    rows = [head]
    for name, label in (
        ("first", "first (empty archive)"),
        ("full", "--full re-crawl"),
        ("incremental", "incremental re-crawl"),
        ("epoch1", "incremental, portal epoch 1"),
    ):
        c = result[name]
        rows.append(
            (
                label,
                f"{c['peak_rss_mib']:.1f}",
                "/".join(f"{x:.0f}" if x else "-" for x in c["sampled_rss_mib_at_25_50_75_pct"]),
                f"{c['wall_seconds']:.1f}",
                str(c["requests"]),
                _mib(c["archive_bytes_before"]),
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
        f"peak RSS vs first crawl: --full x{result['full']['peak_over_first']}, "
        f"incremental x{result['incremental']['peak_over_first']}, epoch 1 "
        f"x{result['epoch1']['peak_over_first']}; archive after: "
        f"{result['epoch1']['counts_after']}, {_mib(result['epoch1']['archive_bytes_after'])}"
    )
    lines.append(
        f"peak = VmHWM of the crawl process (/proc, polled every {SAMPLE_S} s); portal "
        f"started in "
        f"{result['portal_start_seconds']} s"
    )
    e = result["epoch1"]
    lines.append(f"epoch 1 crawl outcomes: {e['outcomes']}")
    for name in ("first", "full", "incremental", "epoch1"):
        c = result[name]
        if c["exit_code"] != 0 or c["errors"]:
            lines.append(f"NOTE: crawl {name} exited {c['exit_code']}; errors in its log:")
            lines.extend(f"  {e}" for e in c["errors"][:5])
    return "\n".join(lines)

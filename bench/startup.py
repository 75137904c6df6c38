"""Start-up benchmark: how long ``luutru`` takes before it does anything.

Each command runs as a subprocess of this process, the way the ``luutru`` console script
runs it (``python -c 'from luutru.cli import main; …' ARGS`` from the repository root, so
this checkout is the one imported). Wall time is ``perf_counter`` around the call; CPU time
is the growth of ``resource.getrusage(RUSAGE_CHILDREN)`` (user + system) over that call, so
only the child counts. Beside them, measured in the same rounds: a bare interpreter
(``python -c pass``) and one that only imports SQLAlchemy, the floor of any command that
opens the archive. Every round runs every case once, in turn, so a burst of load on a
shared machine hits them alike; the median of ``--startup-rounds`` rounds is reported.

The bar (issue 16): CPU of ``luutru --help`` ≤ 3× the bare interpreter's, of ``luutru
health`` ≤ 1.5× the SQLAlchemy-only interpreter's. One more run per command under
``python -X importtime`` names where the import time goes (self time summed per top-level
package, which is what a lazy import can move).

    python -m bench --only startup [--startup-rounds 15]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# What the console script (pyproject [project.scripts]) does, with this checkout on sys.path.
ENTRY = "import sys; from luutru.cli import main; sys.exit(main())"
BARS = {"help": ("bare", 3.0), "health": ("sqlalchemy", 1.5)}


def _small_archive(where: Path) -> None:
    """Three articles of one site, one run: enough for every command to do its work."""
    from archive.records import ArticleRecord
    from archive.store import Archive

    with Archive.open(where) as archive:
        run = archive.start_run("tinh-a")
        for key, title, body in (
            ("1", "Hội nghị lao động", "Lao động việc làm năm 2025."),
            ("2", "Tuyển dụng lao động", "Tuyển dụng và lao động."),
            ("3", "Tiêm chủng", "Tiêm chủng mở rộng cho trẻ em."),
        ):
            archive.record(
                ArticleRecord(
                    site="tinh-a",
                    article_key=key,
                    url=f"https://tinh-a.gov.vn/bai/{key}",
                    fetched_url=f"https://tinh-a.gov.vn/bai/{key}",
                    title=title,
                    body=body,
                    date="2025-01-15",
                    fetched_at="2025-01-15T09:00:00+07:00",
                ),
                run,
            )
        archive.finish_run(run, "succeeded", {"downloader/request_count": 3})


def cases(data: Path) -> dict[str, list[str]]:
    """Label → argv after the interpreter. The first two are the comparisons."""
    d = ["--data", str(data)]
    return {
        "bare": ["-c", "pass"],
        "sqlalchemy": ["-c", "import sqlalchemy"],
        "help": ["-c", ENTRY, "--help"],
        "health": ["-c", ENTRY, "health", *d],
        "runs": ["-c", ENTRY, "runs", *d],
        "search": ["-c", ENTRY, "search", "lao", *d],
    }


def _env() -> dict[str, str]:
    # LUUTRU_* of the caller would point the commands elsewhere; PYTHONDONTWRITEBYTECODE
    # would compile every module from source on every start, which no install does (pip
    # compiles at install time): the warm-up round writes the bytecode caches.
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LUUTRU_") and k != "PYTHONDONTWRITEBYTECODE"
    }


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *argv], cwd=REPO, env=env, capture_output=True, timeout=120
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):  # health exits 1: the bundled portals never ran
        raise RuntimeError(f"{argv}: exit {done.returncode}: {done.stderr.decode()[-400:]}")
    return wall, cpu, done.returncode


def _importtime_once(argv: list[str], env: dict[str, str]) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    per: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _cumulative, name = line.removeprefix("import time:").split("|", 2)
        package = name.strip().split(".")[0]
        per[package] = per.get(package, 0) + int(own)
    return per


def importtime(argv: list[str], env: dict[str, str], runs: int = 3, top: int = 6) -> dict[str, Any]:
    """``-X importtime``, ``runs`` times: the median total import time and the top-level
    packages costing the most (their modules' self times summed, median over the runs)."""
    seen = [_importtime_once(argv, env) for _ in range(runs)]
    packages = set().union(*seen)
    per = {p: statistics.median(s.get(p, 0) for s in seen) for p in packages}
    worst = sorted(per.items(), key=lambda kv: -kv[1])[:top]
    return {
        "total_ms": round(statistics.median(sum(s.values()) for s in seen) / 1000, 1),
        "packages": len(packages),
        "top_ms": {name: round(us / 1000, 1) for name, us in worst},
    }


def run(rounds: int = 15) -> dict[str, Any]:
    env = _env()
    with tempfile.TemporaryDirectory(prefix="luutru-bench-startup-") as tmp:
        data = Path(tmp) / "data"
        _small_archive(data)
        argvs = cases(data)
        for argv in argvs.values():  # warm-up: bytecode caches written, files in page cache
            _once(argv, env)
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in argvs}
        for _ in range(rounds):
            for label, argv in argvs.items():
                wall, cpu, _code = _once(argv, env)
                samples[label].append((wall, cpu))
        imports = {label: importtime(argv, env) for label, argv in argvs.items()}
    out: dict[str, Any] = {"rounds": rounds, "commands": {}}
    for label, got in samples.items():
        out["commands"][label] = {
            "wall_ms": round(1000 * statistics.median(w for w, _ in got), 1),
            "cpu_ms": round(1000 * statistics.median(c for _, c in got), 1),
            "imports": imports[label],
        }
    cmds = out["commands"]
    out["ratios"] = {
        label: {
            "vs_bare": round(c["cpu_ms"] / max(cmds["bare"]["cpu_ms"], 0.1), 2),
            "vs_sqlalchemy": round(c["cpu_ms"] / max(cmds["sqlalchemy"]["cpu_ms"], 0.1), 2),
        }
        for label, c in cmds.items()
        if label not in ("bare", "sqlalchemy")
    }
    out["bars"] = {
        label: {
            "against": base,
            "ratio": out["ratios"][label][f"vs_{base}"],
            "bar": bar,
            "met": out["ratios"][label][f"vs_{base}"] <= bar,
        }
        for label, (base, bar) in BARS.items()
    }
    return out


def table(result: dict[str, Any]) -> str:
    names = {
        "bare": "python -c pass",
        "sqlalchemy": "python -c 'import sqlalchemy'",
        "help": "luutru --help",
        "health": "luutru health",
        "runs": "luutru runs",
        "search": "luutru search lao",
    }
    lines = [
        f"{'command':<30} {'wall ms':>8} {'CPU ms':>7} {'x bare':>7} {'x sqla':>7}  "
        "import ms: top packages (self time)"
    ]
    for label, c in result["commands"].items():
        r = result["ratios"].get(label, {})
        imp = c["imports"]
        top = ", ".join(f"{k} {v}" for k, v in list(imp["top_ms"].items())[:5])
        lines.append(
            f"{names.get(label, label):<30} {c['wall_ms']:>8} {c['cpu_ms']:>7} "
            f"{r.get('vs_bare', ''):>7} {r.get('vs_sqlalchemy', ''):>7}  "
            f"{imp['total_ms']} in {imp['packages']} packages: {top}"
        )
    for label, b in result["bars"].items():
        verdict = "met" if b["met"] else "MISSED"
        lines.append(
            f"bar: luutru {label} CPU ≤ {b['bar']}x {names[b['against']]}: "
            f"x{b['ratio']} ({verdict})"
        )
    lines.append(
        f"median of {result['rounds']} rounds, every case once per round, same machine, same run"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run(5)))

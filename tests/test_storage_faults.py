"""Storage faults injected at chosen moments: the WARC writer or the archive database
failing with EIO, ENOSPC or a read-only file system after N writes.

Whatever the moment and the error: the run that hit it is `failed` with the error named
(never "succeeded"), the crawl exits non-zero without a flood of tracebacks, and the
next run — storage healthy again — archives every live article, with `luutru verify`
exact. (A real full disk, on a small tmpfs, is drilled in tests/test_drills.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.store import Archive
from demo_portal import DemoPortal

pytestmark = pytest.mark.slow

ARTICLES = 40
# Imported at interpreter start (sitecustomize): the chosen function fails after N calls.
INJECTOR = r"""
import errno, importlib, os, sqlite3
spec = os.environ.get("LUUTRU_FAULT")
if spec:
    target, attr, code, after = spec.split(":")
    module_name, owner_name = target.rsplit(".", 1)
    owner = getattr(importlib.import_module(module_name), owner_name)
    real = getattr(owner, attr)
    calls = [0]

    def failing(*args, **kwargs):
        calls[0] += 1
        if calls[0] > int(after):
            if code == "sqlite_io":
                raise sqlite3.OperationalError("disk I/O error")
            number = getattr(errno, code)
            raise OSError(number, os.strerror(number))
        return real(*args, **kwargs)

    setattr(owner, attr, failing)
"""


def crawl(
    base_url: str, data: Path, env_extra: dict[str, str], tmp: Path
) -> subprocess.CompletedProcess[str]:
    hook = tmp / "inject"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(INJECTOR, encoding="utf-8")
    env = {**os.environ, "PYTHONUTF8": "1", **env_extra}
    if env_extra:
        env["PYTHONPATH"] = os.pathsep.join([str(hook), env.get("PYTHONPATH", "")])
    # One process for both sites: the injector counts calls in its process, and a disk
    # that fills up fails every crawl writing to it, which one counter stands for.
    command = [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
               "--base-url", base_url, "--data", str(data), "--quiet",
               "--processes", "1"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


FAULTS = [
    ("archive.warc.WarcSeries", "write_response", "EIO", "5", 0),
    ("archive.warc.WarcSeries", "write_response", "ENOSPC", "30", 0),
    # Pages as heavy as real portals': their captures are written by the WARC thread
    # (crawler/warc_thread.py), and its failures reach the run from there.
    ("archive.warc.WarcSeries", "write_response", "ENOSPC", "30", 48),
    ("archive.warc.WarcSeries", "write_response", "EIO", "5", 48),
    # Per record, inside the write transaction of its batch (archive/batchwrites.py).
    ("archive.batchwrites._Batch", "decide", "sqlite_io", "12", 0),
    ("archive.batchwrites._Batch", "decide", "EROFS", "3", 0),
]


@pytest.mark.parametrize(
    "target,attr,code,after,padding_kb", FAULTS,
    ids=[f"{f[1]}-{f[2]}" + ("-heavy" if f[4] else "") for f in FAULTS],
)  # fmt: skip
def test_a_storage_fault_fails_the_run_and_the_next_run_loses_nothing(
    tmp_path: Path, target: str, attr: str, code: str, after: str, padding_kb: int
) -> None:
    data = tmp_path / "archive"
    with DemoPortal(articles=ARTICLES, port=0, padding_kb=padding_kb) as portal:
        faulty = crawl(portal.base_url, data, {"LUUTRU_FAULT": f"{target}:{attr}:{code}:{after}"},
                       tmp_path)  # fmt: skip
        assert faulty.returncode != 0
        assert faulty.stderr.count("Traceback") <= 2, faulty.stderr[-3000:]
        with Archive.open(data) as archive:
            runs = archive.runs()
        assert runs and all(r["status"] in ("failed", "interrupted") for r in runs)
        failed = [r for r in runs if r["status"] == "failed"]
        assert failed and any("stopped:" in " ".join(r["reasons"]) for r in failed)
        healthy = crawl(portal.base_url, data, {}, tmp_path)
        assert healthy.returncode == 0, healthy.stderr[-3000:]
        live = {(t["site"], t["key"]) for t in portal.truth() if t["status"] == "live"}
    with Archive.open(data) as archive:
        archived = {(a["site"], a["article_key"]) for a in archive.articles()}
        last = {r["site"]: r["status"] for r in archive.runs()[:2]}
    assert archived == live
    assert set(last.values()) == {"succeeded"}
    verify = subprocess.run([sys.executable, "-m", "luutru", "verify", "--data", str(data)],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-3000:]

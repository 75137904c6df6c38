"""What browser tests share: the system Chromium (never one Playwright downloads), a
`luutru serve` subprocess on a free port, and a page that records what a person would
see go wrong (console errors, failed requests, 4xx/5xx responses).

Outside CI a missing Chromium or Playwright skips the calling module with the reason; in
CI (``CI=true``) it fails instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("LUUTRU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # the machine runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home, and its connections are refused by the dozen.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_browser() -> None:
    """Skip (or, in CI, fail) the calling module when Chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - the [test] extra installs it
        if IN_CI:
            pytest.fail("CI=true but the playwright package is missing", pytrace=False)
        pytest.skip("the playwright package is missing (pip install -e '.[test]')",
                    allow_module_level=True)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(data: Path, log: Path, *extra: str) -> Iterator[str]:
    """`python -m luutru serve` over ``data``; yields its base URL once /runs answers."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "luutru", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--data", str(data), *extra],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUTF8": "1"},
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"luutru serve exited {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/runs", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"luutru serve did not answer in 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


CAPTURES = "/captures/"  # archived pages, served only into <iframe sandbox>


def watch(page: Any) -> list[str]:
    """Everything that went wrong on ``page`` from now on, one line each: console errors,
    uncaught exceptions, failed requests and 4xx/5xx responses."""
    problems: list[str] = []

    def on_console(message: Any) -> None:
        url = message.location.get("url") or ""
        # An archived page in its sandboxed frame: Chromium reports each of its scripts it
        # refuses to run. That is the sandbox working (tests/test_browser.py checks it),
        # not an error of ours.
        if message.type == "error" and CAPTURES not in url:
            problems.append(f"console: {message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(f"exception: {e}"))

    def on_failed(request: Any) -> None:
        # ERR_ABORTED is the browser cancelling a request itself: the page was left (the
        # test clicked on) while a favicon or a lazy frame was still loading. A server
        # that fails answers with a status (below) or another net:: error.
        if "ERR_ABORTED" not in (request.failure or ""):
            problems.append(f"request failed: {request.url} {request.failure}")

    page.on("requestfailed", on_failed)
    page.on("response", lambda r: r.status >= 400
            and problems.append(f"HTTP {r.status}: {r.url}"))  # fmt: skip
    return problems

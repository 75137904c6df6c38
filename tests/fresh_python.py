"""Run code in a fresh interpreter, as a crawl or a command starts: what it imports, what
it prints. One place for the tests that look at start-up from outside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def output_of(code: str, timeout: float = 120) -> str:
    """The stdout of ``python -c code`` run from the repository; its stderr (tail) when
    it fails."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout

"""What the web application is started with, and the security policies its routes share.

Kept apart from app.py (which assembles the application from the routes) so that the
route modules can read them without importing the application that imports them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Our own pages: no inline script or style, nothing from elsewhere.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# Archived captures: nothing may load or run; `sandbox` gives the document an opaque
# origin without scripts even when opened directly, outside our iframe.
CAPTURE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
# Every response carrying an archived page (/captures/…, the mementos under /web/…).
CAPTURE_HEADERS = {
    "Content-Security-Policy": CAPTURE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "public, max-age=86400, immutable",  # a version never changes
}

Launcher = Callable[[Sequence[str]], Any]


def _popen(command: Sequence[str]) -> subprocess.Popen[bytes]:
    # A session of its own: stopping the web server never takes a running crawl down.
    return subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@dataclass
class WebSettings:
    data: str
    sites: str | None = None
    config: str | None = None
    operator_token: str = ""
    db: str | None = None  # archive database URL (None: <data>/archive.sqlite)
    threads: int = 0  # route threads per process (0: anyio's default, 40)
    launcher: Launcher = _popen  # tests swap it for a recorder
    children: list[Any] = field(default_factory=list)

    def crawl_command(self, site: str) -> list[str]:
        """What "run now" starts: the same crawl the CLI runs, quiet, manual trigger."""
        command = [sys.executable, "-m", "luutru", "crawl", site, "--quiet", "--data", self.data]
        if self.sites:
            command += ["--sites", self.sites]
        if self.db:
            command += ["--db", self.db]
        if self.config:
            command += ["--config", self.config]
        return command

    def reap(self) -> None:
        """Collect finished "run now" children so they do not linger as zombies."""
        self.children = [c for c in self.children if getattr(c, "poll", lambda: 0)() is None]

"""Per-run log files: `<data>/logs/<site>/<UTC time>-<pid>.log`, pruned to `[logs] keep`.

A crawl process of several sites writes one file per site: each file takes the records of
its own spider and crawler plus the process-wide ones (start-up, reactor)."""

from __future__ import annotations

import contextlib
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOGS_DIR = "logs"
FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"


def new_log_path(data_dir: str | Path, site: str) -> Path:
    import os

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(data_dir) / LOGS_DIR / site
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stamp}-{os.getpid()}.log"


class _SiteFilter(logging.Filter):
    def __init__(self, site: str, all_sites: set[str]) -> None:
        super().__init__()
        self.site, self.others = site, all_sites - {site}

    def filter(self, record: logging.LogRecord) -> bool:
        named = getattr(record, "site", None)  # luutru's own lines: extra={"site": ...}
        if isinstance(named, str):
            return named == self.site
        owner = getattr(record, "spider", None) or getattr(record, "crawler", None)
        owner = getattr(owner, "spider", owner)
        site = getattr(owner, "site_id", None)
        return site is None or site == self.site


class _RunLogHandler(logging.FileHandler):
    """A run's log file. If it cannot be written (a full disk) it says so once on stderr
    and goes quiet, instead of a traceback per log line."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.failed:
            self.failed = True
            exc = sys.exc_info()[1]
            sys.stderr.write(f"luutru: cannot write the run log {self.baseFilename}: {exc}\n")


def attach(paths: dict[str, Path], level: int = logging.INFO) -> list[logging.Handler]:
    """File handlers on the root logger, one per site; returns them for ``detach``."""
    handlers: list[logging.Handler] = []
    for site, path in paths.items():
        handler = _RunLogHandler(path, encoding="utf-8")
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(_SiteFilter(site, set(paths)))
        logging.getLogger().addHandler(handler)
        handlers.append(handler)
    if logging.getLogger().level > level:
        logging.getLogger().setLevel(level)
    return handlers


def detach(handlers: list[logging.Handler]) -> None:
    for handler in handlers:
        logging.getLogger().removeHandler(handler)
        with contextlib.suppress(OSError):  # a full disk: already reported by the handler
            handler.close()


def prune(data_dir: str | Path, site: str, keep: int) -> int:
    """Delete the oldest log files of ``site`` beyond ``keep``; returns how many."""
    folder = Path(data_dir) / LOGS_DIR / site
    files = sorted(folder.glob("*.log"), key=lambda p: p.name)
    old = files[: max(len(files) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def write_failure(path: Path, message: str, detail: Any = "") -> None:
    """A log file for a run that could not start (broken profile, crash before crawling)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{stamp} [luutru] ERROR: {message}\n")
        if detail:
            fh.write(f"{detail}\n")

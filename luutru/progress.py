"""What `luutru crawl` shows while it runs, and what it makes of a run afterwards.

While it runs: one progress line on stderr for all its sites, redrawn in place (``\\r``)
on a terminal, or a plain line every ``PLAIN_INTERVAL`` seconds when stderr is a file or
a pipe (a scheduler's log, CI). Scrapy's own log goes to each run's log file only (on
screen too with ``--verbose``); the errors it holds are counted per site here
(``ErrorTally``) so the summary can name the first ones.

Afterwards: the summary names a site that answered nothing at all (every request refused,
timed out or not resolved: ``crawler.health.unreachable``) apart from a failing one.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Mapping
from typing import IO, Any

TTY_INTERVAL = 0.5  # seconds between redraws of the line on a terminal
PLAIN_INTERVAL = 10.0  # seconds between progress lines in a file or pipe
MAX_ERRORS_KEPT = 3  # first error messages kept per site for the summary
# A site crawl started by `luutru crawl A B` (luutru/crawl_processes.py) for a terminal
# feeds its progress to that command, which draws one line for all: marked lines, at
# the terminal's pace, on its stderr (a pipe).
FEED_ENV = "LUUTRU_PROGRESS_FEED"
FEED_MARK = "\x1e"  # ASCII record separator: never the start of a log line


# Download exception class names (Scrapy's, Twisted's) → what a person calls it.
def _num(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key) or 0
    return int(value) if isinstance(value, int | float) else 0


def _silent(stats: Mapping[str, Any]) -> bool:
    """Requests sent and not one answered (yet)."""
    return bool(_num(stats, "downloader/request_count")) and not _num(
        stats, "downloader/response_count"
    )


def site_of(record: logging.LogRecord) -> str | None:
    """The site a log record belongs to (its spider's or crawler's), as crawler/runlog.py
    files it; None for a process-wide record."""
    site = getattr(record, "site", None)
    if isinstance(site, str):
        return site
    owner = getattr(record, "spider", None) or getattr(record, "crawler", None)
    owner = getattr(owner, "spider", owner)
    site = getattr(owner, "site_id", None)
    return site if isinstance(site, str) else None


class ErrorTally(logging.Handler):
    """Counts ERROR records per site during a crawl and keeps the first few messages."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.counts: dict[str | None, int] = {}
        self.first: dict[str | None, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            site = site_of(record)
            self.counts[site] = self.counts.get(site, 0) + 1
            kept = self.first.setdefault(site, [])
            if len(kept) < MAX_ERRORS_KEPT:
                line = next((x for x in record.getMessage().splitlines() if x.strip()), "")
                line = line.strip()
                if line and line not in kept:
                    kept.append(line[:200] + ("…" if len(line) > 200 else ""))
        except Exception:  # never let the tally break the crawl's logging
            self.handleError(record)


class Progress:
    """One line for every site of a crawl: requests, listing pages, articles, errors."""

    def __init__(
        self, stream: IO[str] | None = None, tty: bool | None = None, feed: bool | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.feed = bool(os.environ.get(FEED_ENV)) if feed is None else feed
        self.tty = False if self.feed else self.stream.isatty() if tty is None else tty
        self.crawlers: dict[str, Any] = {}
        self.started = time.monotonic()
        self._drawn = False

    @property
    def interval(self) -> float:
        return TTY_INTERVAL if self.tty or self.feed else PLAIN_INTERVAL

    def watch(self, site: str, crawler: Any) -> None:
        self.crawlers[site] = crawler

    def _stats(self) -> dict[str, dict[str, Any]]:
        return {
            site: (crawler.stats.get_stats() if crawler.stats else {})
            for site, crawler in self.crawlers.items()
        }

    def text(self, width: int | None = None) -> str:
        """Each site's requests, listing pages, articles (and errors); when that is wider
        than ``width``, the totals over all sites instead."""
        every = self._stats()
        elapsed = f"{time.monotonic() - self.started:.0f} s · "
        parts = []
        for site, stats in every.items():
            part = (
                f"{site} {_num(stats, 'downloader/request_count')} requests, "
                f"{_num(stats, 'luutru/listing_pages')} listings, "
                f"{_num(stats, 'item_scraped_count')} articles"
            )
            if _num(stats, "log_count/ERROR"):
                part += f", {_num(stats, 'log_count/ERROR')} errors"
            if _silent(stats):
                part += ", no answer yet"
            parts.append(part)
        line = elapsed + " | ".join(parts)
        if width is None or len(line) <= width or len(every) < 2:
            return line
        total = {
            key: sum(_num(stats, key) for stats in every.values())
            for key in ("downloader/request_count", "item_scraped_count", "log_count/ERROR")
        }
        line = (
            f"{elapsed}{len(every)} sites: {total['downloader/request_count']} requests, "
            f"{total['item_scraped_count']} articles"
        )
        if total["log_count/ERROR"]:
            line += f", {total['log_count/ERROR']} errors"
        silent = sum(1 for stats in every.values() if _silent(stats))
        return line + (f", {silent} with no answer yet" if silent else "")

    def tick(self) -> None:
        try:
            if self.tty:
                width = max(shutil.get_terminal_size((100, 20)).columns - 1, 20)
                line = self.text(width)
                if len(line) > width:
                    line = line[: width - 1] + "…"
                self.stream.write("\r" + line + "\x1b[K")
                self._drawn = True
            else:
                self.stream.write((FEED_MARK if self.feed else "") + self.text() + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not stop the crawl
            pass

    def finish(self) -> None:
        """Clear the line on a terminal, so the summary starts on a clean one."""
        if self._drawn:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self._drawn = False


class ProgressBoard:
    """The terminal's one progress line for several site crawls in processes of their own
    (luutru/crawl_processes.py): each feeds its line (``FEED_MARK``), redrawn here in
    place every ``TTY_INTERVAL``; their other lines (warnings, errors) are written above
    it. Without a terminal the children's plain lines are passed through as they are."""

    def __init__(self, stream: IO[str] | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.started = time.monotonic()
        self.lines: dict[int, str] = {}
        self._lock = threading.Lock()
        self._drawn = False

    def take(self, child: int, line: str) -> None:
        """A line from a child's stderr."""
        with self._lock:
            if line.startswith(FEED_MARK):
                # "12 s · demo-liferay 40 requests, …": the elapsed time is drawn once.
                text = line[len(FEED_MARK) :].strip()
                self.lines[child] = text.split(" · ", 1)[-1]
                return
            self._clear()
            self._write(line if line.endswith("\n") else line + "\n")

    def draw(self) -> None:
        with self._lock:
            if not self.tty or not self.lines:
                return
            width = max(shutil.get_terminal_size((100, 20)).columns - 1, 20)
            line = f"{time.monotonic() - self.started:.0f} s · " + " | ".join(
                text for _, text in sorted(self.lines.items())
            )
            if len(line) > width:
                line = line[: width - 1] + "…"
            self._write("\r" + line + "\x1b[K")
            self._drawn = True

    def finish(self) -> None:
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        if self._drawn:
            self._write("\r\x1b[K")
            self._drawn = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not stop the crawls
            pass


class BriefLines(logging.Handler):
    """Log records on the screen as one line each (``site: WARNING: message``), without
    tracebacks: for commands that show a crawl's warnings (`site check`, `demo`) but not
    Scrapy's log (tracebacks go to run logs, or on screen with ``--verbose``)."""

    def __init__(self, level: int | str = logging.WARNING, stream: IO[str] | None = None):
        super().__init__(level)
        self.stream = stream or sys.stderr

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = next((x for x in record.getMessage().splitlines() if x.strip()), "")
            site = site_of(record)
            where = f"{site}: " if site else ""
            self.stream.write(f"{where}{record.levelname}: {message.strip()}\n")
            self.stream.flush()
        except Exception:
            self.handleError(record)

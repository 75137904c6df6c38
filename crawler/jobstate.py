"""When a run's saved queue (Scrapy's JOBDIR) may be resumed, and when it may not.

Scrapy writes JOBDIR for a graceful pause; nothing in it says whether the write completed.
A run killed mid-write, stopped by a full disk, or that kept some requests in memory
leaves a queue that looks fine and silently lacks requests: resuming it walked 2 of 16
listings once, and the run was called a success. So a queue is trusted only when the run
that wrote it says so, with a marker written atomically after Scrapy saved the queue
(``mark_paused``); anything else is discarded and the next walk is full — every listing
again, a conditional GET per known article, nothing lost. A marker is taken (removed)
when the resumed run starts, so a crash during the resumed run is not trusted either.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

MARKER = "luutru-paused.json"


def mark_paused(jobdir: str | Path, run_id: int | None) -> bool:
    """Write the marker atomically (temp file, fsync, rename); False if it could not."""
    folder = Path(jobdir)
    data = {"run": run_id, "paused_at": datetime.now(UTC).isoformat(timespec="seconds")}
    temp = folder / f".{MARKER}.tmp"
    try:
        with temp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, folder / MARKER)
        return True
    except OSError:
        temp.unlink(missing_ok=True)
        return False


def why_untrusted(jobdir: str | Path) -> str | None:
    """Why the saved queue in ``jobdir`` must not be resumed, or None when it may be."""
    folder = Path(jobdir)
    marker = folder / MARKER
    if not marker.is_file():
        return "the run that wrote it did not finish its pause (killed, crashed or disk full)"
    try:
        json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return f"its marker is unreadable ({exc})"
    queue = folder / "requests.queue"
    if queue.exists():
        active = queue / "active.json"
        try:
            json.loads(active.read_text("utf-8")) if active.exists() else None
        except (OSError, ValueError) as exc:
            return f"its queue index is unreadable ({exc})"
    return None


def prepare(jobdir: str | Path) -> str | None:
    """Before a run: keep a trusted queue (taking its marker), discard any other.
    Returns why it was discarded, or None."""
    folder = Path(jobdir)
    if not folder.exists():
        return None
    reason = why_untrusted(folder)
    if reason is None:
        (folder / MARKER).unlink(missing_ok=True)
        return None
    shutil.rmtree(folder, ignore_errors=True)
    return reason

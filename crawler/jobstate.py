"""When a run's saved queue (Scrapy's JOBDIR) may be resumed, and when it may not.

Scrapy writes JOBDIR for a graceful pause; nothing in it says whether the write completed.
A run killed mid-write, stopped by a full disk, or that kept some requests in memory
leaves a queue that looks fine and silently lacks requests: resuming it walked 2 of 16
listings once, and the run was called a success. So a queue is trusted only when the run
that wrote it says so, with a marker written atomically after Scrapy saved the queue
(``mark_paused``); anything else is discarded and the next walk is full — every listing
again, a conditional GET per known article, nothing lost. A marker is taken (removed)
when the resumed run starts, so a crash during the resumed run is not trusted either.

A queue also names the portal it was saved for (the scheme, host and port of the run's
start pages): when the portal is reached elsewhere now (a new ``--base-url``, a profile
updated after the portal moved), every request in it would go to the old address, and the
resumed run failed as "unreachable" at once although the portal answers where it is. Such
a queue is discarded too, and the walk starts from the current start pages.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

MARKER = "luutru-paused.json"


def portal_origins(start_urls: Iterable[str]) -> list[str]:
    """Where a run reaches its portal: the scheme://host[:port] of its start pages."""
    return sorted({f"{p.scheme}://{p.netloc}".lower() for p in map(urlsplit, start_urls)})


def mark_paused(jobdir: str | Path, run_id: int | None, origins: list[str] | None = None) -> bool:
    """Write the marker atomically (temp file, fsync, rename); False if it could not.
    ``origins``: ``portal_origins`` of the run that saved the queue."""
    folder = Path(jobdir)
    data: dict = {"run": run_id, "paused_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if origins is not None:
        data["origins"] = origins
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


def why_untrusted(jobdir: str | Path, origins: list[str] | None = None) -> str | None:
    """Why the saved queue in ``jobdir`` must not be resumed, or None when it may be.
    ``origins``: where the coming run reaches the portal (a marker that names none, written
    before markers did, is not compared)."""
    folder = Path(jobdir)
    marker = folder / MARKER
    if not marker.is_file():
        return "the run that wrote it did not finish its pause (killed, crashed or disk full)"
    try:
        saved = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return f"its marker is unreadable ({exc})"
    was = saved.get("origins") if isinstance(saved, dict) else None
    if origins is not None and was is not None and was != origins:
        return (
            f"it was saved for the portal at {', '.join(map(str, was))}, "
            f"which is now reached at {', '.join(origins)}"
        )
    queue = folder / "requests.queue"
    if queue.exists():
        active = queue / "active.json"
        try:
            json.loads(active.read_text("utf-8")) if active.exists() else None
        except (OSError, ValueError) as exc:
            return f"its queue index is unreadable ({exc})"
    return None


def prepare(jobdir: str | Path, origins: list[str] | None = None) -> str | None:
    """Before a run: keep a trusted queue (taking its marker), discard any other.
    Returns why it was discarded, or None."""
    folder = Path(jobdir)
    if not folder.exists():
        return None
    reason = why_untrusted(folder, origins)
    if reason is None:
        (folder / MARKER).unlink(missing_ok=True)
        return None
    shutil.rmtree(folder, ignore_errors=True)
    return reason

"""One active `luutru schedule` per archive, any number of hot standbys.

The active scheduler holds the archive's scheduler lease (the ``leases`` table, key
``@scheduler``) and renews it every third of ``[cluster] scheduler_lease_seconds``. A
standby asks for the lease at the same pace and becomes active when it is free: at once if
the active scheduler stopped cleanly (it releases the lease) or died on this host (its pid
is gone), after the lease lapses if it died on another machine. Jobs and their next run
times are in the job store every scheduler of the archive shares (luutru/scheduler.py), so
the one taking over fires what is due, missed runs coalesced.

A scheduler that finds its lease taken over (it was cut off from the database for longer
than the lease) stops scheduling and exits 1: a service manager restarts it as a standby.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from archive.leases import SCHEDULER_LEASE, Lease
from luutru.workspace import Workspace

log = logging.getLogger("luutru.scheduler")


class SchedulerLease:
    def __init__(self, workspace: Workspace, ttl: float) -> None:
        self.workspace, self.ttl = workspace, ttl

    def acquire(self) -> bool:
        return self.workspace.archive.acquire_lease(SCHEDULER_LEASE, self.ttl) is not None

    def holder(self) -> Lease | None:
        return self.workspace.archive.lease(SCHEDULER_LEASE)

    def renew(self) -> bool:
        return self.workspace.archive.renew_lease(SCHEDULER_LEASE, self.ttl)

    def release(self) -> None:
        self.workspace.archive.release_lease(SCHEDULER_LEASE)


def wait_until_active(lease: SchedulerLease, stopping: threading.Event) -> bool:
    """Block until this process holds the scheduler lease; False if told to stop first."""
    announced = False
    while not stopping.is_set():
        if lease.acquire():
            if announced:
                log.info("the scheduler lease is free: this scheduler is now active")
            return True
        if not announced:
            held = lease.holder()
            log.info(
                "standby: the active scheduler is %s (lease until %s); taking over when "
                "it stops renewing",
                held.holder if held else "?",
                held.expires_at if held else "?",
            )
            announced = True
        stopping.wait(lease.ttl / 3)
    return False


class Heartbeat(threading.Thread):
    """Renews the lease every third of its time; calls ``on_lost`` once if it cannot."""

    def __init__(self, lease: SchedulerLease, on_lost: Callable[[str], None]) -> None:
        super().__init__(name="scheduler-lease", daemon=True)
        self.lease, self.on_lost = lease, on_lost
        self.done = threading.Event()

    def run(self) -> None:
        import time

        renewed = time.monotonic()
        while not self.done.wait(self.lease.ttl / 3):
            try:
                if self.lease.renew():
                    renewed = time.monotonic()
                    continue
                why = "another scheduler holds the lease now"
            except Exception as exc:  # the database is unreachable: retry until it lapses
                log.warning("could not renew the scheduler lease: %s", exc)
                if time.monotonic() - renewed < self.lease.ttl:
                    continue
                why = f"not renewed for {self.lease.ttl:.0f} s ({exc})"
            self.on_lost(why)
            return

    def stop(self) -> None:
        self.done.set()

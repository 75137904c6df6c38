"""Leases: at most one crawl of a site at a time, across processes and machines.

The lease lives in the archive database, so two schedulers (or a scheduler and a person
running `luutru crawl`) on one archive cannot crawl a site twice at once. Acquiring is one
write transaction (BEGIN IMMEDIATE on SQLite, the archive's advisory write lock on
PostgreSQL: archive/db.py; the primary key and a guarded UPDATE are a second guard). A
lease whose holder process died on this host is taken over at once; a lease held on
another host is taken over only after it expires, so a holder keeps its lease alive with
``renew_lease`` (the crawl's heartbeat, crawler/runlease.py; the scheduler's, luutru/standby.py).

The same table holds the active scheduler's lease under SCHEDULER_LEASE (not a site id:
profile ids cannot start with "@").
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from archive.crawlstate import _pid_alive
from archive.schema import leases
from archive.times import VN_TZ

SCHEDULER_LEASE = "@scheduler"


@dataclass(frozen=True)
class Lease:
    site: str
    holder: str
    host: str
    pid: int
    acquired_at: str
    expires_at: str


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeasesMixin:
    def acquire_lease(self, site: str, ttl_seconds: float) -> Lease | None:
        """Take the site's lease for this process, or None if a live holder has it."""
        host, pid = socket.gethostname(), os.getpid()
        now = datetime.now(VN_TZ).replace(microsecond=0)
        values = {
            "holder": f"{host}:{pid}",
            "host": host,
            "pid": pid,
            "acquired_at": now.isoformat(),
            "expires_at": (now + timedelta(seconds=ttl_seconds)).isoformat(),
        }
        try:
            with self._write() as conn:
                row = conn.execute(select(leases).where(leases.c.site == site)).first()
                if row is None:
                    conn.execute(leases.insert().values(site=site, **values))
                else:
                    dead_here = row.host == host and not _pid_alive(row.pid)
                    expired = row.expires_at <= now.isoformat()
                    if not (dead_here or expired or row.holder == values["holder"]):
                        return None
                    # Guarded: only the holder we looked at is replaced (PostgreSQL races).
                    done = conn.execute(
                        update(leases)
                        .where(leases.c.site == site, leases.c.holder == row.holder)
                        .values(**values)
                    )
                    if done.rowcount != 1:
                        return None
        except IntegrityError:
            return None  # another process inserted it first
        return Lease(site=site, **values)

    def renew_lease(self, site: str, ttl_seconds: float) -> bool:
        """Push this process's lease ``ttl_seconds`` into the future; False if it is no
        longer ours (it expired and another holder took it over)."""
        expires = datetime.now(VN_TZ).replace(microsecond=0) + timedelta(seconds=ttl_seconds)
        with self._write() as conn:
            done = conn.execute(
                update(leases)
                .where(leases.c.site == site, leases.c.holder == holder_id())
                .values(expires_at=expires.isoformat())
            )
        return done.rowcount == 1

    def release_lease(self, site: str) -> None:
        """Give the lease back, if this process holds it."""
        with self._write() as conn:
            conn.execute(
                delete(leases).where(leases.c.site == site, leases.c.holder == holder_id())
            )

    def lease(self, site: str) -> Lease | None:
        with self._read() as conn:
            row = conn.execute(select(leases).where(leases.c.site == site)).mappings().first()
        return Lease(**dict(row)) if row else None

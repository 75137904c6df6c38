"""The scheduler's jobs as the operators' pages show them: read from its persistent job
store (a read-only SQLite file beside the archive, or a table of the archive's server
database) without building a scheduler, which would unpickle job callables in the web
process.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from luutru.web.service import VIETNAM

SCHEDULER_STORE = "scheduler.sqlite"  # the APScheduler job store luutru/scheduler.py keeps


@dataclass
class ScheduledJob:
    id: str
    next_run_time: str | None  # ISO 8601, Vietnam time; None: paused


def scheduled_jobs(data_dir: str | Path, db: str | None = None) -> list[ScheduledJob] | None:
    """The scheduler's persistent jobs, or None when there is no job store.

    Read directly (read-only SQLite URI, or a plain SELECT on a server database's job
    table) rather than through APScheduler: building a scheduler object here would mean
    unpickling job callables in the web process."""
    if db and not db.startswith("sqlite"):
        rows = _server_jobs(db)
        if rows is None:
            return None
    else:
        path = Path(data_dir) / SCHEDULER_STORE
        if not path.is_file():
            return None
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            try:
                rows = conn.execute(
                    "SELECT id, next_run_time FROM apscheduler_jobs ORDER BY next_run_time, id"
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
    jobs = []
    for job_id, when in rows:
        iso = None
        if when is not None:
            iso = datetime.fromtimestamp(float(when), UTC).astimezone(VIETNAM).isoformat()
        jobs.append(ScheduledJob(str(job_id), iso))
    return jobs


def job_store_name(data_dir: str | Path, db: str | None) -> str:
    """Where the jobs are, as the schedules page names it when there are none."""
    if db and not db.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        from luutru.scheduler import STORE_TABLE

        return f"{STORE_TABLE} ({make_url(db).render_as_string(hide_password=True)})"
    return str(Path(data_dir) / SCHEDULER_STORE)


def _server_jobs(db: str) -> list[tuple[str, float | None]] | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from luutru.scheduler import STORE_TABLE

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            query = f"SELECT id, next_run_time FROM {STORE_TABLE} ORDER BY next_run_time, id"
            return [(r[0], r[1]) for r in conn.execute(text(query))]
    except SQLAlchemyError:
        return None  # no scheduler has run on this archive yet: no table
    finally:
        engine.dispose()

"""The archive's lifecycle and its runs: what every archive command needs.

``Archive`` (archive/store.py) adds the articles, versions, search and writes on top of
this class. ``luutru health`` and ``luutru runs`` read runs only, and open this class
alone: loading the search and write code they never call was a tenth of their start
(tests/test_cli_truth.py keeps them from loading it).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, select, update

from archive import schema
from archive.checkpoint import Checkpointer
from archive.db import _WRITE, open_database, settle
from archive.readers import ReadOnlyArchiveError
from archive.schema import runs
from archive.times import now_iso

DB_FILENAME = "archive.sqlite"


class _Scope:
    """A ``reading()`` block: its connection once the first read has taken one."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self.conn: Connection | None = None


class ArchiveCore:
    """Open with ``ArchiveCore.open(data_dir)`` (or ``Archive.open``); a context manager."""

    def __init__(
        self, engine: Engine, *, path: Path | None = None, read_only: bool = False
    ) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{_WRITE: True})
        self.path = path
        self.read_only = read_only
        # SQLite's WAL folded back by a thread of its own, not in the writers' commits.
        self._checkpointer = Checkpointer(path) if path is not None and not read_only else None
        self._held = threading.local()  # this thread's connection in ``reading()``

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    def open(
        cls,
        data_dir: str | Path | None = None,
        *,
        url: str | None = None,
        read_only: bool | None = None,
    ) -> Self:
        """Open (create, migrate) the archive in ``data_dir`` (``archive.sqlite``), or
        the database at SQLAlchemy ``url`` (e.g. PostgreSQL) when given.

        ``read_only``: never write — no migration, no file created beside the database,
        and every write raises ``ReadOnlyArchiveError`` (archive/db.py says how a SQLite
        archive is read from read-only media). None, the default: read-only exactly when
        ``data_dir`` cannot be written by this process, so reading commands (search,
        export, show, verify, serve) work on read-only media without being told.
        """
        engine, path, read_only = open_database(
            data_dir, url=url, read_only=read_only, filename=DB_FILENAME
        )
        return cls(engine, path=path, read_only=read_only)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()  # its connection too, so that settle() can run
        self._engine.dispose()
        if self.path is not None and not self.read_only:
            settle(self.path)  # the file alone complete, if this was the last connection

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self.read_only:
            where = self.path or self._engine.url.render_as_string(hide_password=True)
            raise ReadOnlyArchiveError(f"the archive at {where} is open read-only")
        with self._write_engine.begin() as conn:
            yield conn
        if self._checkpointer is not None:
            self._checkpointer.wrote()

    def _read(self):
        scope = getattr(self._held, "scope", None)
        if scope is None:
            return self._engine.begin()
        if scope.conn is None:  # the block's first read: its connection taken now
            scope.conn = scope.stack.enter_context(self._engine.begin())
        return nullcontext(scope.conn)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Every read of this thread in the block on one connection, in one transaction.

        A page reads the archive several times (an article, its versions, two of them for
        the diff, its near-duplicates, its files), and each read was a connection taken
        from the pool and a transaction of its own: on PostgreSQL a ping, a BEGIN and a
        COMMIT each, three round trips around every query. Beside a crawl, when the
        server's CPU is contended, those round trips were most of an article page's time.
        The connection is taken at the block's first read, so a page answered from the
        web cache takes none; nested blocks share the outer one's."""
        if getattr(self._held, "scope", None) is not None:
            yield
            return
        with ExitStack() as stack:
            self._held.scope = _Scope(stack)
            try:
                yield
            finally:
                self._held.scope = None

    # ---------------------------------------------------------------- runs

    def start_run(
        self,
        site: str,
        trigger: str = "manual",
        *,
        log_path: str | Path | None = None,
        mode: str | None = None,
    ) -> int:
        if trigger not in schema.RUN_TRIGGERS:
            raise ValueError(f"trigger must be one of {schema.RUN_TRIGGERS}, not {trigger!r}")
        with self._write() as conn:
            result = conn.execute(
                runs.insert().values(
                    site=site,
                    trigger=trigger,
                    started_at=now_iso(),
                    status="running",
                    log_path=str(log_path) if log_path is not None else None,
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    mode=mode,
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_run(
        self,
        run_id: int,
        status: str,
        stats: Mapping[str, Any] | None = None,
        reasons: list[str] | None = None,
    ) -> None:
        """Close a run once: sets finished_at, status, stats and health reasons (JSON)."""
        if not status or status == "running":
            raise ValueError(f"invalid final status {status!r}")
        payload = json.dumps(dict(stats or {}), ensure_ascii=False, sort_keys=True, default=str)
        with self._write() as conn:
            row = conn.execute(select(runs.c.finished_at).where(runs.c.id == run_id)).first()
            if row is None:
                raise KeyError(f"no run {run_id}")
            if row.finished_at is not None:
                raise ValueError(f"run {run_id} is already finished")
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    finished_at=now_iso(),
                    status=status,
                    stats=payload,
                    reasons=json.dumps(reasons, ensure_ascii=False) if reasons else None,
                )
            )

    def fail_runs_of_this_process(self, reason: str) -> list[int]:
        """Runs this process left open (a crash) become "failed" with ``reason``."""
        query = select(runs.c.id).where(
            runs.c.status == "running",
            runs.c.pid == os.getpid(),
            runs.c.host == socket.gethostname(),
        )
        with self._read() as conn:
            open_runs = list(conn.execute(query).scalars())
        for run_id in open_runs:
            self.finish_run(run_id, "failed", {"error": reason})
        return open_runs

    def run(self, run_id: int) -> dict | None:
        with self._read() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        return self._run_dict(row) if row else None

    def runs(self, site: str | None = None, limit: int | None = None) -> list[dict]:
        """Runs, newest first."""
        query = select(runs).order_by(runs.c.id.desc())
        if site is not None:
            query = query.where(runs.c.site == site)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [self._run_dict(r) for r in conn.execute(query).mappings()]

    @staticmethod
    def _run_dict(row: Mapping[str, Any]) -> dict:
        data = dict(row)
        data["stats"] = json.loads(data["stats"]) if data["stats"] else {}
        data["reasons"] = json.loads(data["reasons"]) if data.get("reasons") else []
        return data

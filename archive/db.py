"""The database under the archive: engine creation, SQLite setup and Alembic migrations.

On SQLite every connection gets WAL, ``synchronous=NORMAL``, foreign keys and a busy
timeout; every write transaction (a connection with the ``_WRITE`` execution option)
starts with ``BEGIN IMMEDIATE`` so a read-then-write can never lose a race to another
writer, and reads use a plain deferred ``BEGIN`` (WAL lets them run beside a writer).

On PostgreSQL (``make_engine``) every write transaction first takes one advisory lock
(``pg_advisory_xact_lock``): the same guarantee, writers one at a time, readers free.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_WRITE = "luutru_write"  # execution option: this connection is a write transaction


WAL_WAIT_SECONDS = 30.0  # as long as the busy timeout


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Put the file in WAL mode, once: the mode is stored in the file, so later
    connections only read it. Switching needs an exclusive lock that SQLite refuses at
    once, without its busy wait, while another connection writes (two schedulers opening
    a new archive together, say), so the switch is retried until WAL_WAIT_SECONDS."""
    deadline = time.monotonic() + WAL_WAIT_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy (not pysqlite's implicit BEGIN) drive transactions.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            _use_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


# pg_advisory_xact_lock key of the archive's write lock ("luutru" in ASCII, as a bigint).
PG_WRITE_LOCK = 0x6C75757472755F77


def make_engine(url: str) -> Engine:
    """The engine for a SQLAlchemy ``url``: PostgreSQL, or a SQLite file URL (which gets
    the same setup as ``<data>/archive.sqlite``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return _sqlite_engine(Path(parsed.database))
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        _postgres_setup(engine)
    return engine


def _postgres_setup(engine: Engine) -> None:
    """PostgreSQL: every write transaction first takes one transaction-scoped advisory
    lock, the equivalent of SQLite's ``BEGIN IMMEDIATE``: writers are serialised (so a
    read-then-write such as ``record`` or ``acquire_lease`` cannot lose a race), readers
    are never blocked (MVCC), and the lock goes with the commit or rollback."""

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def alembic_config(connection: Connection | None = None):
    """An Alembic ``Config`` built in code (no alembic.ini, no CWD dependency)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (idempotent; serialised on SQLite)."""
    from alembic import command

    with engine.execution_options(**{_WRITE: True}).begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()

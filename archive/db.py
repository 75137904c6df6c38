"""The database under the archive: engine creation, SQLite setup and Alembic migrations.

On SQLite every connection gets WAL, ``synchronous=NORMAL``, foreign keys and a busy
timeout; every write transaction (a connection with the ``_WRITE`` execution option)
starts with ``BEGIN IMMEDIATE`` so a read-then-write can never lose a race to another
writer, and reads use a plain deferred ``BEGIN`` (WAL lets them run beside a writer).

On PostgreSQL (``make_engine``) every write transaction first takes one advisory lock
(``pg_advisory_xact_lock``): the same guarantee, writers one at a time, readers free.

Read-only archives (a DVD, a read-only mount, a directory this user may not write): WAL
needs a ``-shm`` file beside the database even to read, which read-only storage cannot
hold. So the last connection out of a writable archive folds the log into the file and
leaves WAL mode (``settle``): the file alone is then complete, in rollback-journal mode,
which any SQLite (``mode=ro``, Datasette, the ``sqlite3`` shell) reads with no other file;
the next writer switches back to WAL. ``read_only_engine`` (archive/readers.py) opens
such a file with ``mode=ro``, and an archive still in WAL mode (copied from a live one, or
from a luutru before ``settle``) with ``immutable=1`` when there is no log to miss.
Nothing is created beside the database in either case.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from archive import revisions
from archive.checkpoint import BACKSTOP_PAGES
from archive.readers import (
    ReadOnlyArchiveError,
    is_writable,
    pg_session,
    read_only_engine,
)
from archive.revisions import MIGRATIONS_DIR

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
            # A backstop: the archive's own thread checkpoints (archive/checkpoint.py).
            cur.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
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


def settle(path: Path) -> bool:
    """If no other connection has ``path`` open: fold the WAL into the file and leave WAL
    mode, so the file alone is the whole archive (readable from read-only media, see the
    module doc). Returns whether it did; while another connection (another process, a
    crawl beside ``luutru serve``) has the archive open it stays in WAL and the last one
    out settles it."""
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        conn.execute("PRAGMA busy_timeout=0")  # busy means not alone: never wait for it
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        return str(mode).lower() == "delete"
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def check_schema_current(engine: Engine) -> None:
    """A read-only archive cannot be migrated: refuse one that is not at the head
    revision, rather than fail later on a missing column."""
    head = revisions.head()
    with engine.connect() as conn:
        current = revisions.schema_revision(conn)
    if current != head:
        what = "is not an archive" if current is None else f"has schema revision {current}"
        raise ReadOnlyArchiveError(
            f"the database {what}; this luutru reads revision {head}, and a read-only "
            "archive cannot be upgraded: open it once where it can be written"
        )


# pg_advisory_xact_lock keys of the archive's write lock: "luut" in ASCII, and the hash of
# the archive's schema. Advisory locks are per database, so with one constant key two
# archives in two schemas of one database (tests, benchmarks, one database per province's
# portals) waited for each other's writes; the two-key form is a lock space of its own.
PG_WRITE_LOCK = 0x6C757574


def make_engine(url: str) -> Engine:
    """The engine for a SQLAlchemy ``url``: PostgreSQL, or a SQLite file URL (which gets
    the same setup as ``<data>/archive.sqlite``)."""
    path = _sqlite_file(url)
    if path is not None:
        return _sqlite_engine(path)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        _postgres_setup(engine)
    return engine


def _postgres_setup(engine: Engine) -> None:
    """PostgreSQL: every connection plans each statement for its parameters
    (PG_SESSION, archive/readers.py); every write transaction first takes one
    transaction-scoped advisory lock, the equivalent of SQLite's ``BEGIN IMMEDIATE``:
    writers are serialised (so a read-then-write such as ``record`` or ``acquire_lease``
    cannot lose a race), readers are never blocked (MVCC), and the lock goes with the
    commit or rollback."""
    pg_session(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql(
                f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK}, hashtext(current_schema()))"
            )


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def open_database(
    data_dir: str | Path | None,
    *,
    url: str | None = None,
    read_only: bool | None = None,
    filename: str = "archive.sqlite",
) -> tuple[Engine, Path | None, bool]:
    """(engine, SQLite file or None, read-only?) of an archive: ``data_dir``/``filename``
    or the database at ``url``. Migrated to head, unless read-only (then checked to be at
    head). ``read_only`` None: read-only exactly when the SQLite file's directory exists
    and this process cannot write there (``is_writable``); a server database is opened
    for writing unless told otherwise."""
    if url is not None:
        path = _sqlite_file(url)
    elif data_dir is not None:
        path = Path(data_dir).expanduser() / filename
    else:
        raise ValueError("Archive.open needs data_dir or url")
    if path is None:
        engine = make_engine(str(url))
    else:
        if read_only is None:
            read_only = path.parent.is_dir() and not is_writable(path.parent, path)
        if read_only:
            engine = read_only_engine(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                with _CREATING:  # Alembic's migration context is global to a process
                    if not path.exists():
                        _create_whole(path)
            engine = _sqlite_engine(path)
    try:
        if read_only:
            check_schema_current(engine)
        else:
            migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, path, bool(read_only)


def _create_whole(path: Path) -> None:
    """A new SQLite archive, built beside ``path`` and linked into place once migrated:
    a reader that finds the file (`luutru export` during a first crawl) never finds it
    without its schema, which it would report as "no archive". When another process
    created the archive meanwhile, its file is kept and this one dropped."""
    from archive import schema_snapshot

    building = path.with_name(f".{path.name}.new-{os.getpid()}-{time.monotonic_ns()}")
    engine = _sqlite_engine(building)
    try:
        raw = engine.raw_connection()
        try:
            # The head schema in one script (archive/schema_snapshot.py), else Alembic.
            built = schema_snapshot.load(raw.driver_connection)
        finally:
            raw.close()
        if not built:
            migrate(engine)
    finally:
        engine.dispose()  # the last connection: SQLite folds the WAL into the file
    try:
        os.link(building, path)  # never replaces: the first archive created wins
    except FileExistsError:
        pass
    finally:
        for leftover in (building, *(building.with_name(building.name + s) for s in _SIDES)):
            leftover.unlink(missing_ok=True)


_SIDES = ("-wal", "-shm", "-journal")
_CREATING = threading.Lock()


def alembic_config(connection: Connection | None = None):
    """An Alembic ``Config`` built in code (no alembic.ini, no CWD dependency)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (idempotent; serialised on SQLite). A
    database already at the head is left without loading Alembic (archive/revisions.py
    says why); its version row is written in the same transaction as the schema it
    names, so reading the head there means the schema is whole."""
    if revision == "head":
        with engine.connect() as conn:
            if revisions.schema_revision(conn) == revisions.head():
                return
    from alembic import command

    with engine.execution_options(**{_WRITE: True}).begin() as conn:
        command.upgrade(alembic_config(conn), revision)

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
the next writer switches back to WAL. ``read_only_engine`` opens such a file with
``mode=ro``, and an archive still in WAL mode (copied from a live one, or from a luutru
before ``settle``) with ``immutable=1`` when there is no log to miss. Nothing is created
beside the database in either case.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import QueuePool

from archive import revisions
from archive.checkpoint import BACKSTOP_PAGES
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


class ReadOnlyArchiveError(OSError, ValueError):
    """The archive cannot be written here, or cannot be read as it is. An OSError with
    EROFS, so a crawl stops on it as on read-only storage, and a ValueError, so the
    command line prints it as a one-line error."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EROFS, message)

    def __str__(self) -> str:
        return str(self.strerror)


def is_writable(directory: Path, database: Path) -> bool:
    """Whether this process may write the archive: its directory (SQLite writes its
    journal beside the file) and the file itself. False on read-only media for root too
    (access(2) answers EROFS whatever the permissions)."""
    if not os.access(directory, os.W_OK):
        return False
    return not database.exists() or os.access(database, os.W_OK)


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def read_only_uri(path: Path) -> str:
    """The SQLite URI that reads ``path`` without writing or creating anything.

    Rollback-journal mode (a settled archive): ``mode=ro``, which still sees a writer's
    commits. WAL mode with its ``-shm`` present (a live archive, or one copied with its
    log files): ``mode=ro``, SQLite reads the log through the index. WAL mode without an
    index: ``immutable=1``, exact when there is no log, refused when there is one (its
    transactions cannot be read without an index, and the file alone would be stale).
    """
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except FileNotFoundError:
        raise ReadOnlyArchiveError(
            f"no archive at {path}, and none can be created there (read-only)"
        ) from None
    if not header.startswith(b"SQLite format 3\x00") or len(header) < 20:
        raise ReadOnlyArchiveError(f"{path} is not an SQLite database")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if header[18] != 2 or _sibling(path, "-shm").exists():  # byte 18: 2 means WAL
        return uri
    wal = _sibling(path, "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ReadOnlyArchiveError(
            f"{path} is read-only here and its last transactions are still in {wal.name}, "
            "which SQLite cannot read without the -shm index beside it: open the archive "
            "once where it can be written (any luutru command folds the log in), or copy "
            "it with its -shm file"
        )
    return uri + "&immutable=1"


def read_only_engine(path: Path) -> Engine:
    """An engine that only reads ``path`` (see ``read_only_uri``); writes fail."""
    uri = read_only_uri(path)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)

    # A creator, not a URL: the URI carries the path percent-encoded (Vietnamese folder
    # names, spaces). QueuePool as for any file database (the default for a URL-less
    # sqlite engine would be the in-memory database's single-connection pool).
    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        # Prefix searches read the FTS vocabulary through a temp table; query_only would
        # refuse to create it later, so it is made first (before the table exists it
        # costs nothing: fts5vocab looks its table up when read).
        from archive.search_index import FTS_TABLES, vocab_sql

        for fts in FTS_TABLES:
            dbapi_conn.execute(vocab_sql(fts))
        dbapi_conn.execute("PRAGMA query_only=ON")  # a second lock on the door

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def reader_engine(path: Path, *, pool_size: int = 8) -> Engine:
    """An engine for a long-running reader beside writers (``luutru serve`` while crawls
    run): ``mode=ro`` connections that can never write (``query_only`` besides), in a pool
    of ``pool_size``. Unlike ``read_only_engine`` it never reads a WAL archive as
    ``immutable`` (that would not see the writers' commits) as long as the directory can
    be written (SQLite then keeps the ``-shm`` index there itself); on read-only storage it
    is ``read_only_engine``'s URI, where nobody writes. WAL mode itself is the writer's
    business: the process that opens the archive for writing switches it (``_use_wal``)."""
    if is_writable(path.parent, path):
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    else:
        uri = read_only_uri(path)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)

    engine = create_engine(
        "sqlite://", creator=connect, poolclass=QueuePool, pool_size=pool_size, max_overflow=0
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        # Prefix searches read the FTS vocabulary through a temp table; query_only would
        # refuse to create it later, so it is made first (before the table exists it
        # costs nothing: fts5vocab looks its table up when read).
        from archive.search_index import FTS_TABLES, vocab_sql

        for fts in FTS_TABLES:
            dbapi_conn.execute(vocab_sql(fts))
        dbapi_conn.execute("PRAGMA query_only=ON")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def server_reader_engine(
    url: str, *, pool_size: int = 8, pre_ping: bool = True, generic_plans: bool = False
) -> Engine:
    """A reader's engine on a server database (PostgreSQL): every session read-only, so a
    bug in a reading path fails instead of writing; ``pool_size`` connections at most.
    ``pre_ping``: each checkout first tests its connection (a round trip).
    ``generic_plans``: statements whose plan does not depend on their parameters (index
    seeks) are planned once, not at every run as _PG_SESSION has searches planned."""
    engine = create_engine(url, pool_pre_ping=pre_ping, pool_size=pool_size, max_overflow=0)
    if engine.dialect.name == "postgresql":
        more = ("SET plan_cache_mode = auto",) if generic_plans else ()
        _pg_session(engine, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", *more)
    return engine


# A search's statements are the same text whatever it looks for, and psycopg prepares a
# statement on its fifth run; PostgreSQL then may plan it once for any words, blind to
# how many rows they match (a bitmap scan ranking every match of a common word: 1.3 s
# instead of 30 ms at 100,000 articles). Planned for their parameters each time.
_PG_SESSION = ("SET plan_cache_mode = force_custom_plan",)


def _pg_session(engine: Engine, *more: str) -> None:
    """Every new connection of ``engine`` first runs _PG_SESSION and ``more``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cur:
            for statement in (*_PG_SESSION, *more):
                cur.execute(statement)
        dbapi_conn.autocommit = autocommit


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
    (_PG_SESSION); every write transaction first takes one transaction-scoped advisory
    lock, the equivalent of SQLite's ``BEGIN IMMEDIATE``: writers are serialised (so a
    read-then-write such as ``record`` or ``acquire_lease`` cannot lose a race), readers
    are never blocked (MVCC), and the lock goes with the commit or rollback."""
    _pg_session(engine)

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

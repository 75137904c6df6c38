"""Engines that only read an archive: from read-only storage (``read_only_engine``), beside
writers for ``luutru serve`` (``reader_engine``), and on a server database
(``server_reader_engine``); and the error that says an archive cannot be written or read
as it is. archive/db.py opens archives for writing and explains the read-only cases.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool


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

    _reads_only(engine)
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

    _reads_only(engine, busy_timeout_ms=30_000)
    return engine


def server_reader_engine(
    url: str, *, pool_size: int = 8, pre_ping: bool = True, generic_plans: bool = False
) -> Engine:
    """A reader's engine on a server database (PostgreSQL): every session read-only, so a
    bug in a reading path fails instead of writing; ``pool_size`` connections at most.
    ``pre_ping``: each checkout first tests its connection (a round trip).
    ``generic_plans``: statements whose plan does not depend on their parameters (index
    seeks) are planned once, not at every run as PG_SESSION has searches planned."""
    engine = create_engine(url, pool_pre_ping=pre_ping, pool_size=pool_size, max_overflow=0)
    if engine.dialect.name == "postgresql":
        more = ("SET plan_cache_mode = auto",) if generic_plans else ()
        pg_session(engine, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", *more)
    return engine


# A search's statements are the same text whatever it looks for, and psycopg prepares a
# statement on its fifth run; PostgreSQL then may plan it once for any words, blind to
# how many rows they match (a bitmap scan ranking every match of a common word: 1.3 s
# instead of 30 ms at 100,000 articles). Planned for their parameters each time.
PG_SESSION = ("SET plan_cache_mode = force_custom_plan",)


def pg_session(engine: Engine, *more: str) -> None:
    """Every new connection of ``engine`` first runs PG_SESSION and ``more``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cur:
            for statement in (*PG_SESSION, *more):
                cur.execute(statement)
        dbapi_conn.autocommit = autocommit


def _reads_only(engine: Engine, busy_timeout_ms: int | None = None) -> None:
    """Every connection of ``engine``: the driver's own transaction handling off (a plain
    deferred ``BEGIN`` from SQLAlchemy), the FTS vocabulary tables made, then
    ``query_only``; ``busy_timeout_ms`` when given."""

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
        if busy_timeout_ms is not None:
            dbapi_conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

"""The archive a command works on: its directory, its database and its configuration.

``--data`` (WARC files, logs, jobs, the SQLite file), ``--db`` (or ``LUUTRU_DB`` or the
configuration's ``[database] url``) and ``--config`` always travel together; this is the
one object that carries them. The archive is opened on first use and then shared by
everything the command does, so a command opens (and migrates) its database once.

Commands that only read (``search``, ``runs``, ``health``, …) set ``must_exist``: their
archive is opened as it is, never created and never migrated. A directory without an
archive, a database without luutru's schema, or a schema older than this luutru's is
refused with one line saying what to run instead, and nothing is written.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from luutru.config import Config, load_config
from luutru.errors import UsageError

if TYPE_CHECKING:
    from archive.core import ArchiveCore
    from archive.store import Archive

_Opened = TypeVar("_Opened", bound="ArchiveCore")
DB_FILENAME = "archive.sqlite"  # archive.core.DB_FILENAME, without importing the archive
CREATE_HINT = "run `luutru crawl` or `luutru demo` first"
NO_SCHEMA = "the database has no luutru schema"


def check_data_dir(data: Path) -> None:
    """``--data`` must be a directory, or not exist yet."""
    if data.exists() and not data.is_dir():
        raise UsageError(f"--data {data} is not a directory")


def _where(data: Path, db: str | None) -> str:
    if db is None:
        return str(data)
    from sqlalchemy.engine import make_url

    return make_url(db).render_as_string(hide_password=True)


def open_existing(data: Path, db: str | None = None, *, only_read: bool = False) -> Archive:
    """The archive at ``data`` (or ``db``) as it is (see ``open_existing_as``)."""
    from archive.store import Archive

    return open_existing_as(Archive, data, db, only_read=only_read)


def open_existing_core(
    data: Path, db: str | None = None, *, only_read: bool = False
) -> ArchiveCore:
    """``open_existing``'s archive with its lifecycle and runs only (archive/core.py):
    for commands that read runs, without loading the search and write code."""
    from archive.core import ArchiveCore

    return open_existing_as(ArchiveCore, data, db, only_read=only_read)


def open_existing_as(
    kind: type[_Opened], data: Path, db: str | None = None, *, only_read: bool = False
) -> _Opened:
    """The archive at ``data`` (or ``db``) as it is, as ``kind``: nothing created,
    nothing migrated.

    ``only_read`` (commands that never write): a settled SQLite file (rollback-journal
    mode, as every closed archive is) is opened ``mode=ro``, since switching it to WAL
    would itself be a write; a file that cannot be written is opened read-only whatever
    the command. UsageError when there is none there or its schema is not this
    luutru's; a database that cannot be reached raises the driver's error (the command
    line names it)."""
    from archive.db import make_engine
    from archive.readers import is_writable, read_only_engine
    from archive.revisions import head as revision_head
    from archive.revisions import revisions, schema_revision

    path: Path | None = None
    read_only = False
    if db is None:
        check_data_dir(data)
        path = data / DB_FILENAME
        if not path.is_file():
            raise UsageError(f"no archive at {data} ({CREATE_HINT})")
        in_wal = _check_sqlite_file(path, data)
        read_only = not is_writable(path.parent, path) or (only_read and not in_wal)
        if read_only:
            engine = _read_only(read_only_engine, path)
        else:
            from sqlalchemy.engine import URL

            # make_engine gives a SQLite file the archive's own setup (WAL, busy timeout);
            # a URL object, not a string, so no character of the path is read as syntax.
            engine = make_engine(URL.create("sqlite", database=str(path)))  # type: ignore[arg-type]
    else:
        engine = make_engine(db)
    where = _where(data, db)
    try:
        with engine.connect() as conn:
            revision = schema_revision(conn)
    except BaseException as exc:
        engine.dispose()
        _not_a_database(exc, path)
        raise
    try:
        if revision is None:
            raise UsageError(f"no archive at {where}: {NO_SCHEMA} ({CREATE_HINT})")
        known, _heads = revisions()
        head = revision_head()
        if revision != head:
            if revision in known:
                raise UsageError(
                    f"the archive at {where} has schema {revision}, this luutru reads {head}: "
                    "run `luutru migrate` first (reading commands change nothing)"
                )
            raise UsageError(
                f"the archive at {where} has schema {revision}, newer than this luutru "
                f"knows ({head}): upgrade luutru"
            )
    except BaseException:
        engine.dispose()
        raise
    return kind(engine, path=path, read_only=read_only)


def _read_only(factory: Any, path: Path) -> Any:
    """``read_only_engine(path)``, its refusal (a WAL log without its index) as one line."""
    from archive.readers import ReadOnlyArchiveError

    try:
        return factory(path)
    except ReadOnlyArchiveError as exc:
        raise UsageError(str(exc)) from None


def _check_sqlite_file(path: Path, data: Path) -> bool:
    """Look at ``path`` without writing to it: opening it as the archive would switch a
    file that is not one to WAL (a write), so anything but a luutru archive is refused
    from its header, or from a read-only look at its tables."""
    import sqlite3

    with path.open("rb") as fh:
        header = fh.read(100)
    if not header:
        raise UsageError(f"no archive at {data}: {NO_SCHEMA} ({CREATE_HINT})")
    if not header.startswith(b"SQLite format 3\x00"):
        raise UsageError(f"{path} is not a luutru archive (not an SQLite database)")
    if header[18:20] == b"\x02\x02":  # WAL: an archive luutru has open (or left open)
        return True
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    if not {"alembic_version", "runs"} <= {name for (name,) in rows}:
        raise UsageError(f"no archive at {data}: {NO_SCHEMA} ({CREATE_HINT})")
    return False


def _not_a_database(exc: BaseException, path: Path | None) -> None:
    """SQLite's "file is not a database" as the file it is about."""
    if path is not None and "not a database" in str(exc):
        raise UsageError(f"{path} is not a luutru archive (not an SQLite database)") from exc


def open_or_create(data: Path, db: str | None = None) -> Archive:
    """The archive at ``data`` (or ``db``), created or migrated to this luutru's schema."""
    from archive.store import Archive

    if db is None:
        check_data_dir(data)
    try:
        return Archive.open(data, url=db)
    except Exception as exc:
        _not_a_database(exc, data / DB_FILENAME if db is None else None)
        raise


@dataclass
class Workspace:
    data: Path
    db: str | None = None  # None: the SQLite file under ``data``
    config_path: str | None = None  # --config; None: <data>/luutru.toml or LUUTRU_CONFIG
    must_exist: bool = False  # reading commands: never create or migrate the archive
    only_read: bool = False  # and never write it (not `serve`, whose operators act)
    _config: Config | None = field(default=None, repr=False)
    _archive: Archive | None = field(default=None, repr=False)
    _core: ArchiveCore | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def resolve(
        cls,
        data: str | Path,
        db: str | None = None,
        config_path: str | None = None,
        *,
        must_exist: bool = False,
        only_read: bool = False,
    ) -> Workspace:
        """``db`` from the argument, else env ``LUUTRU_DB``, else ``[database] url``."""
        space = cls(Path(data), None, config_path, must_exist, only_read)
        check_data_dir(space.data)
        space.db = db or os.environ.get("LUUTRU_DB") or space.config.database.url or None
        return space

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.data, self.config_path)
        return self._config

    @property
    def archive(self) -> Archive:
        """The archive, opened on first use and kept open: created and migrated, or, with
        ``must_exist``, as it is (see ``open_existing``)."""
        with self._lock:  # the scheduler's job threads share one workspace
            if self._archive is None:
                if self._core is not None:  # one engine per workspace: the whole one now
                    self._core.close()
                    self._core = None
                if self.must_exist:
                    self._archive = open_existing(self.data, self.db, only_read=self.only_read)
                else:
                    self._archive = open_or_create(self.data, self.db)
            return self._archive

    @property
    def archive_core(self) -> ArchiveCore:
        """The archive for a command that reads runs only (``health``, ``runs``, ``log``):
        the whole archive if it is open, else its lifecycle and runs alone (a tenth of
        such a command's start went to loading search and write code it never calls)."""
        with self._lock:
            if self._archive is not None:
                return self._archive
            if self._core is None:
                if self.must_exist:
                    self._core = open_existing_core(self.data, self.db, only_read=self.only_read)
                else:
                    self._core = open_or_create(self.data, self.db)
            return self._core

    @property
    def is_open(self) -> bool:
        return self._archive is not None or self._core is not None

    def close(self) -> None:
        with self._lock:
            for opened in (self._archive, self._core):
                if opened is not None:
                    opened.close()
            self._archive = self._core = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_shared: dict[tuple[str, str | None, str | None], Workspace] = {}
_shared_lock = threading.Lock()


def shared_workspace(data: str | Path, config_path: str | None = None) -> Workspace:
    """One workspace per archive for a long-running process (the scheduler), whose job
    functions are stored with plain-string arguments and so cannot carry the object."""
    key = (str(data), os.environ.get("LUUTRU_DB") or None, config_path)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Workspace.resolve(data, key[1], config_path)
        return _shared[key]

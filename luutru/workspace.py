"""The archive a command works on: its directory, its database and its configuration.

``--data`` (WARC files, logs, jobs, the SQLite file), ``--db`` (or ``LUUTRU_DB`` or the
configuration's ``[database] url``) and ``--config`` always travel together; this is the
one object that carries them. The archive is opened on first use and then shared by
everything the command does, so a command opens (and migrates) its database once.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from luutru.config import Config, load_config

if TYPE_CHECKING:
    from archive.store import Archive


@dataclass
class Workspace:
    data: Path
    db: str | None = None  # None: the SQLite file under ``data``
    config_path: str | None = None  # --config; None: <data>/luutru.toml or LUUTRU_CONFIG
    _config: Config | None = field(default=None, repr=False)
    _archive: Archive | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def resolve(
        cls, data: str | Path, db: str | None = None, config_path: str | None = None
    ) -> Workspace:
        """``db`` from the argument, else env ``LUUTRU_DB``, else ``[database] url``."""
        space = cls(Path(data), None, config_path)
        space.db = db or os.environ.get("LUUTRU_DB") or space.config.database.url or None
        return space

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.data, self.config_path)
        return self._config

    @property
    def archive(self) -> Archive:
        """The archive, opened (created, migrated) on first use and kept open."""
        with self._lock:  # the scheduler's job threads share one workspace
            if self._archive is None:
                from archive.store import Archive

                self._archive = Archive.open(self.data, url=self.db)
            return self._archive

    @property
    def is_open(self) -> bool:
        return self._archive is not None

    def close(self) -> None:
        with self._lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None

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

"""PostgreSQL's write lock (archive/db.py) is the archive's, not the database's: writers of
one archive wait for each other, archives in two schemas of one database do not."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy.exc import OperationalError

from archive.store import Archive
from tests.conftest import _pg_schema


def _impatient(url: str) -> str:
    # a write that would wait for the lock fails after 2 s instead (lock_timeout covers
    # advisory locks), so a wrong answer is an error, not a hang
    return url.replace("options=", "options=" + quote("-clock_timeout=2000 "), 1)


def test_two_schemas_write_at_once_one_archive_waits(pg_url: str) -> None:
    with (
        _pg_schema() as other_url,
        Archive.open(url=pg_url) as first,
        Archive.open(url=_impatient(other_url)) as other,  # opening migrates: a write
        Archive.open(url=_impatient(pg_url)) as same,
        first._write() as conn,  # first's write transaction holds its lock
    ):
        conn.exec_driver_sql("SELECT 1")
        assert other.start_run("other-schema") > 0  # another archive: not blocked
        with pytest.raises(OperationalError, match="lock timeout"):
            same.start_run("same-schema")  # the same archive: waits

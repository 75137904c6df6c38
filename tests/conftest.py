"""Both archive backends: SQLite (always) and PostgreSQL (when LUUTRU_TEST_PG_URL is set).

A module that marks itself ``pytestmark = pytest.mark.usefixtures("backend")`` (or
``"backend_module"`` when its fixtures are module-scoped) runs every test twice: once on
SQLite as before, once with ``Archive.open`` pointed at a fresh PostgreSQL schema (created
for the test, dropped after it) and env ``LUUTRU_DB`` set, so CLI subprocesses use it too.
WARC files and logs stay under the test's data directory, as with ``--db``.

    LUUTRU_TEST_PG_URL=postgresql+psycopg://luutru:luutru@127.0.0.1/luutru_test pytest
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

PG_URL = os.environ.get("LUUTRU_TEST_PG_URL") or None
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@contextlib.contextmanager
def _pg_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped after."""
    from sqlalchemy import create_engine

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def _real_open() -> Any:
    """``Archive.open`` as archive/store.py defines it, under any PostgreSQL patch."""
    from archive.store import Archive

    func = Archive.open.__func__  # type: ignore[attr-defined]
    return getattr(func, "real_open", func)


@contextlib.contextmanager
def _use_backend(name: str) -> Iterator[str | None]:
    from archive.store import Archive

    real_open = _real_open()
    if name == "sqlite":
        # A SQLite test may run while a module-scoped PostgreSQL backend of the same module
        # is still set up (its tests ran first): undo that for this test, or it would
        # open, and its CLI subprocesses write into, that module's PostgreSQL schema.
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Archive, "open", classmethod(real_open))
            mp.delenv("LUUTRU_DB", raising=False)
            yield None
        return
    with _pg_schema() as url, pytest.MonkeyPatch.context() as mp:

        def open_(cls, data_dir=None, *, url=None, _test_url=url):
            return real_open(cls, data_dir, url=url or _test_url)

        open_.real_open = real_open  # type: ignore[attr-defined]
        mp.setattr(Archive, "open", classmethod(open_))
        mp.setenv("LUUTRU_DB", url)
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request) -> Iterator[str | None]:
    """The archive database URL of this test (None: the SQLite file under --data)."""
    with _use_backend(request.param) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def backend_module(request) -> Iterator[str | None]:
    """``backend`` for modules whose archive fixtures are module-scoped."""
    with _use_backend(request.param) as url:
        yield url


@pytest.fixture
def fresh_backend(backend_module: str | None) -> Iterator[str | None]:
    """Inside a ``backend_module`` module: a test of its own on a fresh schema."""
    if backend_module is None:
        yield None
        return
    with _use_backend("postgresql") as url:
        yield url


@pytest.fixture
def pg_url(request) -> Iterator[str]:
    """A fresh PostgreSQL schema for a test that exists only on PostgreSQL (the worker
    drill, PostgreSQL migrations): skipped without LUUTRU_TEST_PG_URL, failed in CI."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run {request.node.name}: LUUTRU_TEST_PG_URL is not set")
        pytest.skip("needs PostgreSQL (LUUTRU_TEST_PG_URL)")
    with _pg_schema() as url:
        yield url

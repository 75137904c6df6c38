"""A new SQLite archive's schema from one script instead of replaying every migration.

Creating an archive ran Alembic over all its migrations: 0.18 s (0.11 of them importing
Alembic) before a first crawl's first request, and in every test that makes an archive.
``schema_head.sql`` beside this module is the schema those migrations build, dumped from
a database they built (``python tests/regen_schema.py`` writes it again): its tables,
indexes, views and triggers as SQLite keeps their SQL, and the ``alembic_version`` row.
A new archive runs it in one transaction when it names the migrations' head; otherwise
(a migration added and the script not written again) the archive is migrated as before.
tests/test_schema_snapshot.py holds the two ways to the same database, object by object
and row by row, and the script to the head. Existing archives and PostgreSQL are
migrated by Alembic as always (archive/db.py).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from archive import revisions

SNAPSHOT = Path(__file__).resolve().with_name("schema_head.sql")
_HEADER = "-- luutru archive schema at revision {revision}"
_HEADER_RE = re.compile(r"^-- luutru archive schema at revision (\S+)$", re.M)
# FTS5 makes these for each of its tables; creating the table makes them again.
_FTS5_SHADOWS = ("data", "idx", "content", "docsize", "config")


def dump(conn: sqlite3.Connection) -> str:
    """The schema script of the database behind ``conn`` (built by the migrations)."""
    (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    virtual = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    ]
    shadows = {f"{name}_{suffix}" for name in virtual for suffix in _FTS5_SHADOWS}
    statements = []
    # Tables first: a table rebuilt by a migration comes after its indexes in
    # sqlite_master's order.
    for kind in ("table", "index", "view", "trigger"):
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
            (kind,),
        ):
            if name in shadows:
                continue
            if kind == "table" and name != "alembic_version" and name not in virtual:
                (rows,) = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()
                if rows:  # a migration that seeds rows would need them in the script
                    raise ValueError(f"table {name} has {rows} row(s): not in a schema script")
            statements.append(f"{sql};")
    statements.append(f"INSERT INTO alembic_version (version_num) VALUES ('{revision}');")
    return _HEADER.format(revision=revision) + "\n" + "\n".join(statements) + "\n"


def revision_of(script: str) -> str | None:
    found = _HEADER_RE.search(script)
    return found.group(1) if found else None


def load(conn: sqlite3.Connection) -> bool:
    """Build the head schema in the empty database behind ``conn``, in one transaction;
    False (nothing done) when the script is missing or not at the migrations' head."""
    try:
        script = SNAPSHOT.read_text(encoding="utf-8")
    except OSError:
        return False
    if revision_of(script) != revisions.head():
        return False
    conn.executescript(f"BEGIN IMMEDIATE;\n{script}COMMIT;\n")
    return True

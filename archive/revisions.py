"""Which schema revision a database is at, and which this luutru's migrations lead to,
without loading Alembic.

Why: importing Alembic and reading its script directory costs a third of a second of
CPU. Every process that opens an archive asked it whether there was anything to migrate
(every site crawl, each of them a process of its own, every scheduled run), and almost
always there was not. The answer is two small reads: the ``revision``/``down_revision``
lines of the migration files, and the database's ``alembic_version`` table. Alembic is
loaded only when there is something to do (archive/db.py ``migrate``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(?:None|['\"]([^'\"]+)['\"])", re.M)


@cache
def revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(every revision, the head revisions) of the archive's migrations, read from the
    migration files' ``revision``/``down_revision`` lines; from Alembic itself when a
    file is not laid out that way (a merge revision's tuple, say)."""
    known: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None or down is None:
            return alembic_revisions()
        known.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    if not known:
        return alembic_revisions()
    return frozenset(known), frozenset(known - parents)


def alembic_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """What ``revisions`` reads, as Alembic's script directory has it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    return (
        frozenset(s.revision for s in script.walk_revisions()),
        frozenset(script.get_heads()),
    )


def head() -> str:
    """The head revision(s), comma-separated in order (as ``schema_revision`` gives)."""
    return ",".join(sorted(revisions()[1]))


def schema_revision(conn: Any) -> str | None:
    """The revision(s) the database on ``conn`` is at (Alembic's table), comma-separated
    in order; None: no luutru schema there (no version table, or no ``runs`` table)."""
    from sqlalchemy import inspect, text

    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables or "runs" not in tables:
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(rows)) or None

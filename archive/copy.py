"""Copy a whole archive database to another backend (SQLite ⇄ PostgreSQL): ``luutru copy``.

Every table of ``archive.schema.metadata`` is copied row by row with its ids, parents
before children, into a destination that is migrated to head and must hold no archive
rows yet. The search index is not copied (its storage differs per backend: FTS5 tables on
SQLite, tsvector columns on PostgreSQL): it is rebuilt on the destination from the copied
versions. On PostgreSQL the id sequences are moved past the copied ids. Both ends are then
compared table by table (row counts and a digest of every row). WARC files and logs are
not in the database: they stay under ``--data``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from archive import search
from archive.schema import metadata, search_docs
from archive.store import Archive

_BATCH = 1000
_SKIP = {search_docs.name}  # rebuilt on the destination, not copied


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    indexed: int = 0  # versions indexed for search on the destination
    problems: list[str] = field(default_factory=list)  # differences found by the check

    @property
    def ok(self) -> bool:
        return not self.problems


def _tables():
    return [t for t in metadata.sorted_tables if t.name not in _SKIP]


def _count(table):
    return select(func.count()).select_from(table)


def _ordered(table):
    return select(table).order_by(*table.primary_key.columns)


def copy_archive(source: Archive, dest: Archive) -> CopyReport:
    """Copy ``source`` into the empty ``dest`` (one destination transaction), rebuild its
    search index, then compare both ends (``CopyReport.problems``)."""
    report = CopyReport()
    with source._read() as src, dest._write() as dst:
        busy = [t.name for t in _tables() if dst.execute(_count(t)).scalar()]
        if busy:
            raise ValueError(
                f"the destination archive is not empty ({', '.join(busy)}): copy only into a "
                "new database"
            )
        for table in _tables():
            copied = 0
            batch: list[dict] = []
            for row in src.execute(_ordered(table)).mappings():
                batch.append(dict(row))
                if len(batch) >= _BATCH:
                    dst.execute(table.insert(), batch)
                    copied += len(batch)
                    batch = []
            if batch:
                dst.execute(table.insert(), batch)
                copied += len(batch)
            report.rows[table.name] = copied
        if dst.dialect.name == "postgresql":
            _reset_sequences(dst)
        report.indexed = search.rebuild(dst)
    report.problems = compare(source, dest)
    return report


def _reset_sequences(conn: Connection) -> None:
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        seq = conn.exec_driver_sql(
            f"SELECT pg_get_serial_sequence('{table.name}', '{pk[0].name}')"
        ).scalar()
        if seq:
            conn.exec_driver_sql(
                f"SELECT setval('{seq}', "
                f"coalesce((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"
            )


def _digest(conn: Connection, table) -> tuple[int, str]:
    h = hashlib.sha256()
    count = 0
    for row in conn.execute(_ordered(table)):
        count += 1
        h.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)).encode())
    return count, h.hexdigest()


def compare(a: Archive, b: Archive) -> list[str]:
    """Differences between two archives' tables (rows and content), search index aside;
    plus the search index of each holding one row per version."""
    problems = []
    with a._read() as ca, b._read() as cb:
        for table in _tables():
            (na, da), (nb, db) = _digest(ca, table), _digest(cb, table)
            if na != nb:
                problems.append(f"{table.name}: {na} rows in the source, {nb} in the destination")
            elif da != db:
                problems.append(f"{table.name}: same row count ({na}) but different content")
        for name, conn in (("source", ca), ("destination", cb)):
            versions_n = conn.execute(_count(metadata.tables["versions"])).scalar()
            docs_n = conn.execute(_count(search_docs)).scalar()
            if conn.dialect.name in ("sqlite", "postgresql") and versions_n != docs_n:
                problems.append(
                    f"{name}: search index has {docs_n} rows for {versions_n} versions "
                    "(luutru search --reindex)"
                )
    return problems

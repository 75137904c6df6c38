"""The database half of ``luutru verify``, reading the database about once.

Before, SQLite's ``PRAGMA integrity_check`` read every page, then the re-hash of every
version read the ``versions`` table (most of the file) again: 2.35× the database's bytes.
Now ``integrity_check`` runs table by table (``PRAGMA integrity_check(T)``, SQLite ≥ 3.33:
the table and its indexes) for every table but ``versions`` and the search index's FTS5
segment tables (read through once instead: ``integrity_check`` reads those twice).
``versions`` is read once, by the re-hash, which then stands in for the structural check
of its table: a damaged page fails the read (reported, not raised), a changed byte fails
its content hash; and each of its indexes is read on its own (covering, so only the
index's pages) and must hold exactly the rows' values: an order-free checksum of (key
columns, rowid) per index, compared with the same checksum over the table pass. What
per-table checks leave out: pages that belong to no table (lost space, no lost data).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from archive.schema import versions
from archive.versions import content_hash

_MASK = (1 << 64) - 1
# What the re-hash reads: the content fields, the row's identity and its WARC pointer;
# not the compressed HTML nor the MinHash (extra overflow pages, hashed by nothing).
_COLUMNS = (
    "id", "article_id", "number", "run_id", "content_hash", "title", "date", "datetime",
    "author", "source", "summary", "body", "category", "attachments", "fetched_url",
    "warc_file", "warc_offset", "warc_length", "payload_digest",
)  # fmt: skip


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _indexes(conn: Connection) -> dict[str, list[str]] | None:
    """Index name -> its key columns, for the indexes of ``versions``; None when one is
    on an expression (then only ``integrity_check(versions)`` can check it)."""
    out: dict[str, list[str]] = {}
    for row in conn.exec_driver_sql("PRAGMA index_list(versions)").all():
        name = row[1]
        cols = [r for r in conn.exec_driver_sql(f"PRAGMA index_xinfo({_quote(name)})") if r[5]]
        if any(r[2] is None for r in cols) or row[4]:  # expression, or partial index
            return None
        out[name] = [r[2] for r in cols]
    return out


def integrity(conn: Connection, problems: list[str]) -> dict[str, list[str]]:
    """``integrity_check`` of every table but ``versions``; the indexes of ``versions``
    left for ``check_indexes`` (all of them checked here too if that cannot be done)."""
    indexes = _indexes(conn)
    tables = [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
    )]  # fmt: skip
    segments = _fts_segment_tables(conn)
    for table in tables:
        if table == "versions" and indexes is not None:
            continue
        if table in segments:
            _read_through(conn, table, problems)
            continue
        result = [r[0] for r in conn.exec_driver_sql(f"PRAGMA integrity_check({_quote(table)})")]
        if result != ["ok"]:
            problems.extend(f"database: {line}" for line in result)
    return indexes or {}


def _fts_segment_tables(conn: Connection) -> set[str]:
    """The ``<name>_data`` tables of the FTS5 indexes: the search index's segments, blobs
    over overflow pages, a third of the file."""
    names = conn.exec_driver_sql(
        "SELECT name FROM sqlite_schema WHERE type = 'table' "
        "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
    ).scalars()
    return {f"{name}_data" for name in names}


def _read_through(conn: Connection, table: str, problems: list[str]) -> None:
    """Every segment of an FTS5 index read once instead of ``integrity_check(T)``, which
    reads such a table twice whenever it is larger than SQLite's page cache (measured at
    10,000 versions: 1.9x the table). Fetching each blob follows its overflow chain, so a
    damaged page fails the read; the index is derived from ``versions`` and rebuilt by
    ``luutru search --reindex``."""
    try:
        for _row in conn.exec_driver_sql(f"SELECT block FROM {_quote(table)}"):
            pass
    except Exception as exc:  # a damaged page: sqlite3.DatabaseError through SQLAlchemy
        first = f"{exc}".splitlines()[0]
        problems.append(
            f"database: search index table {table} cannot be read: {first} "
            "(rebuild it with `luutru search --reindex`)"
        )


def _row_sum(values: tuple[Any, ...]) -> int:
    return hash(values) & _MASK


def versions_rows(
    conn: Connection, indexes: dict[str, list[str]], problems: list[str]
) -> Iterator[dict[str, Any]]:
    """Every version row (the columns verify needs), its content hash checked; then each
    index of ``versions`` compared with what the rows hold."""
    sums = dict.fromkeys(indexes, 0)
    query = select(*(versions.c[name] for name in _COLUMNS)).order_by(versions.c.id)
    try:
        for row in conn.execute(query).mappings():
            fields = dict(row)
            fields["attachments"] = json.loads(fields["attachments"] or "[]")
            if content_hash(fields) != row["content_hash"]:
                problems.append(
                    f"database: version {row['number']} of article {row['article_id']} "
                    f"(version id {row['id']}): content does not match its hash"
                )
            for name, cols in indexes.items():
                sums[name] = (sums[name] + _row_sum((*(row[c] for c in cols), row["id"]))) & _MASK
            yield row
    except Exception as exc:  # a damaged page: sqlite3.DatabaseError through SQLAlchemy
        problems.append(f"database: versions table cannot be read: {exc}".splitlines()[0])
        return
    check_indexes(conn, indexes, sums, problems)


def check_indexes(
    conn: Connection, indexes: dict[str, list[str]], sums: dict[str, int], problems: list[str]
) -> None:
    for name, cols in indexes.items():
        listed = ", ".join(_quote(c) for c in cols)
        total = 0
        try:
            for values in conn.exec_driver_sql(
                f"SELECT {listed}, id FROM versions INDEXED BY {_quote(name)}"
            ):
                total = (total + _row_sum(tuple(values))) & _MASK
        except Exception as exc:
            problems.append(f"database: index {name} cannot be read: {exc}".splitlines()[0])
            continue
        if total != sums[name]:
            problems.append(f"database: index {name} does not match the versions table")

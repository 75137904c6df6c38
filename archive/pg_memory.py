"""Does PostgreSQL's buffer cache hold what a search reads? Advice for `luutru health`.

A search tests and ranks rows of ``search_docs``: its heap, where the vectors are kept
(migration 0010), and its GIN indexes. At 100,000 articles one common word pair walks
24,891 heap pages (docs/performance.md, ninth pass). With PostgreSQL's default
``shared_buffers`` (128 MB) those pages come from the OS on every search: p95 88-101 ms,
against 67 ms with the table in shared buffers. The vectors' TOAST and the other tables
are left out of the count: a search does not read them.
"""

from __future__ import annotations

from sqlalchemy import Connection

MB = 1024 * 1024


def search_memory(conn: Connection) -> tuple[int, int]:
    """(``shared_buffers`` in bytes, bytes of ``search_docs``' heap and indexes)."""
    row = conn.exec_driver_sql(
        "SELECT pg_size_bytes(current_setting('shared_buffers')), "
        "pg_relation_size('search_docs') + pg_indexes_size('search_docs')"
    ).one()
    return int(row[0]), int(row[1])


def advice(shared: int, searched: int) -> str | None:
    """A note for the operator when searches read more than ``shared_buffers`` holds."""
    if searched <= shared:
        return None
    return (
        f"PostgreSQL shared_buffers ({shared / MB:,.0f} MB) is smaller than what searches "
        f"read (search_docs and its indexes, {searched / MB:,.0f} MB): searches read it "
        "from disk and are slower; raise shared_buffers (docs/deployment.md)"
    )

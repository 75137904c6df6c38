"""Columnar export: Parquet writer for export rows (plain dicts, see ``archive.export``).

The schema is explicit rather than inferred: inference from the first batch would make
a column that happens to be all-None there ``null``-typed and break the next batch, and
an empty export would have no schema at all. Rows are written in batches of
``BATCH_ROWS`` so memory stays flat however many articles the archive holds.

Column types (docs/exports.md):

- ``date``: Parquet ``DATE`` (``date32``), the day printed on the page.
- ``datetime``, ``removed_at``, ``first_seen``, ``last_seen``, ``fetched_at``: Parquet
  ``TIMESTAMP(MICROS, isAdjustedToUTC)``, i.e. instants; the Arrow schema stored in the
  file names the time zone ``+07:00`` (Asia/Ho_Chi_Minh has had no DST since 1975, so
  the fixed offset is exact and needs no tz database in the reader), and pandas, Polars,
  DuckDB and Spark read them as time-zone-aware timestamps without parsing.
- ``aliases``, ``attachments``: ``list<string>``; ``version``, ``version_count``: ``int64``.
- ``attachment_files``: ``list<struct<url, filename, kind, size: int64, sha256, version:
  int64, text_status>>``.
- everything else: ``string`` (NFC).

A value that is not a valid ISO date/timestamp fails the export with the column and the
value named: a typed column cannot hold it, and dropping it silently would lose data.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from archive.times import VN_TZ

BATCH_ROWS = 1_000

LIST_COLUMNS: frozenset[str] = frozenset({"aliases", "attachments"})
INT_COLUMNS: frozenset[str] = frozenset({"version", "version_count"})
DATE_COLUMNS: frozenset[str] = frozenset({"date"})
TIMESTAMP_COLUMNS: frozenset[str] = frozenset(
    {"datetime", "removed_at", "first_seen", "last_seen", "fetched_at"}
)
# Microseconds: the unit every Parquet reader maps to its own timestamp type (seconds are
# not a Parquet unit; the archive's values are whole seconds, so nothing is rounded).
TIMESTAMP_TYPE = pa.timestamp("us", tz="+07:00")
DATE_TYPE = pa.date32()


# archive/export.py's attached files: one struct per file.
FILES_TYPE = pa.list_(
    pa.struct(
        [("url", pa.string()), ("filename", pa.string()), ("kind", pa.string()),
         ("size", pa.int64()), ("sha256", pa.string()), ("version", pa.int64()),
         ("text_status", pa.string())]
    )
)  # fmt: skip


def column_type(name: str) -> pa.DataType:
    if name == "attachment_files":
        return FILES_TYPE
    if name in LIST_COLUMNS:
        return pa.list_(pa.string())
    if name in INT_COLUMNS:
        return pa.int64()
    if name in DATE_COLUMNS:
        return DATE_TYPE
    if name in TIMESTAMP_COLUMNS:
        return TIMESTAMP_TYPE
    return pa.string()


def schema_for(columns: Sequence[str] | Mapping[str, str]) -> pa.Schema:
    """The Parquet schema for ``columns``, in that order; every field nullable.

    ``columns`` may map each name to its description, kept as the field's ``description``
    metadata (so the file documents itself: ``pq.read_schema(path).field(name).metadata``).
    """
    docs = columns if isinstance(columns, Mapping) else {}
    return pa.schema(
        [
            pa.field(
                name,
                column_type(name),
                nullable=True,
                metadata={"description": docs[name]} if docs.get(name) else None,
            )
            for name in columns
        ]
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        text = value.isoformat()
    else:
        text = value if isinstance(value, str) else str(value)
    return unicodedata.normalize("NFC", text)


def _date(name: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(VN_TZ).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"column {name!r}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _timestamp(name: str, value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"column {name!r}: {value!r} is not an ISO 8601 timestamp") from None
    # Naive means Vietnam time, as everywhere in the archive (archive/times.py).
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def _cell(name: str, value: Any) -> Any:
    if name == "attachment_files":
        return None if value is None else [dict(v) for v in value]
    if name in LIST_COLUMNS:
        if value is None:
            return None
        if isinstance(value, str):  # one bare string is a one-item list, not its letters
            value = [value]
        return [_text(v) for v in value]
    if name in INT_COLUMNS:
        return None if value is None else int(value)
    if name in DATE_COLUMNS:
        return _date(name, value)
    if name in TIMESTAMP_COLUMNS:
        return _timestamp(name, value)
    return _text(value)


def write_parquet(
    rows: Iterable[Mapping[str, Any]], path: Path, columns: Sequence[str] | Mapping[str, str]
) -> int:
    """Write ``rows`` (only ``columns``, in that order) to a Parquet file; return row count.

    Missing keys become null. Zero rows still produce a valid file carrying the schema.
    ``columns`` may map names to descriptions (see ``schema_for``).
    """
    if not columns:
        raise ValueError("columns must not be empty")
    schema = schema_for(columns)
    path = Path(path)
    # Written beside the target and renamed at the end: a crash mid-export never leaves a
    # truncated file that looks like a finished export.
    tmp = path.with_name(path.name + ".tmp")
    try:
        count = _write(rows, tmp, schema)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _write(rows: Iterable[Mapping[str, Any]], path: Path, schema: pa.Schema) -> int:
    columns = schema.names
    batch: dict[str, list[Any]] = {name: [] for name in columns}
    count = pending = 0
    # zstd: much smaller than snappy on repetitive Vietnamese prose, and read everywhere.
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:

        def flush() -> None:
            arrays = [pa.array(batch[f.name], type=f.type) for f in schema]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            for values in batch.values():
                values.clear()

        for row in rows:
            for name in columns:
                batch[name].append(_cell(name, row.get(name)))
            count += 1
            pending += 1
            if pending >= BATCH_ROWS:
                flush()
                pending = 0
        if pending:
            flush()
    return count

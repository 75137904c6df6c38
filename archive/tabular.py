"""Columnar export: Parquet writer for export rows (plain dicts, see ``archive.export``).

The schema is explicit rather than inferred: inference from the first batch would make
a column that happens to be all-None there ``null``-typed and break the next batch, and
an empty export would have no schema at all. Rows are written in batches of
``BATCH_ROWS`` so memory stays flat however many articles the archive holds.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 1_000

LIST_COLUMNS: frozenset[str] = frozenset({"aliases", "attachments"})
INT_COLUMNS: frozenset[str] = frozenset({"version", "version_count"})
# Everything else is a nullable string: ids, text, and ISO dates / timestamps as the
# store already formats them (keeps the export byte-for-byte equal to JSONL / CSV values).


def column_type(name: str) -> pa.DataType:
    if name in LIST_COLUMNS:
        return pa.list_(pa.string())
    if name in INT_COLUMNS:
        return pa.int64()
    return pa.string()


def schema_for(columns: Sequence[str]) -> pa.Schema:
    """The Parquet schema for ``columns``, in that order; every field nullable."""
    return pa.schema([pa.field(name, column_type(name), nullable=True) for name in columns])


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        text = value.isoformat()
    else:
        text = value if isinstance(value, str) else str(value)
    return unicodedata.normalize("NFC", text)


def _cell(name: str, value: Any) -> Any:
    if name in LIST_COLUMNS:
        if value is None:
            return None
        if isinstance(value, str):  # one bare string is a one-item list, not its letters
            value = [value]
        return [_text(v) for v in value]
    if name in INT_COLUMNS:
        return None if value is None else int(value)
    return _text(value)


def write_parquet(rows: Iterable[Mapping[str, Any]], path: Path, columns: Sequence[str]) -> int:
    """Write ``rows`` (only ``columns``, in that order) to a Parquet file; return row count.

    Missing keys become null. Zero rows still produce a valid file carrying the schema.
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

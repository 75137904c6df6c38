"""Write archive/schema_head.sql again from a database the migrations build (run it after
adding a migration: tests/test_schema_snapshot.py fails until then).

    python tests/regen_schema.py
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import db, revisions, schema_snapshot


def migrated_dump() -> str:
    """``schema_snapshot.dump`` of a new database built by the migrations."""
    with tempfile.TemporaryDirectory(prefix="luutru-schema-") as tmp:
        path = Path(tmp) / "archive.sqlite"
        engine = db._sqlite_engine(path)
        try:
            db.migrate(engine)
        finally:
            engine.dispose()
        conn = sqlite3.connect(path)
        try:
            return schema_snapshot.dump(conn)
        finally:
            conn.close()


if __name__ == "__main__":
    schema_snapshot.SNAPSHOT.write_text(migrated_dump(), encoding="utf-8")
    print(f"wrote {schema_snapshot.SNAPSHOT} at revision {revisions.head()}", file=sys.stderr)

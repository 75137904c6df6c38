"""archive/revisions.py: the schema's head read without Alembic, and a migration that
loads Alembic only when there is something to upgrade."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from archive import revisions
from archive.db import alembic_config, migrate
from archive.store import Archive
from tests.fresh_python import output_of


def test_the_migration_files_read_as_alembic_reads_them() -> None:
    assert revisions.revisions() == revisions.alembic_revisions()


def test_head_is_the_one_revision_nothing_follows() -> None:
    known, heads = revisions.revisions()
    assert revisions.head() in known
    assert heads == {revisions.head()}


def test_an_archive_at_the_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    Archive.open(tmp_path).close()  # created and migrated here
    code = (
        "import sys\n"
        "from archive.store import Archive\n"
        f"Archive.open({str(tmp_path)!r}).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    assert output_of(code).strip() == "False"


def test_a_new_archive_is_migrated_to_the_head(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive, archive.engine.connect() as conn:
        assert revisions.schema_revision(conn) == revisions.head()
        assert "search_docs" in inspect(conn).get_table_names()


def test_an_archive_behind_the_head_is_still_upgraded(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        engine = archive.engine
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0007")  # 0008 adds the attachments
        with engine.connect() as conn:
            assert revisions.schema_revision(conn) == "0007"
            assert "attachments" not in inspect(conn).get_table_names()
        migrate(engine)
        with engine.connect() as conn:
            assert revisions.schema_revision(conn) == revisions.head()
            assert "attachments" in inspect(conn).get_table_names()


def test_a_database_without_the_runs_table_has_no_luutru_schema(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num TEXT)")
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0011')")
        with engine.connect() as conn:
            assert revisions.schema_revision(conn) is None
    finally:
        engine.dispose()

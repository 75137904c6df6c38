"""PostgreSQL search: a phrase no longer matches across title, summary and body

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

The generated ``tsvector`` columns of ``search_docs`` concatenated the three columns'
vectors end to end, so a phrase could match the last word of a title and the first word
of the summary, which FTS5 (SQLite) never does. They are regenerated with a one-position
hole between columns (``archive.search_index.PG_COLUMN_GAP``); PostgreSQL rewrites the
table and rebuilds both GIN indexes. Nothing to do on SQLite.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from archive.search_index import recreate_pg_tsvectors

        recreate_pg_tsvectors(bind, gap=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from archive.search_index import recreate_pg_tsvectors

        recreate_pg_tsvectors(bind, gap=False)

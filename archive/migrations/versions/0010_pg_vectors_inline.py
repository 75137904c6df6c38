"""PostgreSQL search: the tsvectors stay in their row, out of TOAST

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

A search tests and ranks the ``tsvector`` of up to ``RANK_CAP`` rows one at a time. Most
vectors are over TOAST's 2 KB threshold and were moved out of line, so each one cost an
index lookup in the TOAST table and several page reads (about 40 % of a search at 100,000
articles). Both vector columns get ``STORAGE MAIN`` (the indexed words are moved out
first, a vector only when its row would not fit a page). Only the storage is changed, in
no time: rows written from now on are laid out this way, existing ones stay correct and
move when the table is rewritten (``VACUUM FULL search_docs``, an exclusive lock for about
half a minute per 100,000 versions here, or ``luutru search --reindex``), which an operator plans;
an UPDATE of every row here would hold the archive's writers for an hour at a province's
five million versions and leave the table twice its size until vacuumed.
Nothing to do on SQLite. Downgrade puts the default storage back for rows written later.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from archive.search_index import keep_pg_vectors_inline

        keep_pg_vectors_inline(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from archive.search_index import keep_pg_vectors_inline

        keep_pg_vectors_inline(bind, inline=False)

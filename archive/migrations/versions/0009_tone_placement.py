"""Search: old and new tone placement are one spelling ("ủy"/"uỷ", "hòa"/"hoà")

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

``archive.fold.exact_key`` now places tones the new way before text is indexed, so the
exact-diacritics index (``search_exact`` on SQLite, ``*_x`` columns on PostgreSQL) of an
existing archive holds words no query spells any more ("ủy" where queries say "uỷ"). The
whole search index is rebuilt from ``versions`` (``archive.search_index.rebuild``, what
``luutru search --reindex`` does); nothing else changes. Downgrade leaves the index as it
is: run ``luutru search --reindex`` with the older luutru.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from archive.search_index import rebuild

    bind = op.get_bind()
    if bind.dialect.name in ("sqlite", "postgresql"):
        rebuild(bind)


def downgrade() -> None:
    pass

"""PostgreSQL search: a filter's matches found newest first through (site | author |
category, id) indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

A search filtered by site, or by an author or category picked from the facets (the folded
value equals), looks for the newest ``RANK_CAP`` matches passing the filter. Without an
index on the filtered column, PostgreSQL walked the whole table newest first and tested
every row: at 500,000 versions over 60 sites a common word filtered by one site passed the
5 s search timeout (docs/deployment.md, "Scale"). With ``(column, id)`` it walks only
the rows of that value, newest first, as an unfiltered search walks all rows. At
100,000 articles over 60 sites:
- one site went from 285-560 ms to 34-48 ms;
- an author facet went from 242-389 ms to 15 ms.

SQLite is left as it is. There the full-text index drives the search, and a second way
in would let the planner probe it one row at a time (docs/performance.md, bm25).
A typed author (a substring) cannot use an index and is unchanged.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_search_docs_site_id": ["site", "id"],
    "ix_search_docs_author_id": ["author_folded", "id"],
    "ix_search_docs_category_id": ["category_folded", "id"],
}


def upgrade() -> None:
    # IF NOT EXISTS: idempotent, as the other PostgreSQL search objects are (an archive
    # whose revision was set back is migrated again over what it has)
    if op.get_bind().dialect.name == "postgresql":
        for name, columns in INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON search_docs ({', '.join(columns)})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")

"""PostgreSQL search: a site's matches found newest first through an index on (site, id)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

A search filtered by site looks for the newest ``RANK_CAP`` matches of that site. Without
an index on the site, PostgreSQL walked the whole table newest first and tested every
row's site and words: at 500,000 versions over 60 sites, a common word filtered by one
site passed the 5 s search timeout (docs/deployment.md, "Scale"). With ``(site, id)`` it
walks that site's rows alone, newest first, as an unfiltered search walks all rows.
SQLite is left as it is: there the full-text index drives the search, and a second way
in would let the planner probe it one row at a time (docs/performance.md, bm25).
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEX = "ix_search_docs_site_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(INDEX, "search_docs", ["site", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(INDEX, table_name="search_docs")

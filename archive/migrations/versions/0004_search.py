"""full-text search: sites, search_docs and the FTS5 tables search_folded / search_exact

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

The two FTS5 virtual tables (SQLite only) are not in ``archive.schema.metadata``: they
are created here with raw SQL (``archive.search.create_fts_tables``). On PostgreSQL the
index lives in ``search_docs`` itself instead: folded/exact text columns, two generated
``tsvector`` columns and their GIN indexes (``archive.search.create_pg_search``). Either
way the index is then filled from the versions already archived (``archive.search.rebuild``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("province", sa.Text, nullable=True),
        sa.Column("department", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Integer, nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("author_folded", sa.Text, nullable=True),
        sa.Column("category_folded", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_docs")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_search_docs_version_id_versions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_search_docs_article_id_articles"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("version_id", name=op.f("uq_search_docs_version_id")),
    )
    op.create_index("ix_search_docs_article_id", "search_docs", ["article_id"])
    op.create_index("ix_search_docs_current_date", "search_docs", ["is_current", "date"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from archive.search import create_pg_search, rebuild

        create_pg_search(bind)
        rebuild(bind)
    elif bind.dialect.name == "sqlite":
        from archive.search import rebuild

        rebuild(bind)  # creates the FTS5 tables and indexes the versions already there


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_exact")
        op.execute("DROP TABLE IF EXISTS search_folded")
    op.drop_index("ix_search_docs_current_date", table_name="search_docs")
    op.drop_index("ix_search_docs_article_id", table_name="search_docs")
    op.drop_table("search_docs")
    op.drop_table("sites")

"""body HTML stored zstd-compressed (versions.body_html_zst)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

New versions keep ``body_html`` empty and the compressed HTML in ``body_html_zst``; rows
written before keep their plain ``body_html`` (versions are never rewritten).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("versions", sa.Column("body_html_zst", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("body_html_zst")

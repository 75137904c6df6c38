"""articles.listing_sig, versions.extraction

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Profiles without a listing date selector detect edits by the headline and date printed
in the listing item (crawler/listing/items.py). Existing rows get NULL: no comparison is
made until the article is next fetched. ``versions.extraction`` says how a version's
fields were extracted ("profile", or "generic" with the reason, e.g. a layout change that
left the profile's selectors matching nothing); NULL for versions written before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("listing_sig", sa.String(40), nullable=True))
    op.add_column("versions", sa.Column("extraction", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("extraction")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("listing_sig")

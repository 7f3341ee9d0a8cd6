"""voice_call: HTTP lookups callers may run (registered by the owner).

Revision ID: vc0005
Revises: vc0004
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0005"
down_revision = "vc0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caller_lookups",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("auth_header", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("caller_lookups")

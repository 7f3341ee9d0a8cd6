"""voice_call: per-turn timings of each call.

Revision ID: vc0007
Revises: vc0006
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0007"
down_revision = "vc0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("turns", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("turns")

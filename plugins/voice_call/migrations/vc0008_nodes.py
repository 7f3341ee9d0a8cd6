"""voice_call: several gateways on one store: the nodes, which node a call is on, which node is
dialling a scheduled call.

Revision ID: vc0008
Revises: vc0007
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0008"
down_revision = "vc0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("node", sa.String(128), nullable=True))
        batch.create_index("ix_calls_node", ["node"])
    with op.batch_alter_table("scheduled_calls") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_calls") as batch:
        batch.drop_column("claimed_by")
    with op.batch_alter_table("calls") as batch:
        batch.drop_index("ix_calls_node")
        batch.drop_column("node")
    op.drop_table("nodes")

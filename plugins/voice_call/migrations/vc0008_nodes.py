"""voice_call: several gateways on one store: the nodes, which node a call is on, which node is
dialling a scheduled call, and the owner's commands for a call on another node.

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
        sa.Column("calls", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("capacity", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "call_commands",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("node", sa.String(128), nullable=False),
        sa.Column("call_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(200), nullable=False),
    )
    op.create_index("ix_call_commands_node", "call_commands", ["node"])
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
    op.drop_index("ix_call_commands_node", table_name="call_commands")
    op.drop_table("call_commands")
    op.drop_table("nodes")

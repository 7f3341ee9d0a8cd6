"""voice_call: outbound calls (mode, message) and scheduled calls.

Revision ID: vc0002
Revises: vc0001
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0002"
down_revision = "vc0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=False, server_default="inbound"))
        batch.add_column(sa.Column("message", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "scheduled_calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("to_number", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(32)),
        sa.Column("outcome", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scheduled_calls_run_at", "scheduled_calls", ["run_at"])
    op.create_index("ix_scheduled_calls_status", "scheduled_calls", ["status"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_calls_status", table_name="scheduled_calls")
    op.drop_index("ix_scheduled_calls_run_at", table_name="scheduled_calls")
    op.drop_table("scheduled_calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("message")
        batch.drop_column("mode")

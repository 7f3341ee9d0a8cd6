"""voice_call: calls repeated by a recurrence rule, one scheduled row per occurrence.

Revision ID: vc0004
Revises: vc0003
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0004"
down_revision = "vc0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_series",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("to_number", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(300), nullable=False),
        sa.Column("starts", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_call_series_status", "call_series", ["status"])
    with op.batch_alter_table("scheduled_calls") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.create_index("ix_scheduled_calls_series_id", ["series_id"])
        batch.create_unique_constraint("uq_scheduled_calls_occurrence", ["series_id", "run_at"])


def downgrade() -> None:
    with op.batch_alter_table("scheduled_calls") as batch:
        batch.drop_constraint("uq_scheduled_calls_occurrence", type_="unique")
        batch.drop_index("ix_scheduled_calls_series_id")
        batch.drop_column("series_id")
    op.drop_index("ix_call_series_status", table_name="call_series")
    op.drop_table("call_series")

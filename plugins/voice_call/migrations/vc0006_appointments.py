"""voice_call: appointments callers booked.

Revision ID: vc0006
Revises: vc0005
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0006"
down_revision = "vc0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("caller_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("calendar_uid", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_appointments_starts_at", "appointments", ["starts_at"])
    op.create_index("ix_appointments_caller_number", "appointments", ["caller_number"])
    op.create_index("ix_appointments_status", "appointments", ["status"])


def downgrade() -> None:
    for index in ("ix_appointments_status", "ix_appointments_caller_number", "ix_appointments_starts_at"):
        op.drop_index(index, table_name="appointments")
    op.drop_table("appointments")

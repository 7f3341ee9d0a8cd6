"""voice_call: calls, webhook receipts, pairing requests.

Revision ID: vc0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0001"
down_revision = None
branch_labels = ("voice_call",)
depends_on = "0001"


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("carrier_call_id", sa.String(128), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("from_number", sa.String(32), nullable=False),
        sa.Column("to_number", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("end_reason", sa.String(200), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.UniqueConstraint("provider", "carrier_call_id", name="uq_calls_provider_carrier_id"),
    )
    op.create_index("ix_calls_state", "calls", ["state"])
    op.create_table(
        "webhook_receipts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "digest", name="uq_webhook_receipts_digest"),
    )
    op.create_table(
        "pairing_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pairing_requests_number", "pairing_requests", ["number"])


def downgrade() -> None:
    op.drop_index("ix_pairing_requests_number", table_name="pairing_requests")
    op.drop_table("pairing_requests")
    op.drop_table("webhook_receipts")
    op.drop_index("ix_calls_state", table_name="calls")
    op.drop_table("calls")

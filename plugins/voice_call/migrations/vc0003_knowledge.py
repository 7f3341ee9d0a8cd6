"""voice_call: what callers may know, searchable (SQLite FTS5, or PostgreSQL full text search).

Revision ID: vc0003
Revises: vc0002
"""

import sqlalchemy as sa
from alembic import op

revision = "vc0003"
down_revision = "vc0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # An external-content FTS5 index over knowledge.text, kept in step by triggers.
        op.execute("CREATE VIRTUAL TABLE knowledge_fts USING fts5(text, content='knowledge', content_rowid='id')")
        op.execute(
            "CREATE TRIGGER knowledge_ai AFTER INSERT ON knowledge BEGIN "
            "INSERT INTO knowledge_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER knowledge_ad AFTER DELETE ON knowledge BEGIN "
            "INSERT INTO knowledge_fts(knowledge_fts, rowid, text) VALUES ('delete', old.id, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER knowledge_au AFTER UPDATE ON knowledge BEGIN "
            "INSERT INTO knowledge_fts(knowledge_fts, rowid, text) VALUES ('delete', old.id, old.text); "
            "INSERT INTO knowledge_fts(rowid, text) VALUES (new.id, new.text); END"
        )
    elif dialect == "postgresql":
        op.execute("CREATE INDEX ix_knowledge_text_fts ON knowledge USING gin (to_tsvector('english', text))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("knowledge_ai", "knowledge_ad", "knowledge_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_table("knowledge")

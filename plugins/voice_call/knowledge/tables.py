"""What the owner lets callers know. Migrations: `plugins/voice_call/migrations`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.plugin_api import Base, utcnow


class KnowledgeRow(Base):
    """Something the owner said callers may know ("our office hours are 9 to 5"). SQLite searches it
    through the `knowledge_fts` FTS5 table (kept in step by triggers, see vc0003); PostgreSQL through
    its own full text search over `text`."""

    __tablename__ = "knowledge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

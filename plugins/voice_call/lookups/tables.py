"""The HTTP lookups the owner lets callers run. Migrations: `plugins/voice_call/migrations`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from assistant.plugin_api import Base, utcnow


class CallerLookupRow(Base):
    """An HTTP lookup callers may run (lookups/service.py): a GET URL template with {parameters}, the
    answer's fields callers may hear, and an optional auth header whose value is in the vault."""

    __tablename__ = "caller_lookups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    parameters: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    fields: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    auth_header: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

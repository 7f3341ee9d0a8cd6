"""The gateways sharing this store. Migrations: `plugins/voice_call/migrations` (vc0008)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from assistant.plugin_api import Base, utcnow


class NodeRow(Base):
    """A gateway process that uses this store, by its node name; `seen_at` is its heartbeat. A
    node not seen for `nodes.DEAD_AFTER` is taken as gone: another takes over its work and deletes it."""

    __tablename__ = "nodes"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

"""The gateways sharing this store. Migrations: `plugins/voice_call/migrations` (vc0008)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.plugin_api import Base, utcnow


class NodeRow(Base):
    """A gateway process that uses this store, by its node name; `seen_at` is its heartbeat. A
    node not seen for `Nodes.dead_after` is taken as gone: another takes over its work and deletes it."""

    __tablename__ = "nodes"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    #: At its last heartbeat: its calls on the line, and the most it takes at once.
    calls: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CallCommandRow(Base):
    """What the owner asked of a call that runs on another node ("end", "say"), for that node to
    do: it polls for its own (`cluster/commands.py`) and writes `done_at` and `result`."""

    __tablename__ = "call_commands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    call_id: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(200), nullable=False, default="")

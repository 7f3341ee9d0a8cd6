"""The call log's tables (calls, webhook receipts); each feature keeps its own tables. Migrations: `plugins/voice_call/migrations` (branch `voice_call`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.plugin_api import Base, utcnow


class CallRow(Base):
    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("provider", "carrier_call_id", name="uq_calls_provider_carrier_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    carrier_call_id: Mapped[str] = mapped_column(String(128), nullable=False)
    direction: Mapped[str] = mapped_column(String(16), nullable=False)
    from_number: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    to_number: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: [{"role": "caller"|"assistant"|"note"|"done"|"system"|"error", "text", "at_ms", "heard": bool}]:
    #: "note" is what the caller left for the owner (their words), "done" what we did for them (ours).
    transcript: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    #: inbound | notify | conversation
    mode: Mapped[str] = mapped_column(String(16), nullable=False, default="inbound")
    #: What an outbound call was placed to say.
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Per-turn timings (history/timings.py): [{"turn", "silence_ms", "transcript_ms", ...}]
    turns: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list, server_default="[]")
    #: The gateway (cluster/nodes.py) the call's media runs on; None: from before there were nodes.
    node: Mapped[str | None] = mapped_column(String(128), index=True)


class WebhookReceiptRow(Base):
    """A webhook we already acted on, with our answer, so a replay gets the same answer and no new side effect."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("provider", "digest", name="uq_webhook_receipts_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    media_type: Mapped[str] = mapped_column(String(64), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

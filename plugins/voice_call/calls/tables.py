"""The voice-call plugin's tables. Migrations: `plugins/voice_call/migrations` (branch `voice_call`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.tables import Base, utcnow


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
    #: [{"role": "caller"|"assistant"|"note", "text", "at_ms", "heard": bool}]
    transcript: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    #: inbound | notify | conversation
    mode: Mapped[str] = mapped_column(String(16), nullable=False, default="inbound")
    #: What an outbound call was placed to say.
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Per-turn timings (calls/timings.py): [{"turn", "silence_ms", "transcript_ms", ...}]
    turns: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list, server_default="[]")


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


class PairingRow(Base):
    __tablename__ = "pairing_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # pending|approved|expired
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ScheduledCallRow(Base):
    """A call to place later. `status`: pending -> dialing -> done | failed; or cancelled | missed.
    An occurrence of a series has `series_id`; one row per occurrence (the unique key), so an
    occurrence is placed once even when two processes extend the series together."""

    __tablename__ = "scheduled_calls"
    __table_args__ = (UniqueConstraint("series_id", "run_at", name="uq_scheduled_calls_occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to_number: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    call_id: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)


class CallSeriesRow(Base):
    """A call repeated by a recurrence rule ("every weekday at 8"). `status`: active | paused | cancelled.
    Its occurrences are `ScheduledCallRow`s, made one at a time as the previous one is placed."""

    __tablename__ = "call_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to_number: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    #: RFC 5545 RRULE without DTSTART; `starts` is the DTSTART on the owner's wall clock in `timezone`.
    rule: Mapped[str] = mapped_column(String(300), nullable=False)
    starts: Mapped[str] = mapped_column(String(32), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class KnowledgeRow(Base):
    """Something the owner said callers may know ("our office hours are 9 to 5"). SQLite searches it
    through the `knowledge_fts` FTS5 table (kept in step by triggers, see vc0003); PostgreSQL through
    its own full text search over `text`."""

    __tablename__ = "knowledge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class CallerLookupRow(Base):
    """An HTTP lookup callers may run (calls/lookups.py): a GET URL template with {parameters}, the
    answer's fields callers may hear, and an optional auth header whose value is in the vault."""

    __tablename__ = "caller_lookups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    parameters: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    fields: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    auth_header: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class AppointmentRow(Base):
    """A slot a caller booked (calls/appointments.py). `status`: booked | cancelled. `calendar_uid` is
    the event's UID in the owner's CalDAV calendar (and in the iCalendar feed)."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    caller_number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="booked", index=True)
    calendar_uid: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

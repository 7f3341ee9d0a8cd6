"""Calls to place later, and repeating calls. Migrations: `plugins/voice_call/migrations`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.plugin_api import Base, utcnow


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
    #: The node (cluster/nodes.py) dialling it, from the claim on.
    claimed_by: Mapped[str | None] = mapped_column(String(128))


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

"""Call records: one row per call, a state machine over it, and the transcript.

Only the switchboard moves a call between states (`create`, `transition`, `close_stale`); the rest
of the plugin reads records and appends to transcripts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assistant.store import Database
from assistant.store.tables import utcnow
from plugins.voice_call.calls.tables import CallRow

ACTIVE = ("ringing", "in-progress")
ENDED = ("completed", "failed", "no-answer", "busy", "voicemail", "voicemail_left")
TRANSITIONS = {
    "ringing": {"in-progress", "completed", "failed", "no-answer", "busy", "voicemail", "voicemail_left"},
    "in-progress": {"completed", "failed", "voicemail", "voicemail_left"},
}


@dataclass(frozen=True)
class CallInfo:
    id: str
    provider: str
    carrier_call_id: str
    direction: str
    from_number: str
    to_number: str
    state: str
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    end_reason: str
    transcript: list[dict[str, Any]]
    mode: str = "inbound"
    message: str = ""

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def other_party(self) -> str:
        """The number of the person on the line: the caller, or whom we called."""
        return self.to_number if self.direction == "outbound" else self.from_number


def _info(row: CallRow) -> CallInfo:
    return CallInfo(
        row.id,
        row.provider,
        row.carrier_call_id,
        row.direction,
        row.from_number,
        row.to_number,
        row.state,
        row.created_at,
        row.answered_at,
        row.ended_at,
        row.end_reason,
        list(row.transcript),
        row.mode,
        row.message,
    )


class CallRecords:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        provider: str,
        carrier_call_id: str,
        direction: str,
        from_number: str,
        to_number: str,
        state: str = "ringing",
        end_reason: str = "",
        mode: str = "inbound",
        message: str = "",
        call_id: str | None = None,
    ) -> str:
        call_id = call_id or uuid.uuid4().hex
        row = CallRow(
            id=call_id,
            provider=provider,
            carrier_call_id=carrier_call_id,
            direction=direction,
            from_number=from_number,
            to_number=to_number,
            state=state,
            end_reason=end_reason,
            transcript=[],
            mode=mode,
            message=message,
        )
        if state in ENDED:
            row.ended_at = utcnow()
        with self._db.transaction() as session:
            session.add(row)
        return call_id

    def get(self, call_id: str) -> CallInfo | None:
        with self._db.reader() as session:
            row = session.get(CallRow, call_id)
            return _info(row) if row else None

    def by_carrier_id(self, provider: str, carrier_call_id: str) -> CallInfo | None:
        with self._db.reader() as session:
            row = session.scalar(select(CallRow).where(CallRow.provider == provider, CallRow.carrier_call_id == carrier_call_id))
            return _info(row) if row else None

    def transition(self, call_id: str, state: str, end_reason: str | None = None) -> bool:
        """Move a call to `state` if the state machine allows it; ended calls never change again."""
        with self._db.transaction() as session:
            row = session.get(CallRow, call_id)
            if row is None or state not in TRANSITIONS.get(row.state, set()):
                return False
            row.state = state
            if state == "in-progress":
                row.answered_at = utcnow()
            if state in ENDED:
                row.ended_at = utcnow()
                row.end_reason = end_reason or row.end_reason
            return True

    def set_carrier_id(self, call_id: str, carrier_call_id: str) -> None:
        with self._db.transaction() as session:
            row = session.get(CallRow, call_id)
            if row is not None:
                row.carrier_call_id = carrier_call_id

    def append_transcript(self, call_id: str, entries: list[dict[str, Any]]) -> None:
        with self._db.transaction() as session:
            row = session.get(CallRow, call_id)
            if row is not None:
                row.transcript = [*row.transcript, *entries]

    def recent(self, limit: int = 20) -> list[CallInfo]:
        with self._db.reader() as session:
            return [_info(r) for r in session.scalars(select(CallRow).order_by(CallRow.created_at.desc()).limit(limit))]

    def close_stale(self, reason: str) -> list[CallInfo]:
        """Mark calls left active by a previous process as failed; returns them."""
        with self._db.transaction() as session:
            rows = list(session.scalars(select(CallRow).where(CallRow.state.in_(ACTIVE))))
            for row in rows:
                row.state, row.ended_at, row.end_reason = "failed", utcnow(), reason
            return [_info(row) for row in rows]

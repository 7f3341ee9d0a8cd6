"""Call records: one row per call, a state machine over it, the transcript and per-turn timings.

Only the switchboard moves a call between states (`create`, `transition`, `close_stale`); the rest
of the plugin reads records and appends to transcripts.

Transcript lines and timings are written off the audio path: appended to memory at once (every
read sees them), and written by one writer, in one transaction for every call, a moment later in a
worker thread, so a call's event loop never waits on the database for them."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from assistant.plugin_api import Database, utcnow
from plugins.voice_call.history.tables import CallRow

log = logging.getLogger(__name__)

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
    #: Per-turn timings (history/timings.py).
    turns: list[dict[str, Any]] = field(default_factory=list)
    #: The gateway the call ran on (cluster/nodes.py), when several share the store.
    node: str | None = None

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
        list(row.turns or []),
        row.node,
    )


#: How long lines wait in memory so the lines of every call go to the database in one write.
FLUSH_S = 0.25


@dataclass
class _Unwritten:
    transcript: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)


class _Lines:
    """Lines kept in memory until the writer takes them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        #: Held for a whole write: one at a time.
        self.writer = threading.Lock()
        #: Lines not yet written (appended in the loop, read by any thread), by call id.
        self.unwritten: dict[str, _Unwritten] = {}
        #: Lines being written now: still merged into reads until the write is done.
        self.writing: dict[str, _Unwritten] = {}
        self.flush: asyncio.Task[None] | None = None


_LINES: weakref.WeakKeyDictionary[Database, _Lines] = weakref.WeakKeyDictionary()


class CallRecords:
    def __init__(self, db: Database, node: str | None = None) -> None:
        """`node`: the gateway the calls created here run on (cluster/nodes.py)."""
        self._db, self.node = db, node
        # One writer per database, shared by every CallRecords on it in this process.
        self._lines = _LINES.setdefault(db, _Lines())

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
            node=self.node,
        )
        if state in ENDED:
            row.ended_at = utcnow()
        with self._db.transaction() as session:
            session.add(row)
        return call_id

    def get(self, call_id: str) -> CallInfo | None:
        with self._lines.writer, self._db.reader() as session:
            row = session.get(CallRow, call_id)
            return self._with_unwritten(_info(row)) if row is not None else None

    def _with_unwritten(self, info: CallInfo) -> CallInfo:
        """`info` with the lines kept in memory for it. Callers hold the writer lock over their read
        and this merge, so a write that lands between the two is neither lost nor counted twice."""
        with self._lines.lock:
            parts = [p for p in (self._lines.writing.get(info.id), self._lines.unwritten.get(info.id)) if p is not None]
            if not parts:
                return info
            transcript = info.transcript + [e for p in parts for e in p.transcript]
            turns = info.turns + [t for p in parts for t in p.turns]
        return replace(info, transcript=transcript, turns=turns)

    def by_carrier_id(self, provider: str, carrier_call_id: str) -> CallInfo | None:
        with self._lines.writer, self._db.reader() as session:
            row = session.scalar(select(CallRow).where(CallRow.provider == provider, CallRow.carrier_call_id == carrier_call_id))
            return self._with_unwritten(_info(row)) if row else None

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
        self._keep(call_id, entries, [])

    def add_turn(self, call_id: str, timing: dict[str, Any]) -> None:
        self._keep(call_id, [], [timing])

    def _keep(self, call_id: str, entries: list[dict[str, Any]], turns: list[dict[str, Any]]) -> None:
        with self._lines.lock:
            unwritten = self._lines.unwritten.setdefault(call_id, _Unwritten())
            unwritten.transcript += entries
            unwritten.turns += turns
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()  # no event loop here (a command, a test): write now
            return
        if self._lines.flush is None or self._lines.flush.done():
            self._lines.flush = loop.create_task(self._flush_soon(), name="call-records-writer")

    async def _flush_soon(self) -> None:
        try:
            await asyncio.sleep(FLUSH_S)
        finally:  # cancelled with the gateway: written all the same, here and now
            await asyncio.shield(asyncio.to_thread(self.flush))

    def flush(self) -> None:
        """Write every line kept in memory (the one writer: one transaction for all calls, one
        write at a time, so lines reach the database in the order they were kept)."""
        with self._lines.writer:
            with self._lines.lock:
                if not self._lines.unwritten:
                    return
                batch, self._lines.unwritten = self._lines.unwritten, {}
                self._lines.writing = batch
            try:
                with self._db.transaction() as session:
                    for call_id, unwritten in batch.items():
                        row = session.get(CallRow, call_id)
                        if row is None:
                            continue
                        if unwritten.transcript:
                            row.transcript = [*row.transcript, *unwritten.transcript]
                        if unwritten.turns:
                            row.turns = [*(row.turns or []), *unwritten.turns]
            except Exception:
                log.exception("call transcript lines could not be written; they are kept for the next write")
                with self._lines.lock:
                    for call_id, later in self._lines.unwritten.items():
                        kept = batch.setdefault(call_id, _Unwritten())
                        kept.transcript += later.transcript
                        kept.turns += later.turns
                    self._lines.unwritten = batch
            finally:
                with self._lines.lock:
                    self._lines.writing = {}

    def recent(self, limit: int = 20) -> list[CallInfo]:
        with self._lines.writer, self._db.reader() as session:
            rows = session.scalars(select(CallRow).order_by(CallRow.created_at.desc()).limit(limit))
            return [self._with_unwritten(_info(r)) for r in rows]

    def close_stale(self, reason: str) -> list[CallInfo]:
        """Mark calls left active by a previous process of this node (and calls from before there
        were nodes) as failed; returns them."""
        return self._close(or_(CallRow.node.is_(None), CallRow.node == self.node), reason)

    def close_left_by(self, node: str, reason: str) -> list[CallInfo]:
        """Mark calls another node left active (it is gone) as failed; returns them."""
        return self._close(CallRow.node == node, reason)

    def _close(self, owned: Any, reason: str) -> list[CallInfo]:
        with self._db.transaction() as session:
            rows = list(session.scalars(select(CallRow).where(CallRow.state.in_(ACTIVE), owned)))
            for row in rows:
                row.state, row.ended_at, row.end_reason = "failed", utcnow(), reason
            return [_info(row) for row in rows]

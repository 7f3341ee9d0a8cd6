"""Scheduled calls: persisted in the store, fired once at their time by a loop in the gateway.

Firing claims a row with a conditional update (pending -> dialing), so it happens exactly once even
with two processes (or gateways, `cluster/`). After a restart, a row this node left "dialing" is never
re-dialed (nor one a node that is gone left), and a pending call whose time passed more than
`GRACE` ago while we were down is marked missed rather than placed late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, or_, select, update

from assistant.plugin_api import as_utc, utcnow
from plugins.voice_call.config import voice_config
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.outbound.dialer import LinesBusy, OutboundCalls, OutboundError, check_number, check_purpose
from plugins.voice_call.process import one_per_process
from plugins.voice_call.scheduling.series import CallSeries
from plugins.voice_call.scheduling.tables import ScheduledCallRow

if TYPE_CHECKING:
    from assistant.plugin_api import Host

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=10)
# A conversation call that reached an answering machine is tried again too (a notify call leaves its message).
RETRY_STATES = ("busy", "no-answer", "failed", "voicemail")


@dataclass(frozen=True)
class ScheduledCall:
    id: int
    to_number: str
    message: str
    mode: str
    run_at: datetime
    timezone: str
    status: str
    attempts: int
    max_attempts: int
    call_id: str | None
    outcome: str

    def local_time(self) -> str:
        from zoneinfo import ZoneInfo

        return self.run_at.astimezone(ZoneInfo(self.timezone)).strftime("%a %d %b %H:%M %Z")


def _info(row: ScheduledCallRow) -> ScheduledCall:
    return ScheduledCall(
        row.id,
        row.to_number,
        row.message,
        row.mode,
        as_utc(row.run_at),
        row.timezone,
        row.status,
        row.attempts,
        row.max_attempts,
        row.call_id,
        row.outcome,
    )


class CallScheduler:
    def __init__(
        self,
        host: Host,
        records: CallRecords,
        outbound: OutboundCalls,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 1.0,
    ) -> None:
        self.host, self.records, self.outbound = host, records, outbound
        #: This gateway's node: the calls it claims are marked with it.
        self.node = records.node
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._db = host.db
        self.series = CallSeries(host.db, lambda: self.clock(), lambda: 1 + voice_config(host).outbound.retries)
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, host: Host) -> CallScheduler:
        """The process's scheduler: it follows every call's end (a scheduled call's outcome, retries)."""

        def make() -> CallScheduler:
            outbound = OutboundCalls.of(host)
            scheduler = cls(host, outbound.switchboard.records, outbound)
            outbound.switchboard.on_end(scheduler.call_ended)
            return scheduler

        return one_per_process(host, cls, make)

    def start(self) -> None:
        """Start placing due calls, in the running event loop (the gateway's)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="call-scheduler")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def schedule(self, to: str, message: str, mode: str, run_at: datetime, zone: str) -> ScheduledCall:
        config = voice_config(self.host)
        number = check_number(config, to)
        check_purpose(mode, message)
        if run_at < self.clock() - timedelta(minutes=1):
            raise OutboundError("that time has already passed")
        with self._db.transaction() as session:
            row = ScheduledCallRow(
                to_number=number,
                message=message.strip(),
                mode=mode,
                run_at=run_at,
                timezone=zone,
                status="pending",
                attempts=0,
                max_attempts=1 + config.outbound.retries,
                outcome="",
            )
            session.add(row)
            session.flush()
            return _info(row)

    def cancel(self, scheduled_id: int) -> bool:
        with self._db.transaction() as session:
            result = cast(
                "CursorResult[Any]",
                session.execute(
                    update(ScheduledCallRow)
                    .where(ScheduledCallRow.id == scheduled_id, ScheduledCallRow.status == "pending")
                    .values(status="cancelled", outcome="cancelled by the owner")
                ),
            )
            return result.rowcount == 1

    def list(self, upcoming_only: bool = True) -> list[ScheduledCall]:
        with self._db.reader() as session:
            query = select(ScheduledCallRow).order_by(ScheduledCallRow.run_at)
            if upcoming_only:
                query = query.where(ScheduledCallRow.status.in_(["pending", "dialing"]))
            return [_info(r) for r in session.scalars(query)]

    def get(self, scheduled_id: int) -> ScheduledCall | None:
        with self._db.reader() as session:
            row = session.get(ScheduledCallRow, scheduled_id)
            return _info(row) if row else None

    def recover(self) -> None:
        """After a restart: never re-dial a call this node was placing (another node's go on);
        skip ones missed while down."""
        now = self.clock()
        ours = or_(ScheduledCallRow.claimed_by.is_(None), ScheduledCallRow.claimed_by == self.node)
        with self._db.transaction() as session:
            session.execute(
                update(ScheduledCallRow)
                .where(ScheduledCallRow.status == "dialing", ours)
                .values(status="failed", outcome="interrupted by a restart; not dialed again")
            )
            session.execute(
                update(ScheduledCallRow)
                .where(ScheduledCallRow.status == "pending", ScheduledCallRow.run_at < now - GRACE)
                .values(status="missed", outcome="the assistant was not running at the time")
            )

    def take_over(self, node: str) -> int:
        """Another node is gone: the calls it was placing are not dialled again (the callee may have
        been reached); returns how many. Calls still waiting belong to no node and go on."""
        with self._db.transaction() as session:
            done = cast(
                "CursorResult[Any]",
                session.execute(
                    update(ScheduledCallRow)
                    .where(ScheduledCallRow.status == "dialing", ScheduledCallRow.claimed_by == node)
                    .values(status="failed", outcome=f"interrupted: node {node} stopped; not dialed again"[:200])
                ),
            )
            return done.rowcount

    def _claim(self, scheduled_id: int) -> bool:
        with self._db.transaction() as session:
            result = cast(
                "CursorResult[Any]",
                session.execute(
                    update(ScheduledCallRow)
                    .where(ScheduledCallRow.id == scheduled_id, ScheduledCallRow.status == "pending")
                    .values(status="dialing", attempts=ScheduledCallRow.attempts + 1, claimed_by=self.node)
                ),
            )
            return result.rowcount == 1

    async def tick(self) -> int:
        """Place every call that is due (after making each series' next occurrence). Returns how many were placed."""
        self.series.extend()
        now = self.clock()
        with self._db.reader() as session:
            due = [
                r.id
                for r in session.scalars(
                    select(ScheduledCallRow).where(ScheduledCallRow.status == "pending", ScheduledCallRow.run_at <= now)
                )
            ]
        placed = 0
        for scheduled_id in due:
            if not self.outbound.line_free():
                break  # every line busy: the rest wait for one to end here, or for a node with a free one
            if not self._claim(scheduled_id):
                continue
            call = self.get(scheduled_id)
            assert call is not None
            try:
                call_id = await self.outbound.place(call.to_number, call.message, call.mode)
            except LinesBusy:  # filled by a call that came in meanwhile: this one waits too
                self._unclaim(scheduled_id)
                break
            except OutboundError as exc:
                self._finish(scheduled_id, "failed", str(exc))
                self.host.tell_owner(f"The scheduled call to {call.to_number} was not placed: {exc}.")
                continue
            with self._db.transaction() as session:
                row = session.get(ScheduledCallRow, scheduled_id)
                assert row is not None
                row.call_id = call_id
            placed += 1
        return placed

    def _unclaim(self, scheduled_id: int) -> None:
        with self._db.transaction() as session:
            session.execute(
                update(ScheduledCallRow)
                .where(ScheduledCallRow.id == scheduled_id, ScheduledCallRow.status == "dialing")
                .values(status="pending", attempts=ScheduledCallRow.attempts - 1, claimed_by=None)
            )

    def _finish(self, scheduled_id: int, status: str, outcome: str) -> None:
        with self._db.transaction() as session:
            row = session.get(ScheduledCallRow, scheduled_id)
            assert row is not None
            row.status, row.outcome = status, outcome[:200]

    def call_ended(self, call_id: str) -> None:
        """A call ended: a scheduled call that was busy or not answered is tried again, if allowed."""
        record = self.records.get(call_id)
        with self._db.transaction() as session:
            row = session.scalar(select(ScheduledCallRow).where(ScheduledCallRow.call_id == call_id))
            if row is None or record is None:
                return
            if record.state in RETRY_STATES and row.attempts < row.max_attempts:
                delay = voice_config(self.host).outbound.retry_delay_seconds
                row.status, row.call_id = "pending", None
                row.run_at = self.clock() + timedelta(seconds=delay)
                row.outcome = f"attempt {row.attempts} {record.state}; trying again"
            else:
                row.status = "done" if record.state in ("completed", "voicemail_left") else "failed"
                row.outcome = f"{record.state}: {record.end_reason}"[:200]

    async def run(self) -> None:
        self.recover()
        while True:
            try:
                await self.tick()
            except Exception:  # one bad row must not stop the scheduler
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.poll_seconds)

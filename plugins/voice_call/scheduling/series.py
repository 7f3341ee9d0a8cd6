"""Calls repeated by a recurrence rule ("call me every weekday at 8 to remind me to take my pills").

A series makes its occurrences one at a time, as rows of the scheduler's table: the next one is made
when none is waiting. The table's unique key (series, time) means an occurrence exists once, and the
scheduler's claim means it is dialed once, across restarts and processes. Occurrences missed while
the assistant was down are marked missed by the scheduler; the series goes on from the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from assistant.plugin_api import Database, as_utc
from plugins.voice_call.outbound.dialer import OutboundError, check_purpose
from plugins.voice_call.scheduling.recurrence import describe, next_occurrence, rule_from_words, series_start
from plugins.voice_call.scheduling.tables import CallSeriesRow, ScheduledCallRow

WAITING = ("pending", "dialing")


@dataclass(frozen=True)
class Series:
    id: int
    to_number: str
    message: str
    mode: str
    rule: str
    timezone: str
    status: str
    next_at: datetime | None

    def summary(self) -> str:
        when = "paused" if self.status == "paused" else "no more calls"
        if self.status == "active" and self.next_at is not None:
            when = "next " + self.next_at.astimezone(ZoneInfo(self.timezone)).strftime("%a %d %b %H:%M %Z")
        return f"#{self.id} {describe(self.rule)} to {self.to_number} ({self.mode}, {when}): {self.message}"


class CallSeries:
    def __init__(self, db: Database, clock: Callable[[], datetime], max_attempts: Callable[[], int]) -> None:
        self._db, self.clock, self._max_attempts = db, clock, max_attempts

    def add(self, to_number: str, message: str, mode: str, every: str, zone: ZoneInfo) -> Series:
        """A new active series; `every` is the owner's words or an RRULE (RecurrenceError when unreadable).
        `to_number` must already be checked (outbound.check_number)."""
        check_purpose(mode, message)
        rule = rule_from_words(every)
        start = series_start(self.clock(), zone)
        if next_occurrence(rule, zone, start, self.clock()) is None:
            raise OutboundError("that rule has no occurrence ahead")
        with self._db.transaction() as session:
            row = CallSeriesRow(
                to_number=to_number,
                message=message.strip(),
                mode=mode,
                rule=rule,
                starts=start,
                timezone=zone.key,
                status="active",
            )
            session.add(row)
            session.flush()
            series_id = row.id
        self.extend()
        found = self.get(series_id)
        assert found is not None
        return found

    def get(self, series_id: int) -> Series | None:
        return next((s for s in self.list(include_cancelled=True) if s.id == series_id), None)

    def list(self, include_cancelled: bool = False) -> list[Series]:
        with self._db.reader() as session:
            query = select(CallSeriesRow).order_by(CallSeriesRow.id)
            if not include_cancelled:
                query = query.where(CallSeriesRow.status != "cancelled")
            rows = list(session.scalars(query))
            waiting = {
                r.series_id: as_utc(r.run_at)
                for r in session.scalars(
                    select(ScheduledCallRow).where(ScheduledCallRow.series_id.is_not(None), ScheduledCallRow.status == "pending")
                )
            }
        return [
            Series(
                r.id,
                r.to_number,
                r.message,
                r.mode,
                r.rule,
                r.timezone,
                r.status,
                waiting.get(r.id),
            )
            for r in rows
        ]

    def set_status(self, series_id: int, status: str) -> Series | None:
        """Pause, resume or cancel a series (its waiting occurrence goes; resuming makes the next one)."""
        with self._db.transaction() as session:
            row = session.get(CallSeriesRow, series_id)
            if row is None or row.status == "cancelled" or row.status == status:
                return None
            row.status = status
            if status != "active":  # the waiting occurrence was never placed: it goes, so resuming can make it again
                session.execute(
                    delete(ScheduledCallRow).where(ScheduledCallRow.series_id == series_id, ScheduledCallRow.status == "pending")
                )
        self.extend()
        return self.get(series_id)

    def extend(self) -> int:
        """Make the next occurrence of every active series that has none waiting. Returns how many were made."""
        now = self.clock()
        made = 0
        with self._db.reader() as session:
            series = list(session.scalars(select(CallSeriesRow).where(CallSeriesRow.status == "active")))
            busy = set(
                session.scalars(
                    select(ScheduledCallRow.series_id).where(
                        ScheduledCallRow.series_id.is_not(None), ScheduledCallRow.status.in_(WAITING)
                    )
                )
            )
            last: dict[int | None, datetime] = {
                sid: as_utc(at)
                for sid, at in session.execute(
                    select(ScheduledCallRow.series_id, ScheduledCallRow.run_at)
                    .where(ScheduledCallRow.series_id.is_not(None))
                    .order_by(ScheduledCallRow.run_at)
                )
            }
        for row in series:
            if row.id in busy:
                continue
            after = max(now, last[row.id]) if row.id in last else now
            moment = next_occurrence(row.rule, ZoneInfo(row.timezone), row.starts, after)
            if moment is None:
                continue
            try:
                with self._db.transaction() as session:
                    session.add(
                        ScheduledCallRow(
                            to_number=row.to_number,
                            message=row.message,
                            mode=row.mode,
                            run_at=moment,
                            timezone=row.timezone,
                            status="pending",
                            attempts=0,
                            max_attempts=self._max_attempts(),
                            outcome="",
                            series_id=row.id,
                        )
                    )
                made += 1
            except IntegrityError:  # another process made this occurrence first
                continue
        return made

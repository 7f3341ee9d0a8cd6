"""Two gateways on one store (on SQLite and on PostgreSQL): each scheduled call and each repeating
call's occurrence is placed by exactly one of them, however their loops interleave."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.host import Host
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.scheduling.scheduler import CallScheduler

from .conftest import BACKENDS
from .test_outbound import Clock

pytestmark = BACKENDS

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Dialer:
    """Stands in for the carrier: records every call placed, and by which gateway."""

    def __init__(self, name: str, placed: list[tuple[str, str, str]], lock: threading.Lock) -> None:
        self.name, self.placed, self.lock = name, placed, lock

    async def place(self, to: str, message: str, mode: str) -> str:
        await asyncio.sleep(0.001)  # the carrier's answer takes a moment: the other gateway runs meanwhile
        with self.lock:
            self.placed.append((self.name, to, message))
            return f"CA{len(self.placed)}"


def test_each_due_call_is_placed_by_one_gateway(settings) -> None:
    first, second = Host(settings), Host(settings)  # two processes' worth: own engines, own sessions
    try:
        first.config.update("voice_call", {"phoneNumber": "+15550002222"})
        clock = Clock(NOW)
        placed: list[tuple[str, str, str]] = []
        lock = threading.Lock()
        schedulers = [
            CallScheduler(host, CallRecords(host.db), Dialer(name, placed, lock), clock=clock)  # type: ignore[arg-type]
            for name, host in (("first", first), ("second", second))
        ]
        zone = "America/New_York"
        for n in range(30):
            schedulers[n % 2].schedule(f"+1555010{n:04d}", f"reminder {n}", "notify", NOW + timedelta(minutes=1), zone)
        for n in range(4):
            schedulers[n % 2].series.add(f"+1555020{n:04d}", f"daily {n}", "notify", "every day at 8", ZoneInfo(zone))
        clock.now = NOW + timedelta(days=1)  # all 30 are due, and each series' first occurrence (8:00 New York)

        def run(scheduler: CallScheduler) -> None:
            async def ticks() -> None:
                for _ in range(5):
                    await scheduler.tick()

            asyncio.run(ticks())

        threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        messages = [message for _, _, message in placed]
        assert sorted(messages) == sorted([f"reminder {n}" for n in range(30)] + [f"daily {n}" for n in range(4)]), messages
        assert {name for name, _, _ in placed} == {"first", "second"}, "one gateway did all the work"
        # One row per occurrence, whichever gateway made it (the next is made when this one ends).
        occurrences = [c for c in schedulers[1].list(upcoming_only=False) if c.to_number.startswith("+1555020")]
        assert sorted(c.to_number for c in occurrences) == [f"+1555020{n:04d}" for n in range(4)], occurrences
        assert all(c.status == "dialing" and c.attempts == 1 for c in schedulers[0].list(upcoming_only=False))
    finally:
        first.close()
        second.close()

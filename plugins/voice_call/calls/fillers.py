"""No dead air: while a reply's next sentence is slow to come (a lookup, the calendar, the model)
and the line has been quiet `FILLER_MS`, the caller hears a short filler, and a second one after
`FILLER_AGAIN_MS` more, then the second again every `FILLER_REPEAT_MS` (a long wait: the owner's
decision on an errand). The fillers are made ahead like the goodbyes (calls/said_ahead.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

#: Said when the answer is slow to come, in this order.
FILLERS = ("One moment, please.", "Still checking, thanks for waiting.")
FILLER_MS = 700
FILLER_AGAIN_MS = 4000
FILLER_REPEAT_MS = 20000


async def no_dead_air(
    sentences: AsyncIterator[str], say: Callable[[int, str], object], line_busy: Callable[[], bool], name: str
) -> AsyncIterator[str]:
    """The reply's `sentences`; while the next is slow, `say(n, filler)` is called when the line
    (`line_busy`: our audio is playing) has been quiet long enough. The sentences are read in this
    task (the agent's run keeps its context); a watcher beside it says the fillers."""
    waiting = [True]
    watcher = asyncio.create_task(_fill_silence(waiting, say, line_busy), name=name)
    try:
        async for sentence in sentences:
            waiting[0] = False
            yield sentence
            waiting[0] = True
    finally:
        watcher.cancel()


async def _fill_silence(waiting: list[bool], say: Callable[[int, str], object], line_busy: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    said, quiet_since, wait_ms = 0, loop.time(), FILLER_MS
    while True:
        await asyncio.sleep(0.05)
        now = loop.time()
        if line_busy() or not waiting[0]:
            quiet_since = now
        elif now - quiet_since >= wait_ms / 1000:
            say(said, FILLERS[min(said, len(FILLERS) - 1)])
            said += 1
            quiet_since, wait_ms = now, FILLER_AGAIN_MS if said < len(FILLERS) else FILLER_REPEAT_MS

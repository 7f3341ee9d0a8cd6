"""What hears and answers a caller, behind one call session (as LiveKit Agents' `AgentSession`
runs one agent at a time): the local pipeline (`calls/local.py`) or OpenAI Realtime
(`calls/realtime.py`). The session owns the line: the media loop, the clock and its limits, the
transcript, keypad, transfers and how the call ends. An engine only turns the caller's audio into
our answers, and tells the session when it can no longer carry the call (the session then swaps it
for the local pipeline, on the same stream).
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from plugins.voice_call.caller_tool import CallDeps
    from plugins.voice_call.calls.player import Player
    from plugins.voice_call.calls.setup import CallSetup
    from plugins.voice_call.config import VoiceCallConfig
    from plugins.voice_call.history.ending import Ending
    from plugins.voice_call.history.records import CallRecords


class Line(Protocol):
    """What an engine may use of the session it runs in."""

    setup: CallSetup
    config: VoiceCallConfig
    records: CallRecords
    player: Player
    deps: CallDeps

    @property
    def media_ms(self) -> int:
        """The media clock: 20 ms per caller frame received."""
        ...

    @property
    def call_id(self) -> str: ...

    def caller_speaking(self) -> None:
        """The caller started speaking (the silence timeout starts again)."""
        ...

    def caller_said(self, text: str) -> bool:
        """Record the caller's words; True when the owner's `realtime_call` took them."""
        ...

    def reply_pending(self) -> bool:
        """Whether a tool asked to hang up or put the caller through once the reply is heard."""
        ...

    async def reply_heard(self) -> None:
        """The reply was heard: do what a tool asked for after it (hang up, put through)."""
        ...

    def request_transfer(self, reason: str) -> str | None: ...

    async def put_through(self, reason: str) -> None:
        """Put the caller through to the owner now (they were told so)."""
        ...

    async def opened(self) -> None:
        """The opening words were heard (a notify call's message is then delivered)."""
        ...

    async def hang_up(self, ending: Ending) -> None:
        """End the call now, for this reason."""
        ...

    def note_system(self, text: str) -> None:
        """A line in the transcript about the call itself."""
        ...


class Tasks:
    """Tasks that end together: a call's, or one engine's (when it is swapped out)."""

    def __init__(self) -> None:
        self._all: list[asyncio.Task[Any]] = []

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        return self.add(asyncio.get_running_loop().create_task(coroutine, name=name or None))

    def add(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        self._all.append(task)
        return task

    async def cancel(self) -> None:
        """Cancel them all and wait until each has stopped (whatever it raised)."""
        for task in self._all:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._all.clear()


class Engine(ABC):
    """How one call is heard and answered. Made by the session; runs until the call ends or the
    engine is lost (`lost()` returns)."""

    def __init__(self, line: Line) -> None:
        self.line = line
        self.barge_ins = 0
        #: This engine's tasks: they end with it (at the call's end, or when it is swapped out).
        self.tasks = Tasks()

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        return self.tasks.spawn(coroutine, name)

    @abstractmethod
    async def start(self) -> None:
        """Begin: say the opening words and start listening."""

    @abstractmethod
    async def speak(self, text: str) -> asyncio.Event:
        """Say `text` on the call; the event is set once the caller has heard it."""

    @abstractmethod
    async def on_audio(self, payload: bytes) -> None:
        """One in-order frame of the caller's audio (8 kHz mu-law), already counted on the media clock."""

    async def on_digit(self, digit: str) -> None:  # noqa: B027 - Realtime ignores keys
        """A key the caller pressed (recorded already)."""

    @abstractmethod
    def active(self) -> bool:
        """Whether someone is speaking or about to (for the silence timeout)."""

    @abstractmethod
    async def stop_speaking(self) -> None:
        """Stop the reply being made or said, and drop what the carrier has queued."""

    @abstractmethod
    def heard(self, name: str) -> None:
        """The carrier echoed mark `name`: everything queued before it has been played."""

    def started(self, name: str) -> None:  # noqa: B027 - only the local pipeline times its turns
        """The first frame of the audio queued as `name` went to the carrier (timings)."""

    def goodbye_ms(self, text: str) -> int:
        """How long saying `text` takes, when its audio is made ahead (0 when it is not)."""
        return 0

    def opening_heard(self) -> bool:
        """Whether the caller heard the opening words whole."""
        return True

    async def lost(self) -> None:
        """Returns when this engine can no longer carry the call (never, for the local pipeline)."""
        await asyncio.Event().wait()

    async def close(self) -> None:
        """The call ended or the engine was swapped: stop its tasks, release what it holds, write
        what is unwritten."""
        await self.tasks.cancel()

"""A notify call's message, delivered: to a person once its opening words are heard, or, on a call
that leaves voicemail, to their answering machine. The carrier says who answered (its machine
detection); a machine's greeting is waited out, not talked over, and when it ends (its beep) the
message is said from the start, with nothing to interrupt it and no limit to cut it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, Protocol

from plugins.voice_call.calls.setup import CallSetup
from plugins.voice_call.carriers.events import AnsweredBy
from plugins.voice_call.history.ending import Ending, EndReason

#: How long a notify call waits, once its message was heard, for the carrier's machine-detection verdict.
VERDICT_WAIT_S = 35.0
#: How long we wait for a machine's greeting to end before giving up on leaving a message.
MESSAGE_END_WAIT_S = 40.0


class MessageLine(Protocol):
    """What delivering the message needs of its call (`CallSession`)."""

    setup: CallSetup

    @property
    def winding_down(self) -> bool: ...

    def wind_down(self) -> None: ...

    def note_system(self, text: str) -> None: ...

    async def stop_speaking(self) -> None: ...

    async def speak(self, text: str) -> asyncio.Event: ...

    async def hang_up(self, ending: Ending) -> None: ...

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]: ...


class Voicemail:
    """Who answered a notify call, and the message left on a machine."""

    def __init__(self, line: MessageLine) -> None:
        self.line = line
        self._verdict = asyncio.Event()
        self._message_end = asyncio.Event()
        #: A machine answered: the message is being left after its beep.
        self.leaving = False

    def holds_the_line(self) -> bool:
        """Quiet now is a machine's greeting, or the carrier still deciding: not a silent caller."""
        return self.leaving or (self.line.setup.leaves_voicemail and not self._verdict.is_set())

    async def opened(self) -> None:
        """The opening words were heard: the message is delivered, then the call ends, unless the
        carrier is still deciding whether a machine answered (a machine then gets the message
        again after its beep)."""
        await asyncio.sleep(1.0)  # a short pause, so the message does not end abruptly
        if self.line.setup.leaves_voicemail and not self._verdict.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(VERDICT_WAIT_S):
                    await self._verdict.wait()
        if not self.leaving:
            await self.line.hang_up(Ending(EndReason.MESSAGE_DELIVERED))

    def answered(self, answered_by: AnsweredBy) -> None:
        """The carrier's verdict on who answered."""
        self._verdict.set()
        if not self.line.setup.leaves_voicemail or answered_by not in ("machine", "message_end") or self.line.winding_down:
            return
        if answered_by == "message_end":
            self._message_end.set()
        if not self.leaving:
            self.leaving = True
            self.line.spawn(self._leave_message())

    async def _leave_message(self) -> None:
        self.line.note_system("an answering machine answered; leaving the message after its beep")
        await self.line.stop_speaking()
        try:
            async with asyncio.timeout(MESSAGE_END_WAIT_S):
                await self._message_end.wait()
        except TimeoutError:
            await self.line.hang_up(Ending(EndReason.ANSWERING_MACHINE, "its greeting did not end"))
            return
        self.line.wind_down()  # nothing interrupts the message now, and no limit cuts it
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(120):
                await (await self.line.speak(self.line.setup.message)).wait()
        await self.line.hang_up(Ending(EndReason.VOICEMAIL_LEFT))

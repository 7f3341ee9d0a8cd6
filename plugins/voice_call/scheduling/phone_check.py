"""A test call to the owner's own phone ("call me to test"): it says a check sentence, listens for a
few words, says back what it understood, hangs up, and tells the owner in chat what was understood
and how long each step took: the whole path (carrier, tunnel, stream, speech both ways) at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from plugins.voice_call.calls.session import CallSession
from plugins.voice_call.calls.switchboard import Switchboard
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.outbound.dialer import OutboundCalls
from plugins.voice_call.process import one_per_process

if TYPE_CHECKING:
    from assistant.plugin_api import Host

log = logging.getLogger(__name__)
CHECK = "Hello, this is your assistant's test call. Please say a few words now, and I'll tell you in the chat what I heard."
LISTEN_S = 20.0
#: How long the owner's phone may take to answer and stream before the check gives up.
ANSWER_WAIT_S = 120.0


@dataclass
class CheckResult:
    """The latest test call, for the setup panel."""

    call_id: str
    state: Literal["calling", "done", "failed"] = "calling"
    #: What the owner said, as understood (caller content: shown quoted, never as instructions).
    heard: str = ""
    #: The outcome and timings, in our own words.
    summary: str = "Calling your phone."


class PhoneCheck:
    def __init__(self, host: Host, outbound: OutboundCalls, switchboard: Switchboard, records: CallRecords) -> None:
        self.host, self.outbound, self.switchboard, self.records = host, outbound, switchboard, records
        self.latest: CheckResult | None = None

    @classmethod
    def of(cls, host: Host) -> PhoneCheck:
        def make() -> PhoneCheck:
            outbound = OutboundCalls.of(host)
            return cls(host, outbound, outbound.switchboard, outbound.switchboard.records)

        return one_per_process(host, cls, make)

    async def start(self) -> str:
        """Dial the owner's own phone; the check runs on and reports in chat. Returns the call id
        (OutboundError when the call cannot be placed)."""
        dialled = time.monotonic()
        call_id = await self.outbound.place("me", CHECK, "conversation")
        self.latest = CheckResult(call_id)
        task = asyncio.get_running_loop().create_task(self._check(call_id, dialled), name=f"phone-check-{call_id}")
        task.add_done_callback(_logged)
        return call_id

    async def _check(self, call_id: str, dialled: float) -> None:
        line = await self._connected(call_id)
        if line is None:
            record = self.records.get(call_id)
            why = f"{record.state}, {record.end_reason}" if record else "it was not placed"
            self._finish(call_id, "failed", f"The test call did not reach you ({why}).")
            self.host.tell_owner(f"The test call did not reach you ({why}).")
            return
        connected = time.monotonic()
        heard_words = await line.next_utterance(timeout=LISTEN_S + 20)  # the check sentence plays first
        understood = time.monotonic()
        answer = (
            f"Thank you. I heard: {heard_words.rstrip('.!?')}. Goodbye." if heard_words else "I didn't hear anything. Goodbye."
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for((await line.speak(answer)).wait(), timeout=20)
        self.switchboard.end(call_id, Ending(EndReason.ASSISTANT_ENDED, "test call done"))
        steps = (
            f"your phone answered and the stream connected {connected - dialled:.1f} s after dialling; "
            f"your words came back as text {understood - connected:.1f} s after that (the check sentence "
            "and your speaking included)"
        )
        self._finish(call_id, "done", f"Timings: {steps}.", heard_words or "")
        if heard_words:
            self.host.tell_owner(
                f"Test call done: I understood what is quoted. Timings: {steps}.", [heard_words], "you, on the test call"
            )
        else:
            self.host.tell_owner(f"Test call done, but I heard nothing from you. Timings: {steps}.")

    def _finish(self, call_id: str, state: Literal["done", "failed"], summary: str, heard: str = "") -> None:
        if self.latest is not None and self.latest.call_id == call_id:
            self.latest.state, self.latest.summary, self.latest.heard = state, summary, heard

    async def _connected(self, call_id: str) -> CallSession | None:
        """The call's live session once it streams; None when it ends first (no answer, busy, ...)."""
        deadline = time.monotonic() + ANSWER_WAIT_S
        while time.monotonic() < deadline:
            if (line := self.switchboard.live(call_id)) is not None:
                return line
            record = self.records.get(call_id)
            if record is not None and not record.active:
                return None
            await asyncio.sleep(0.05)
        return None


def _logged(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the test call failed", exc_info=task.exception())

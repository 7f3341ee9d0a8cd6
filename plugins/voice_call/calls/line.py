"""The live-call interface, and what every kind of call session shares: the media loop over the
carrier's socket (the media clock, out-of-order frames, marks, keypad), the call limits, the
caller's next words for whoever waits on them, the call agent's tool hooks, and how a call ends.

`CallSession` (local pipeline) and `RealtimeCallSession` (OpenAI Realtime) fill in what differs:
what to do with the caller's audio, when the line counts as active, and how to say goodbye.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from plugins.voice_call.calls.player import Player
from plugins.voice_call.carriers.base import MediaCodec
from plugins.voice_call.carriers.events import AnsweredBy, DtmfReceived, MarkPlayed, MediaReceived, StreamStopped
from plugins.voice_call.carriers.stream import TooManyBadMessages, carrier_events
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.history.ending import Ending, EndReason

if TYPE_CHECKING:
    from plugins.voice_call.history.records import CallRecords

log = logging.getLogger(__name__)

GOODBYE_LIMIT = "I'm sorry, we've reached the time limit for this call. Goodbye."
GOODBYE_SILENCE = "I haven't heard anything for a while, so I'll hang up now. Goodbye."
TRANSFER_LINE = "Putting you through to my owner now, one moment."
TRANSFER_FAILED = "I'm sorry, I couldn't put you through. I can take a message instead. What would you like to say?"
#: How long a notify call waits, once its message was heard, for the carrier's machine-detection verdict.
VERDICT_WAIT_S = 35.0
#: How long we wait for a machine's greeting to end before giving up on leaving a message.
MESSAGE_END_WAIT_S = 40.0


class CallLine(ABC):
    """One connected call. The switchboard runs it (`run`) and may end it (`end_attempt`,
    `carrier_ended`); the owner's `realtime_call` tool talks on it (`speak`, `next_utterance`)."""

    def __init__(
        self,
        *,
        call_id: str,
        codec: MediaCodec,
        websocket: WebSocket,
        stream_id: str,
        config: VoiceCallConfig,
        records: CallRecords,
        mode: str = "inbound",
        message: str = "",
    ) -> None:
        self.call_id, self.codec, self.ws, self.stream_id = call_id, codec, websocket, stream_id
        self.config, self.records = config, records
        #: inbound | notify | conversation; `message` is what an outbound call is about.
        self.mode, self.message = mode, message
        self.player = Player(codec, stream_id, self._send, on_heard=self._heard, on_start=self._started)
        #: The media clock: 20 ms per caller frame received, so limits hold whatever the machine's load.
        self.media_ms = 0
        self.last_activity_ms = 0
        self.ending: Ending | None = None
        #: Why the call agent's end_call tool asked to hang up (ends the call once the reply is heard).
        self.hangup_reason: str | None = None
        self._ending = False
        self._last_sequence: int | None = None
        self._waiters: list[asyncio.Future[str]] = []
        self._send_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[Any]] = []
        #: Set by the switchboard on a notify call whose carrier tells when a machine's greeting ends.
        self.leaves_voicemail = False
        self._verdict = asyncio.Event()  # the carrier said who answered
        self._message_end = asyncio.Event()  # a machine's greeting ended: its beep
        self._voicemail = False  # a machine answered: the message waits for its beep
        #: Set by the switchboard where this call can be put through to the owner: asks the carrier
        #: to do it; None when it is under way, else why it could not be done.
        self.transfer: Callable[[str], Awaitable[str | None]] | None = None
        #: The caller was already offered the owner on this call (once is enough).
        self.transfer_tried = False
        self.transfer_reason: str | None = None

    # -- what a kind of session fills in ------------------------------------------------------------

    @abstractmethod
    async def run(self) -> Ending:
        """Run the call until it ends; returns how it ended."""

    @abstractmethod
    async def speak(self, text: str) -> asyncio.Event:
        """Say `text` on the call; the event is set once the caller has heard it."""

    @abstractmethod
    async def _on_audio(self, payload: bytes) -> None:
        """One in-order frame of the caller's audio (8 kHz mu-law), already counted on the media clock."""

    async def _on_digit(self, digit: str) -> None:  # noqa: B027 - most kinds of call ignore keys
        """A key the caller pressed (recorded already); kinds of call that use the keypad say how."""

    @abstractmethod
    def _active(self) -> bool:
        """Whether someone is speaking or about to (for the silence timeout)."""

    @abstractmethod
    async def _stop_speaking(self) -> None:
        """Stop the reply being made or said, and drop what the carrier has queued."""

    @abstractmethod
    def _heard(self, name: str) -> None:
        """The carrier echoed mark `name`: everything queued before it has been played."""

    def _goodbye_ms(self, text: str) -> int:
        """How long saying `text` takes, when its audio is made ahead (0 when it is not)."""
        return 0

    def _started(self, name: str) -> None:  # noqa: B027 - a hook: only the local pipeline times its turns
        """The first frame of the audio queued as `name` went to the carrier (timings)."""

    # -- CallHooks for the call agent's tools --------------------------------------------------------

    def request_hangup(self, reason: str) -> None:
        self.hangup_reason = reason

    def note(self, text: str) -> None:
        self.records.append_transcript(self.call_id, [{"role": "note", "text": text, "at_ms": self.media_ms}])

    def other_party(self) -> str:
        """The number of the person on the line (the caller, or whom we called)."""
        record = self.records.get(self.call_id)
        return record.other_party if record is not None else ""

    def request_transfer(self, reason: str) -> str | None:
        if self.transfer is None:
            return "calls cannot be put through to the owner on this line"
        if self.transfer_tried:
            return "the owner could not take the call a moment ago"
        self.transfer_reason = reason
        return None

    async def _put_through(self) -> None:
        """Once the caller heard that they are being put through: the carrier connects them to the
        owner and the call leaves us (it may come back if the owner does not answer)."""
        reason, self.transfer_reason = self.transfer_reason or "", None
        self.transfer_tried = True
        assert self.transfer is not None
        # The carrier may stop our stream before its answer to the command arrives (Twilio does as
        # soon as the new instructions run): a stop from here on is the transfer, not a hang-up.
        self.ending = Ending(EndReason.TRANSFERRED)
        refusal = await self.transfer(reason)
        if refusal is None:
            await self._close(Ending(EndReason.TRANSFERRED))
            return
        self.ending = None
        self.records.append_transcript(
            self.call_id, [{"role": "system", "text": f"could not put the caller through: {refusal}", "at_ms": self.media_ms}]
        )
        await self.speak(TRANSFER_FAILED)

    # -- the owner's realtime_call -------------------------------------------------------------------

    async def next_utterance(self, timeout: float) -> str | None:
        """The next thing the caller says (it then goes to whoever waits here, not to the call agent)."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            if future in self._waiters:
                self._waiters.remove(future)

    def _caller_said(self, text: str) -> bool:
        """Record what the caller said; True when someone waiting in next_utterance took it."""
        self.records.append_transcript(self.call_id, [{"role": "caller", "text": text, "at_ms": self.media_ms}])
        waiters = [w for w in self._waiters if not w.done()]
        for waiter in waiters:
            waiter.set_result(text)
        return bool(waiters)

    # -- the media loop ----------------------------------------------------------------------------

    async def _read_carrier(self) -> None:
        """Read the carrier's socket until it closes: audio, mark echoes, keypad, stop."""
        try:
            async for event in carrier_events(self.ws, self.codec):
                if isinstance(event, MediaReceived):
                    if self._in_order(event.sequence) and not self._ending:
                        self.media_ms += len(event.payload) // 8
                        await self._on_audio(event.payload)
                        self._check_limits()
                elif isinstance(event, MarkPlayed):
                    self.player.mark_played(event.name)
                elif isinstance(event, StreamStopped):
                    break
                elif isinstance(event, DtmfReceived):
                    self.records.append_transcript(self.call_id, [{"role": "dtmf", "text": event.digit, "at_ms": self.media_ms}])
                    if not self._ending:
                        await self._on_digit(event.digit)
        except TooManyBadMessages:
            self.ending = self.ending or Ending(EndReason.MEDIA_ERRORS)
            return
        self.ending = self.ending or Ending(EndReason.CALLER_HUNG_UP)

    def _in_order(self, sequence: int | None) -> bool:
        """Carriers that number frames do not all guarantee their order: a frame older than one
        already played is dropped rather than played late."""
        if sequence is None:
            return True
        if self._last_sequence is not None and sequence <= self._last_sequence:
            return False
        self._last_sequence = sequence
        return True

    def _check_limits(self) -> None:
        if self._active() or self._voicemail or (self.leaves_voicemail and not self._verdict.is_set()):
            self.last_activity_ms = self.media_ms
        # The goodbye starts early enough to end at the limit, when we know how long it is.
        if self.media_ms + self._goodbye_ms(GOODBYE_LIMIT) >= self.config.max_duration_seconds * 1000:
            self._finish(EndReason.MAX_DURATION, GOODBYE_LIMIT)
        elif self.media_ms - self.last_activity_ms >= self.config.silence_timeout_seconds * 1000:
            self._finish(EndReason.SILENCE_TIMEOUT, GOODBYE_SILENCE)

    # -- answering machines (notify calls) ----------------------------------------------------------

    def machine_answered(self, answered_by: AnsweredBy) -> None:
        """The carrier's verdict on who answered. On a call that leaves voicemail, a machine's
        greeting is not talked over; when it ends (its beep) the message is said from the start."""
        self._verdict.set()
        if not self.leaves_voicemail or answered_by not in ("machine", "message_end") or self._ending:
            return
        if answered_by == "message_end":
            self._message_end.set()
        if not self._voicemail:
            self._voicemail = True
            self._spawn(self._leave_message())

    async def _leave_message(self) -> None:
        self.records.append_transcript(
            self.call_id,
            [
                {
                    "role": "system",
                    "at_ms": self.media_ms,
                    "text": "an answering machine answered; leaving the message after its beep",
                }
            ],
        )
        await self._stop_speaking()
        try:
            async with asyncio.timeout(MESSAGE_END_WAIT_S):
                await self._message_end.wait()
        except TimeoutError:
            await self._close(Ending(EndReason.ANSWERING_MACHINE, "its greeting did not end"))
            return
        self._ending = True  # nothing interrupts the message now, and no limit cuts it
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(120):
                await (await self.speak(self.message)).wait()
        await self._close(Ending(EndReason.VOICEMAIL_LEFT))

    async def _message_delivered(self) -> None:
        """A notify call's message was heard once: hang up, unless the carrier is still deciding
        whether a machine answered (a machine then gets the message again after its beep)."""
        await asyncio.sleep(1.0)  # a short pause, so the message does not end abruptly
        if self.leaves_voicemail and not self._verdict.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(VERDICT_WAIT_S):
                    await self._verdict.wait()
        if not self._voicemail:
            await self._close(Ending(EndReason.MESSAGE_DELIVERED))

    # -- ending ------------------------------------------------------------------------------------

    @property
    def ended_by_us(self) -> bool:
        return self.ending is not None and self.ending.reason.by_us

    def carrier_ended(self, ending: Ending | None = None) -> None:
        """The carrier reported the call over (e.g. a hang-up webhook)."""
        self.ending = self.ending or ending or Ending(EndReason.CARRIER_ENDED)
        self._stop()

    def end_attempt(self, reason: EndReason, detail: str = "") -> None:
        """End the call now (an answering machine picked up; the owner ended it)."""
        self.ending = Ending(reason, detail)
        self._stop()

    def _finish(self, reason: EndReason, goodbye: str) -> None:
        """Say goodbye, wait until it has been heard, and hang up. The media loop keeps reading
        meanwhile, so the goodbye's mark echo arrives."""
        if self._ending:
            return
        self._ending = True
        self._spawn(self._goodbye_then_close(reason, goodbye))

    async def _goodbye_then_close(self, reason: EndReason, goodbye: str) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(15):
                await self._stop_speaking()
                await (await self.speak(goodbye)).wait()
        await self._close(Ending(reason))

    async def _close(self, ending: Ending) -> None:
        self.ending = ending
        self._ending = True
        await self._close_socket()

    def _stop(self) -> None:
        self._ending = True
        self._spawn(self._close_socket())

    async def _close_socket(self) -> None:
        if self.ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                reason = self.ending.text() if self.ending else ""
                await self.ws.close(code=1000, reason=reason[:100])

    # -- plumbing ----------------------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Tasks of this call are tracked, so they end with it."""
        self._tasks.append(asyncio.get_running_loop().create_task(coroutine))

    async def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _send(self, text: str) -> None:
        """One message to the carrier; nothing once the socket is gone."""
        if self.ws.client_state != WebSocketState.CONNECTED:
            return
        async with self._send_lock:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self.ws.send_text(text)

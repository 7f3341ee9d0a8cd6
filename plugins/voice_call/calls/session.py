"""One call, from its media stream's start to its end: `CallSession`.

The session owns the line: the media loop over the carrier's socket (the media clock, out-of-order
frames, marks, keypad), the call's limits, the caller's next words for whoever waits on them, the
call agent's tool hooks, transfers, recording, and how the call ends (a notify call's message, to
a person or after a machine's beep, is calls/voicemail.py). What hears and answers the caller is
its engine (`calls/engine.py`): OpenAI Realtime when the call is set up for it and its socket
opened, else the local pipeline; when Realtime is lost mid-call, the session swaps in the local
pipeline on the same stream, so the caller is never left in silence.

A call ends down one path, `end(ending, goodbye=...)`: the first reason decided is the one kept.
Time in a call is the media clock: 20 ms per caller frame received, so limits hold whatever the
machine's load.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.calls.engine import Engine, Tasks
from plugins.voice_call.calls.local import LocalEngine
from plugins.voice_call.calls.player import Player
from plugins.voice_call.calls.realtime import RealtimeEngine
from plugins.voice_call.calls.setup import CallParts, CallSetup, PendingCall
from plugins.voice_call.calls.voicemail import Voicemail
from plugins.voice_call.carriers.base import MediaCodec
from plugins.voice_call.carriers.events import AnsweredBy, DtmfReceived, MarkPlayed, MediaReceived, StreamStopped
from plugins.voice_call.carriers.stream import TooManyBadMessages, carrier_events
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.history.recordings import RECORDED_LINE, CallRecorder
from plugins.voice_call.speech.dtmf import dtmf_audio
from plugins.voice_call.speech.tts import AudioStream, describe_failure, spoken

if TYPE_CHECKING:
    from plugins.voice_call.history.records import CallRecords

log = logging.getLogger(__name__)

GOODBYE_LIMIT = "I'm sorry, we've reached the time limit for this call. Goodbye."
GOODBYE_SILENCE = "I haven't heard anything for a while, so I'll hang up now. Goodbye."
#: The goodbyes any call may need, made ahead (at each gateway build, or by the first call).
GOODBYES = (GOODBYE_SILENCE, GOODBYE_LIMIT)
TRANSFER_FAILED = "I'm sorry, I couldn't put you through. I can take a message instead. What would you like to say?"
HANDOVER_LINE = "Sorry, I lost my connection for a moment. I'm still here. Could you say that again?"
#: How long audio already on its way plays out when Realtime is lost, before the local pipeline speaks.
HANDOVER_DRAIN_S = 30.0

#: Asks the carrier to put the caller through to the owner: None when it is under way, else why not.
TransferHook = Callable[[str], Awaitable[str | None]]
#: Sends keys with the carrier's own command (None: the carrier has none; they go as tones).
KeysHook = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Stream:
    """The carrier's media stream a call runs on."""

    websocket: WebSocket
    codec: MediaCodec
    stream_id: str


class CallSession:
    """One connected call. The switchboard runs it (`run`) and may end it (`end`); the owner's
    `realtime_call` tool talks on it (`speak`, `next_utterance`); the call agent's tools reach it
    through `CallDeps` (`request_hangup`, `note`, `request_transfer`)."""

    def __init__(
        self,
        setup: CallSetup,
        stream: Stream,
        *,
        records: CallRecords,
        parts: CallParts,
        prepared: PendingCall | None = None,
        transfer: TransferHook | None = None,
        keys: KeysHook | None = None,
    ) -> None:
        self.setup, self.config, self.records = setup, setup.config, records
        self._stream, self._parts = stream, parts
        self._prepared = prepared if prepared is not None else PendingCall(setup)
        self._transfer, self._keys = transfer, keys
        #: Both sides of the call, when the owner records calls (callers are told first).
        self.recorder = CallRecorder() if setup.config.recording.enabled else None
        self.player = Player(
            stream.codec, stream.stream_id, self._send, on_heard=self._heard, on_start=self._started, recorder=self.recorder
        )
        #: The media clock: 20 ms per caller frame received (a call back from a transfer goes on from where it was).
        self.media_ms = self.last_activity_ms = setup.resumed_at_ms or 0
        errand = setup.message if setup.mode == "conversation" else ""
        self.deps = CallDeps(self, caller=self._other_party(), features=parts.features(), errand=errand)
        self.engine: Engine | None = None
        # How the call ends: the reason decided (the first one wins), whether it is winding down
        # (a goodbye or a voicemail message plays out: no more audio to the engine, no limits), and
        # what a tool asked for once the reply is heard.
        self._ending: Ending | None = None
        self._winding_down = False
        self._after_reply: tuple[Literal["hang_up", "put_through"], str] | None = None
        self._transferring = False  # the carrier is putting the caller through: a stop now is the transfer
        self._transfer_tried = setup.resumed_at_ms is not None  # the owner is offered once per call
        #: Notify calls: who answered, and the message left on a machine.
        self.voicemail = Voicemail(self)
        self._last_sequence: int | None = None
        self._waiters: list[asyncio.Future[str]] = []
        self._send_lock = asyncio.Lock()
        self._tasks = Tasks()

    @property
    def call_id(self) -> str:
        return self.setup.call_id

    @property
    def ending(self) -> Ending | None:
        """Why the call ends, once that is decided."""
        return self._ending

    @property
    def barge_ins(self) -> int:
        return self.engine.barge_ins if self.engine is not None else 0

    # -- running ------------------------------------------------------------------------------------

    async def run(self) -> Ending:
        """Run the call until it ends; returns how it ended."""
        self.engine = await self._first_engine()
        self.spawn(self.player.run(), f"player-{self.call_id}")
        reading = asyncio.create_task(self._read_carrier(), name=f"carrier-{self.call_id}")
        try:
            if self.recorder is not None:  # before anything else is said
                self.player.enqueue("recorded", self._recorded_line())
            await self.engine.start()
            while True:
                lost = asyncio.create_task(self.engine.lost(), name=f"engine-{self.call_id}")
                await asyncio.wait([reading, lost], return_when=asyncio.FIRST_COMPLETED)
                lost.cancel()
                if reading.done() or self._winding_down or not await self._hand_over(reading):
                    break
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reading
            await self._tasks.cancel()
            await self.engine.close()
            self.deps.call_over()
            if self.recorder is not None:
                try:
                    await asyncio.to_thread(self._parts.keep_recording, self.call_id, self.recorder)
                except Exception:  # the call is over either way; its record and report still come
                    log.exception("the call's recording could not be stored")
        return self._ending or Ending(EndReason.CALLER_HUNG_UP)

    def _recorded_line(self) -> bytes | AudioStream:
        made = self._parts.prompt(self.config, RECORDED_LINE)
        return (
            made if made is not None else AudioStream(spoken(self._prepared.tts or self._parts.tts(self.config), RECORDED_LINE))
        )

    async def _first_engine(self) -> Engine:
        """OpenAI Realtime when its socket opened while the call connected; else the local pipeline."""
        if self._prepared.realtime is not None:
            try:
                connection = await self._prepared.realtime
            except Exception as exc:  # noqa: BLE001 - missing model, 401, 429, timeout: all fall back
                self.note_system(f"OpenAI Realtime unavailable ({describe_failure(exc)}); the local pipeline answered")
            else:
                return RealtimeEngine(self, connection)
        return self._local(self.setup.intro, self._prepared.intro_audio)

    def _local(self, intro: str, intro_audio: Any = None) -> LocalEngine:
        config = self.config
        return LocalEngine(
            self,
            agent=self._parts.call_agent(),
            stt=self._parts.stt(config),
            tts=self._prepared.tts or self._parts.tts(config),
            intro=intro,
            intro_audio=intro_audio,
            prompt=self._parts.prompt,
        )

    async def _hand_over(self, reading: asyncio.Task[None]) -> bool:
        """Realtime was lost and the caller is still there: what it already sent plays out, then the
        local pipeline takes the call on the same stream. False when the call is over instead."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HANDOVER_DRAIN_S):
                while self.player.busy and not reading.done():
                    await asyncio.sleep(0.02)
        assert self.engine is not None
        opened = self.engine.opening_heard()
        await self.engine.close()
        self.note_system("OpenAI Realtime connection lost; the local pipeline took over")
        if reading.done():
            return False
        if opened and self.setup.mode == "notify":
            await self.hang_up(Ending(EndReason.MESSAGE_DELIVERED))
            return False
        self.engine = self._local(HANDOVER_LINE if opened else self.setup.intro)
        await self.engine.start()
        return True

    # -- talking on the call --------------------------------------------------------------------------

    async def speak(self, text: str) -> asyncio.Event:
        """Say `text` on the call; the event is set once the caller has heard it."""
        assert self.engine is not None
        return await self.engine.speak(text)

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

    def caller_speaking(self) -> None:
        self.last_activity_ms = self.media_ms

    def caller_said(self, text: str) -> bool:
        """Record what the caller said; True when someone waiting in next_utterance took it."""
        self.records.append_transcript(self.call_id, [{"role": "caller", "text": text, "at_ms": self.media_ms}])
        waiters = [w for w in self._waiters if not w.done()]
        for waiter in waiters:
            waiter.set_result(text)
        return bool(waiters)

    def note_system(self, text: str) -> None:
        self.records.append_transcript(self.call_id, [{"role": "system", "text": text, "at_ms": self.media_ms}])

    # -- the call agent's tools (CallHooks) ------------------------------------------------------------

    def request_hangup(self, reason: str) -> None:
        """End the call once the reply being made has been heard."""
        self._after_reply = ("hang_up", reason)

    def note(self, text: str) -> None:
        self.records.append_transcript(self.call_id, [{"role": "note", "text": text, "at_ms": self.media_ms}])

    def done(self, text: str) -> None:
        self.records.append_transcript(self.call_id, [{"role": "done", "text": text, "at_ms": self.media_ms}])

    async def press(self, keys: str) -> None:
        self.records.append_transcript(self.call_id, [{"role": "pressed", "text": keys, "at_ms": self.media_ms}])
        if self._keys is not None:
            await self._keys(keys)
        else:  # as tones after what we are saying; the turn is not held open while they play
            self.player.enqueue(f"keys-{self.media_ms}", dtmf_audio(keys))

    def request_transfer(self, reason: str) -> str | None:
        """Put the caller through once the reply is heard; None when it will be, else why not."""
        if self._transfer is None:
            return "calls cannot be put through to the owner on this line"
        if self._transfer_tried:
            return "the owner could not take the call a moment ago"
        self._after_reply = ("put_through", reason)
        return None

    def reply_pending(self) -> bool:
        return self._after_reply is not None

    async def reply_heard(self) -> None:
        """The reply was heard: hang up or put through, as a tool asked."""
        if self._after_reply is None:
            return
        action, reason = self._after_reply
        if action == "hang_up":
            # The call agent's reason is its own words, shaped by what the caller said: it stays out
            # of the record's reason, which goes into our sentences to the owner.
            await self.hang_up(Ending(EndReason.ASSISTANT_ENDED))
        else:
            await self.put_through(reason)

    async def put_through(self, reason: str) -> None:
        """Once the caller heard that they are being put through: the carrier connects them to the
        owner and the call leaves us (it may come back if the owner does not answer)."""
        self._after_reply = None
        self._transfer_tried = True
        assert self._transfer is not None
        # The carrier may stop our stream before its answer to the command arrives (Twilio does as
        # soon as the new instructions run): a stop from here on is the transfer, not a hang-up.
        self._transferring = True
        refusal = await self._transfer(reason)
        if refusal is None:
            await self.hang_up(Ending(EndReason.TRANSFERRED))
            return
        self._transferring = False
        self.note_system(f"could not put the caller through: {refusal}")
        await self.speak(TRANSFER_FAILED)

    async def opened(self) -> None:
        """The opening words were heard: on a notify call, its message is delivered."""
        if self.setup.mode == "notify":
            await self.voicemail.opened()

    def machine_answered(self, answered_by: AnsweredBy) -> None:
        """The carrier's verdict on who answered (calls/voicemail.py)."""
        self.voicemail.answered(answered_by)

    # -- ending: one path ----------------------------------------------------------------------------------

    def end(self, ending: Ending, goodbye: str | None = None) -> None:
        """End the call: at once, or after `goodbye` has been heard (the media loop keeps reading
        meanwhile, so its mark echo arrives). The first reason decided is the one kept."""
        if goodbye is not None:
            if self._winding_down or self._ending is not None:
                return
            self._winding_down = True
            self.spawn(self._goodbye_then_hang_up(ending, goodbye))
            return
        self._decide(ending)
        self._winding_down = True
        self.spawn(self._close_socket())

    @property
    def winding_down(self) -> bool:
        """A goodbye or a voicemail message plays out: no more audio to the engine, no limits."""
        return self._winding_down

    def wind_down(self) -> None:
        self._winding_down = True

    async def stop_speaking(self) -> None:
        assert self.engine is not None
        await self.engine.stop_speaking()

    async def hang_up(self, ending: Ending) -> None:
        """End the call now, from inside it (its own flows: a message delivered, a goodbye heard)."""
        self._decide(ending)
        self._winding_down = True
        await self._close_socket()

    def _decide(self, ending: Ending) -> None:
        if self._ending is None:
            self._ending = ending

    async def _goodbye_then_hang_up(self, ending: Ending, goodbye: str) -> None:
        assert self.engine is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(15):
                await self.engine.stop_speaking()
                await (await self.speak(goodbye)).wait()
        await self.hang_up(ending)

    async def _close_socket(self) -> None:
        ws = self._stream.websocket
        if ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                reason = self._ending.text() if self._ending else ""
                await ws.close(code=1000, reason=reason[:100])

    # -- the media loop -----------------------------------------------------------------------------------

    async def _read_carrier(self) -> None:
        """Read the carrier's socket until it closes: audio, mark echoes, keypad, stop."""
        assert self.engine is not None
        try:
            async for event in carrier_events(self._stream.websocket, self._stream.codec):
                if isinstance(event, MediaReceived):
                    if self._in_order(event.sequence) and not self._winding_down:
                        if self.recorder is not None:
                            self.recorder.heard(event.payload, self.media_ms)
                        self.media_ms += len(event.payload) // 8
                        await self.engine.on_audio(event.payload)
                        self._check_limits()
                elif isinstance(event, MarkPlayed):
                    self.player.mark_played(event.name)
                elif isinstance(event, StreamStopped):
                    break
                elif isinstance(event, DtmfReceived):
                    self.records.append_transcript(self.call_id, [{"role": "dtmf", "text": event.digit, "at_ms": self.media_ms}])
                    if not self._winding_down:
                        await self.engine.on_digit(event.digit)
        except TooManyBadMessages:
            stopped = Ending(EndReason.MEDIA_ERRORS)
        else:
            stopped = Ending(EndReason.TRANSFERRED) if self._transferring else Ending(EndReason.CALLER_HUNG_UP)
        self._decide(stopped)

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
        assert self.engine is not None
        if self.engine.active() or self.voicemail.holds_the_line():
            self.last_activity_ms = self.media_ms
        # The goodbye starts early enough to end at the limit, when we know how long it is.
        if self.media_ms + self.engine.goodbye_ms(GOODBYE_LIMIT) >= self.config.max_duration_seconds * 1000:
            self.end(Ending(EndReason.MAX_DURATION), goodbye=GOODBYE_LIMIT)
        elif self.media_ms - self.last_activity_ms >= self.config.silence_timeout_seconds * 1000:
            self.end(Ending(EndReason.SILENCE_TIMEOUT), goodbye=GOODBYE_SILENCE)

    # -- plumbing -----------------------------------------------------------------------------------------

    def _other_party(self) -> str:
        """The number of the person on the line (the caller, or whom we called)."""
        record = self.records.get(self.call_id)
        return record.other_party if record is not None else ""

    def _heard(self, name: str) -> None:
        if self.engine is not None:
            self.engine.heard(name)

    def _started(self, name: str) -> None:
        if self.engine is not None:
            self.engine.started(name)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        """Tasks of this call end with it."""
        return self._tasks.spawn(coroutine, name)

    async def _send(self, text: str) -> None:
        """One message to the carrier; nothing once the socket is gone."""
        ws = self._stream.websocket
        if ws.client_state != WebSocketState.CONNECTED:
            return
        async with self._send_lock:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await ws.send_text(text)

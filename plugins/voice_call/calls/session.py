"""A live call: media in -> VAD -> STT -> call agent -> TTS -> paced media out, with barge-in and limits.

Time in a call is the media clock: 20 ms per caller frame received, so limits hold whatever the
machine's load. Everything the caller heard is known from mark echoes and lands in the transcript.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from pydantic_ai.messages import ModelMessage
from starlette.websockets import WebSocket

from plugins.voice_call.calls.agent import CallAgent, CallDeps
from plugins.voice_call.calls.line import CallLine
from plugins.voice_call.calls.player import Player
from plugins.voice_call.calls.media import TooManyBadMessages, carrier_events
from plugins.voice_call.carriers.base import Carrier, DtmfReceived, MarkPlayed, MediaReceived, StreamStopped
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.audio import ulaw_to_float
from plugins.voice_call.speech.stt import SpeechToText
from plugins.voice_call.speech.tts import AudioStream, TextToSpeech, sentences_from_stream
from plugins.voice_call.speech.vad import UtteranceDetector

if TYPE_CHECKING:
    from plugins.voice_call.calls.records import CallRecords

log = logging.getLogger(__name__)

GOODBYE_LIMIT = "I'm sorry, we've reached the time limit for this call. Goodbye."
GOODBYE_SILENCE = "I haven't heard anything for a while, so I'll hang up now. Goodbye."


class CallSession(CallLine):
    def __init__(self, *, call_id: str, carrier: Carrier, websocket: WebSocket, stream_id: str,
                 config: VoiceCallConfig, records: "CallRecords", agent: CallAgent, stt: SpeechToText,
                 tts: TextToSpeech, end_silence_ms: int = 600, intro: str = "",
                 intro_audio: asyncio.Task[bytes] | None = None, intro_only: bool = False) -> None:
        super().__init__(call_id=call_id, carrier=carrier, websocket=websocket, stream_id=stream_id, records=records)
        self.config, self.agent, self.stt, self.tts = config, agent, stt, tts
        self.vad = UtteranceDetector(end_silence_ms=end_silence_ms)
        self.player = Player(carrier, stream_id, self._send, on_heard=self._heard)
        self.history: list[ModelMessage] = []
        self.deps = CallDeps(self)
        self._intro = intro or config.inbound.greeting
        self._intro_audio = intro_audio
        #: Pairing calls only hear the intro (their code) and are then hung up; nothing interrupts it.
        self.intro_only = intro_only
        self._last_sequence: int | None = None
        self._intro_done = False
        self._spoken_count = 0
        self.mode = "inbound"
        self.message = ""
        self._turn: asyncio.Task[None] | None = None
        self._turns = 0
        self._spoken: dict[str, str] = {}
        self.barge_ins = 0
        self._listening = False  # an utterance is open at the speech recogniser
        for engine in (tts, stt):
            if hasattr(engine, "on_switch"):
                engine.on_switch = self._engine_switched
                if engine.switched:
                    self._engine_switched(engine.switched)

    # -- plumbing ---------------------------------------------------------------------------------

    def _engine_switched(self, why: str) -> None:
        self.records.append_transcript(self.call_id, [{"role": "system", "text": why, "at_ms": self.media_ms}])

    def _heard(self, name: str) -> None:
        text = self._spoken.pop(name, None)
        if text is not None:
            self.records.append_transcript(self.call_id, [{"role": "assistant", "text": text, "at_ms": self.media_ms, "heard": True}])

    def _say(self, name: str, text: str, audio: bytes | None = None) -> asyncio.Event:
        """Queue `text` to be spoken (synthesis starts now unless `audio` is given)."""
        self._spoken[name] = text
        return self.player.enqueue(name, audio if audio is not None else AudioStream(self.tts.stream(text)))

    # -- the call ---------------------------------------------------------------------------------

    async def run(self) -> str:
        player = asyncio.create_task(self.player.run(), name=f"player-{self.call_id}")
        greeting = asyncio.create_task(self._greet(), name=f"greeting-{self.call_id}")
        try:
            await self._receive()
        finally:
            for task in (greeting, self._turn, player):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            for name, text in list(self._spoken.items()):
                self.records.append_transcript(self.call_id, [{"role": "assistant", "text": text, "at_ms": self.media_ms, "heard": False}])
            self._spoken.clear()
            await self.stt.close()
        return self.end_reason or "caller hung up"

    async def speak(self, text: str) -> asyncio.Event:
        """Say `text` on the call (the owner's agent speaking through `realtime_call`)."""
        self._spoken_count += 1
        return self._say(f"o{self._spoken_count}", text)

    async def _greet(self) -> None:
        text = self._intro
        audio = await self._intro_audio if self._intro_audio is not None else None
        played = self._say("greeting", text, audio)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(played.wait(), timeout=120)
        self._intro_done = True
        if self.intro_only:
            await self._close("pairing code given")
        elif self.mode == "notify":
            await asyncio.sleep(1.0)  # a short pause, so the message does not end abruptly
            await self._close("message delivered")

    async def _receive(self) -> None:
        try:
            async for event in carrier_events(self.ws, self.carrier, self.call_id):
                if self._ending:
                    return
                if isinstance(event, MediaReceived):
                    await self._on_media(event.payload, event.sequence)
                elif isinstance(event, MarkPlayed):
                    self.player.mark_played(event.name)
                elif isinstance(event, StreamStopped):
                    break
                elif isinstance(event, DtmfReceived):
                    self.records.append_transcript(self.call_id, [{"role": "dtmf", "text": event.digit, "at_ms": self.media_ms}])
        except TooManyBadMessages:
            self.end_reason = "media protocol errors"
            return
        self.end_reason = self.end_reason or "caller hung up"

    async def _on_media(self, payload: bytes, sequence: int | None) -> None:
        if sequence is not None:
            # Telnyx does not guarantee order; a frame older than one we processed is dropped.
            if self._last_sequence is not None and sequence <= self._last_sequence:
                return
            self._last_sequence = sequence
        self.media_ms += len(payload) // 8
        if self.intro_only or self.mode == "notify":
            return
        listening = self._listening
        for event in self.vad.feed(ulaw_to_float(payload)):
            if not self._intro_done:
                continue  # the opening message is not interrupted (callees often say "hello?" as they pick up)
            if event.kind == "speech_start":
                self._listening = True
                self.stt.begin(event.audio if event.audio is not None else ulaw_to_float(b""))
                if self.player.busy or (self._turn is not None and not self._turn.done()):
                    await self._barge_in()
            elif event.kind == "speech_end" and event.audio is not None:
                if not self._listening:  # it began during the greeting: the recogniser gets it whole
                    self.stt.begin(event.audio)
                self._listening = False
                self._turn = asyncio.create_task(self._take_turn(event.audio), name=f"turn-{self.call_id}")
        if listening:
            self.stt.hear(payload)  # this frame's audio goes up before the end-of-utterance commit
        if self.vad.speaking or self.player.busy or (self._turn is not None and not self._turn.done()):
            self.last_activity_ms = self.media_ms
        if self.media_ms >= self.config.max_duration_seconds * 1000:
            await self._finish("max duration reached", GOODBYE_LIMIT)
        elif self.media_ms - self.last_activity_ms >= self.config.silence_timeout_seconds * 1000:
            await self._finish("silence timeout", GOODBYE_SILENCE)

    async def _barge_in(self) -> None:
        self.barge_ins += 1
        if self._turn is not None and not self._turn.done():
            self._turn.cancel()
        dropped = await self.player.flush()
        entries = [{"role": "assistant", "text": self._spoken.pop(n), "at_ms": self.media_ms, "heard": False, "interrupted": True}
                   for n in dropped if n in self._spoken]
        if entries:
            self.records.append_transcript(self.call_id, entries)

    async def _take_turn(self, audio: Any) -> None:
        text = (await self.stt.transcribe(audio)).strip()
        if not text:
            return
        if self._caller_said(text):
            return
        self._turns += 1
        played: list[asyncio.Event] = []
        try:
            context = (f"You placed this call on your owner's behalf and opened with: {self.message!r}. "
                       "Stay on that topic." if self.mode == "conversation" else None)
            sentences = sentences_from_stream(self.agent.reply(text, self.history, self.deps, context))
            index = 0
            async for sentence in sentences:
                played.append(self._say(f"t{self._turns}s{index}", sentence))
                index += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failing model must not leave the caller in silence
            log.exception("call %s: reply failed", self.call_id)
            apology = "I'm sorry, I'm having trouble answering right now."
            played.append(self._say(f"t{self._turns}err", apology))
            self.records.append_transcript(self.call_id, [{"role": "error", "text": str(exc)[:200], "at_ms": self.media_ms}])
        if self.hangup_reason:
            for event in played:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=15)
            await self._close(self.hangup_reason)

    async def _finish(self, reason: str, goodbye: str) -> None:
        """Say goodbye, wait until it has been heard, and hang up."""
        if self._ending:
            return
        self._ending = True
        if self._turn is not None and not self._turn.done():
            self._turn.cancel()
        if self.player.busy:
            await self.player.flush()
        played = self._say("goodbye", goodbye)
        # Keep reading the socket so mark echoes arrive while we wait.
        reader = asyncio.create_task(self._drain_marks())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(played.wait(), timeout=15)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        await self._close(reason)

    async def _drain_marks(self) -> None:
        with contextlib.suppress(TooManyBadMessages):
            async for event in carrier_events(self.ws, self.carrier, self.call_id):
                if isinstance(event, MarkPlayed):
                    self.player.mark_played(event.name)

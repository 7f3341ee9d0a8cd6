"""A fake OpenAI Realtime API (GA protocol, ../shared/PROTOCOLS.md) on a local WebSocket.

`/v1/realtime?model=...` runs a voice conversation: `audio/pcmu` in, server VAD (an energy detector
with the session's silence_duration_ms and prefix padding), the caller's words transcribed by local
Whisper, answers from a small script (text or a function call), spoken by Kokoro as `audio/pcmu`
deltas. `?intent=transcription` runs a transcription session with manual commits. It checks what a
client sends the way the service does (Bearer auth, no beta header, session type and formats,
truncation within generated audio) and records every client event for assertions.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from plugins.voice_call.speech.stt import LocalWhisper

from .cloud_tts import kokoro_pcm16
from .server import LocalServer

if sys.version_info >= (3, 13):
    import audioop  # type: ignore[import-not-found]
else:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop

FRAME = 160  # 20 ms of 8 kHz mu-law
VOICED_RMS = 400
_ids = itertools.count(1)
SAY_EXACTLY = re.compile(r"word for word, and nothing else: (.+)$", re.S)

#: A reply: spoken text, or a function call (name, arguments).
Reply = str | tuple[str, dict[str, Any]]


def scripted_brain(transcript: str) -> Reply:
    """The fake model's answers, by what the caller said."""
    text = transcript.lower()
    if "bye" in text:
        return ("end_call", {"reason": "caller said goodbye"})
    if "message" in text:
        return ("take_message", {"message": transcript})
    if "owner" in text:
        return ("transfer_to_owner", {"reason": "the caller asked for you"})
    if "capital" in text and "france" in text:
        return "The capital of France is Paris."
    if "story" in text:
        return (
            "Once upon a time there was a lighthouse keeper who lived alone on a rocky island. "
            "Every night he climbed the stairs and lit the lamp. Ships passed safely in the dark."
        )
    return "Sorry, I did not catch that."


def new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


@dataclass
class RealtimeSession:
    """One client connection, as the fake saw it."""

    query: dict[str, str]
    headers: dict[str, str]
    events: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    generated_ms: dict[str, int] = field(default_factory=dict)
    responses: int = 0

    def sent(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("type") == kind]


class FakeRealtime:
    def __init__(self, api_key: str = "sk-test-openai-0123456789", brain: Callable[[str], Reply] = scripted_brain) -> None:
        self.api_key, self.brain = api_key, brain
        self.sessions: list[RealtimeSession] = []
        #: Refuse the handshake with this HTTP status (401, 429).
        self.refuse_with: int | None = None
        #: Drop the socket (close 1011) after this many completed responses in a session.
        self.drop_after_responses: int | None = None
        self._server = LocalServer(Starlette(routes=[WebSocketRoute("/v1/realtime", self._connect)]), "fake-openai-realtime")

    def __enter__(self) -> FakeRealtime:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/v1"

    async def _connect(self, ws: WebSocket) -> None:
        if ws.headers.get("authorization") != f"Bearer {self.api_key}" or self.refuse_with:
            status = self.refuse_with or 401
            message = "Incorrect API key provided" if status == 401 else "Rate limit reached"
            await ws.send_denial_response(JSONResponse({"error": {"message": message, "code": str(status)}}, status_code=status))
            return
        await ws.accept()
        session = RealtimeSession(dict(ws.query_params), dict(ws.headers))
        self.sessions.append(session)
        await _Conversation(self, session, ws).run()


class _Conversation:
    def __init__(self, fake: FakeRealtime, session: RealtimeSession, ws: WebSocket) -> None:
        self.fake, self.session, self.ws = fake, session, ws
        self.transcription = session.query.get("intent") == "transcription"
        self.buffer = bytearray()
        self.history: list[bytes] = []  # recent frames, for prefix padding
        self.speaking, self.voiced, self.quiet_ms = False, 0, 0
        self.response: asyncio.Task[None] | None = None
        self.turn: asyncio.Task[None] | None = None
        self.last_transcript = ""
        self.last_call: str | None = None
        self.send_lock = asyncio.Lock()

    async def send(self, event: dict[str, Any]) -> None:
        event.setdefault("event_id", new_id("event"))
        async with self.send_lock:
            await self.ws.send_text(json.dumps(event))

    async def error(self, code: str, message: str) -> None:
        await self.send({"type": "error", "error": {"type": "invalid_request_error", "code": code, "message": message}})

    async def run(self) -> None:
        if "openai-beta" in self.session.headers:
            await self.error("beta_not_supported", "This fake speaks the GA protocol only")
        kind = "transcription" if self.transcription else "realtime"
        await self.send({"type": "session.created", "session": {"id": new_id("sess"), "type": kind}})
        try:
            while True:
                event = json.loads(await self.ws.receive_text())
                self.session.events.append(event)
                await self.handle(event)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            for task in (self.response, self.turn):
                if task:
                    task.cancel()

    async def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "session.update":
            config = event.get("session") or {}
            expected = "transcription" if self.transcription else "realtime"
            if config.get("type") != expected:
                return await self.error("invalid_value", f"session.type must be {expected!r} on this connection")
            if ((config.get("audio") or {}).get("input") or {}).get("format", {}).get("type") != "audio/pcmu":
                return await self.error("invalid_value", "this fake only accepts audio/pcmu input")
            self.session.config = config
            await self.send({"type": "session.updated", "session": config})
        elif kind == "input_audio_buffer.append":
            try:
                audio = base64.b64decode(event["audio"], validate=True)
            except (KeyError, ValueError):
                return await self.error("invalid_value", "audio must be base64")
            await self.hear(audio)
        elif kind == "input_audio_buffer.clear":
            self.buffer.clear()
            await self.send({"type": "input_audio_buffer.cleared"})
        elif kind == "input_audio_buffer.commit":
            if not self.buffer:
                return await self.error("input_audio_buffer_commit_empty", "buffer is empty")
            await self.commit(self.take_buffer())
        elif kind == "response.create":
            await self.start_response(event.get("response") or {})
        elif kind == "response.cancel":
            if self.response and not self.response.done():
                self.response.cancel()
        elif kind == "conversation.item.create":
            item = event.get("item") or {}
            await self.send({"type": "conversation.item.added", "item": {**item, "id": item.get("id") or new_id("item")}})
        elif kind == "conversation.item.truncate":
            item_id, end_ms = event.get("item_id"), event.get("audio_end_ms", -1)
            generated = self.session.generated_ms.get(item_id)
            if generated is None:
                return await self.error("item_not_found", f"no assistant audio item {item_id}")
            if not 0 <= end_ms <= generated:
                return await self.error("invalid_value", f"audio_end_ms {end_ms} is beyond the {generated} ms generated")
            await self.send(
                {"type": "conversation.item.truncated", "item_id": item_id, "content_index": 0, "audio_end_ms": end_ms}
            )
        else:
            await self.error("unknown_event", f"unknown client event {kind!r}")

    # -- input audio and server VAD -------------------------------------------------------------

    def turn_detection(self) -> dict[str, Any] | None:
        return ((self.session.config.get("audio") or {}).get("input") or {}).get("turn_detection")

    async def hear(self, audio: bytes) -> None:
        vad = self.turn_detection()
        if vad is None:
            self.buffer += audio
            return
        for i in range(0, len(audio), FRAME):
            frame = audio[i : i + FRAME]
            voiced = audioop.rms(audioop.ulaw2lin(frame, 2), 2) > VOICED_RMS
            if not self.speaking:
                self.history = (self.history + [frame])[-(vad.get("prefix_padding_ms", 300) // 20) :]
                self.voiced = self.voiced + 1 if voiced else 0
                if self.voiced >= 3:
                    self.speaking, self.quiet_ms = True, 0
                    self.buffer = bytearray(b"".join(self.history))
                    await self.send({"type": "input_audio_buffer.speech_started", "item_id": new_id("item")})
                    if vad.get("interrupt_response", True) and self.response and not self.response.done():
                        self.response.cancel()
                continue
            self.buffer += frame
            self.quiet_ms = 0 if voiced else self.quiet_ms + 20
            if self.quiet_ms >= vad.get("silence_duration_ms", 500):
                self.speaking, self.voiced = False, 0
                await self.send({"type": "input_audio_buffer.speech_stopped"})
                audio = self.take_buffer()
                self.turn = asyncio.create_task(self.turn_taken(audio, vad.get("create_response", True)))

    async def turn_taken(self, audio: bytes, create_response: bool) -> None:
        transcript = await self.commit(audio)
        if create_response and transcript:
            await self.start_response({})

    def take_buffer(self) -> bytes:
        audio = bytes(self.buffer)
        self.buffer.clear()
        return audio

    async def commit(self, audio: bytes) -> str:
        item_id = new_id("item")
        await self.send({"type": "input_audio_buffer.committed", "item_id": item_id, "previous_item_id": None})
        samples = np.frombuffer(audioop.ulaw2lin(audio, 2), dtype="<i2").astype(np.float32) / 32768
        transcript = await asyncio.to_thread(LocalWhisper.shared().transcribe_sync, samples, 8000)
        await self.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id,
                "content_index": 0,
                "transcript": transcript,
            }
        )
        self.last_transcript = transcript
        return transcript

    # -- responses ----------------------------------------------------------------------------------

    async def start_response(self, params: dict[str, Any]) -> None:
        if self.response and not self.response.done():
            return await self.error("conversation_already_has_active_response", "a response is in progress")
        self.response = asyncio.create_task(self.respond(params))

    def reply(self, params: dict[str, Any]) -> Reply:
        if match := SAY_EXACTLY.search(params.get("instructions") or ""):
            return match.group(1).strip()
        if self.last_call is not None:
            call, self.last_call = self.last_call, None
            if call == "transfer_to_owner":
                return "Putting you through now."
            return "Goodbye!" if call == "end_call" else "I've noted that for my owner."
        return self.fake.brain(self.last_transcript)

    async def respond(self, params: dict[str, Any]) -> None:
        response_id = new_id("resp")
        metadata = params.get("metadata")
        await self.send(
            {
                "type": "response.created",
                "response": {"id": response_id, "object": "realtime.response", "status": "in_progress", "metadata": metadata},
            }
        )
        status = "completed"
        try:
            reply = self.reply(params)
            if isinstance(reply, tuple):
                await self.function_call(response_id, *reply)
            else:
                await self.speak(response_id, reply)
        except asyncio.CancelledError:
            status = "cancelled"
        await self.send({"type": "response.done", "response": {"id": response_id, "status": status, "metadata": metadata}})
        self.session.responses += 1
        if self.fake.drop_after_responses is not None and self.session.responses >= self.fake.drop_after_responses:
            await self.ws.close(code=1011, reason="fake upstream failure")

    async def function_call(self, response_id: str, name: str, arguments: dict[str, Any]) -> None:
        item_id, call_id = new_id("item"), new_id("call")
        self.last_call = name
        await self.send(
            {
                "type": "response.function_call_arguments.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "call_id": call_id,
                "name": name,
                "arguments": json.dumps(arguments),
            }
        )

    async def speak(self, response_id: str, text: str) -> None:
        item_id = new_id("item")
        output = (self.session.config.get("audio") or {}).get("output") or {}
        if output.get("format", {}).get("type") != "audio/pcmu":
            return await self.error("invalid_value", "this fake only produces audio/pcmu output")
        await self.send(
            {
                "type": "response.output_item.added",
                "response_id": response_id,
                "output_index": 0,
                "item": {"id": item_id, "type": "message", "role": "assistant"},
            }
        )
        ulaw = audioop.lin2ulaw(await asyncio.to_thread(kokoro_pcm16, text, 8000), 2)
        self.session.generated_ms[item_id] = 0
        for i in range(0, len(ulaw), 1203):  # deltas arrive faster than real time, in odd sizes
            chunk = ulaw[i : i + 1203]
            self.session.generated_ms[item_id] += len(chunk) // 8
            await self.send(
                {
                    "type": "response.output_audio.delta",
                    "response_id": response_id,
                    "item_id": item_id,
                    "output_index": 0,
                    "content_index": 0,
                    "delta": base64.b64encode(chunk).decode(),
                }
            )
            await asyncio.sleep(0.01)
        await self.send(
            {
                "type": "response.output_audio.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
            }
        )
        await self.send(
            {
                "type": "response.output_audio_transcript.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "transcript": text,
            }
        )

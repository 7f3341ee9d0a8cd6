"""Realtime Call mode: the carrier's media stream bridged to the OpenAI Realtime API (GA protocol).

Both sides speak `audio/pcmu`, so the carrier's mu-law goes up and the model's comes down without
conversion. OpenAI's server VAD takes turns; on barge-in we flush the carrier and truncate the
model's item to what the caller heard, known from mark echoes. Tool calls run the call's restricted
toolset. If the Realtime socket cannot open or drops, the call session swaps in the local pipeline
on the same media stream (`calls/session.py`), so the caller is never left in silence.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from plugins.voice_call.calls.caller_tools import realtime_tool_schemas, run_call_tool
from plugins.voice_call.calls.engine import Engine, Line
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.audio import FRAME_SAMPLES, MULAW_SILENCE

if TYPE_CHECKING:
    from openai import AsyncOpenAI


log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 8.0
AUDIO_DELTA = ("response.output_audio.delta", "response.audio.delta")  # GA name, beta name
AUDIO_DONE = ("response.output_audio.done", "response.audio.done")
TRANSCRIPT_DONE = ("response.output_audio_transcript.done", "response.audio_transcript.done")


def session_update(config: VoiceCallConfig, instructions: str) -> dict[str, Any]:
    return {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "model": config.openai.realtime_model,
            "instructions": instructions,
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcmu"},
                    "transcription": {"model": config.openai.transcription_model},
                    "turn_detection": {
                        "type": "server_vad",
                        "threshold": 0.5,
                        "prefix_padding_ms": 300,
                        "silence_duration_ms": config.end_of_utterance_ms,
                        "create_response": True,
                        "interrupt_response": True,
                    },
                },
                "output": {"format": {"type": "audio/pcmu"}, "voice": config.openai.realtime_voice},
            },
            "tools": realtime_tool_schemas(),
            "tool_choice": "auto",
        },
    }


async def open_realtime(client: AsyncOpenAI, config: VoiceCallConfig, instructions: str) -> Any:
    """Connect and configure; called while the webhook is answered, so the socket is ready when
    the media stream arrives."""
    async with asyncio.timeout(CONNECT_TIMEOUT_S):
        connection = await client.realtime.connect(model=config.openai.realtime_model).enter()
        try:
            await connection.send(cast(Any, session_update(config, instructions)))  # a plain dict is a valid event
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.close()
            raise
    return connection


def say_exactly(text: str) -> str:
    return f"Say exactly this to the caller, word for word, and nothing else: {text}"


@dataclass
class SpokenItem:
    """One assistant audio item: how much was generated, how much the caller heard, what it said."""

    item_id: str
    generated_ms: int = 0
    heard_ms: int = 0
    partial: bytes = b""
    text: str | None = None
    complete: asyncio.Event | None = None  # set when its last audio was heard (or flushed)
    heard_all: bool = False
    interrupted: bool = False
    written: bool = False


class RealtimeEngine(Engine):
    """One call over OpenAI Realtime, on a socket opened while the call connected."""

    def __init__(self, line: Line, connection: Any) -> None:
        super().__init__(line)
        self.rt, self.intro = connection, line.setup.intro
        self.intro_delivered = False
        self._items: dict[str, SpokenItem] = {}
        self._marks: dict[str, tuple[SpokenItem, int, bool]] = {}
        self._current: SpokenItem | None = None
        self._responses: dict[str, list[SpokenItem]] = {}
        self._response_calls: set[str] = set()
        self._tags: dict[str, str] = {}
        self._tag_events: dict[str, asyncio.Event] = {}
        self._caller_speaking = False
        self._responding = False
        self._count = 0
        self._intro_items: list[SpokenItem] = []
        self._intro_generated = False
        self._upstream: asyncio.Task[None] | None = None

    # -- the owner's realtime_call ----------------------------------------------------------------

    async def speak(self, text: str) -> asyncio.Event:
        return await self._respond(say_exactly(text))

    # -- the call ---------------------------------------------------------------------------------

    async def start(self) -> None:
        self._upstream = self.spawn(self._from_openai(), f"rt-openai-{self.line.call_id}")
        self.spawn(self._open(), f"rt-intro-{self.line.call_id}")

    async def lost(self) -> None:
        """The Realtime socket closed or failed (waited on without cancelling its reader)."""
        assert self._upstream is not None
        await asyncio.wait([self._upstream])

    def opening_heard(self) -> bool:
        # Decided from what was heard, not from the intro task, which may not have run yet.
        return self.intro_delivered or (
            self._intro_generated and bool(self._intro_items) and all(i.heard_all for i in self._intro_items)
        )

    async def close(self) -> None:
        await super().close()
        for item in self._items.values():
            self._write(item, final=True)
        with contextlib.suppress(Exception):
            await self.rt.close()

    async def _open(self) -> None:
        """The first words: the greeting, or the outbound message; a notify call then hangs up."""
        played = await self._respond(say_exactly(self.intro), tag="intro")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(played.wait(), timeout=120)
        self.intro_delivered = True
        await self._send_openai({"type": "input_audio_buffer.clear"})
        await self.line.opened()

    async def _respond(self, instructions: str, tag: str | None = None) -> asyncio.Event:
        """Ask for a response; the event is set once its audio has been heard."""
        self._count += 1
        tag = tag or f"o{self._count}"
        done = self._tag_events[tag] = asyncio.Event()
        await self._send_openai({"type": "response.create", "response": {"instructions": instructions, "metadata": {"tag": tag}}})
        return done

    # -- carrier -> OpenAI --------------------------------------------------------------------------

    async def on_audio(self, payload: bytes) -> None:
        # Like the local pipeline, the opening words are not interrupted: the caller's audio goes up
        # once they have been heard (callees often say "hello?" as they pick up).
        if self.intro_delivered:
            await self._send_openai({"type": "input_audio_buffer.append", "audio": base64.b64encode(payload).decode()})

    def active(self) -> bool:
        return not self.intro_delivered or self._caller_speaking or self._responding or self.line.player.busy

    # -- OpenAI -> carrier --------------------------------------------------------------------------

    async def _from_openai(self) -> None:
        """Returns when the Realtime socket closes or fails."""
        with contextlib.suppress(Exception):
            while True:
                await self._on_openai(json.loads(await self.rt.recv_bytes()))

    async def _on_openai(self, event: dict[str, Any]) -> None:
        kind = event.get("type", "")
        if kind in AUDIO_DELTA:
            self._audio(event["item_id"], base64.b64decode(event.get("delta", "")), event.get("response_id"))
        elif kind in AUDIO_DONE:
            self._audio_done(event["item_id"])
        elif kind in TRANSCRIPT_DONE:
            item = self._item(event["item_id"])
            item.text = event.get("transcript", "")
            self._write(item)
        elif kind == "input_audio_buffer.speech_started":
            self._caller_speaking = True
            self.line.caller_speaking()
            if self.intro_delivered and self.line.player.busy:
                await self._barge_in()
        elif kind == "input_audio_buffer.speech_stopped":
            self._caller_speaking = False
        elif kind == "conversation.item.input_audio_transcription.completed":
            if text := event.get("transcript", "").strip():
                self.line.caller_said(text)
        elif kind == "response.created":
            self._responding = True
            response = event.get("response") or {}
            tag = (response.get("metadata") or {}).get("tag")
            if tag:
                self._tags[response.get("id", "")] = tag
        elif kind == "response.function_call_arguments.done":
            self._response_calls.add(event.get("response_id", ""))
            self.spawn(self._tool_call(event))
        elif kind == "response.done":
            self._responding = False
            response_id = (event.get("response") or {}).get("id", "")
            self._intro_generated = self._intro_generated or self._tags.get(response_id) == "intro"
            self.spawn(self._response_done(response_id))
        elif kind == "error":
            log.warning("OpenAI Realtime error %s", (event.get("error") or {}).get("code"))

    def _item(self, item_id: str) -> SpokenItem:
        if item_id not in self._items:
            self._items[item_id] = SpokenItem(item_id, complete=asyncio.Event())
        return self._items[item_id]

    def _audio(self, item_id: str, ulaw: bytes, response_id: str | None) -> None:
        item = self._item(item_id)
        if item.generated_ms == 0 and not item.partial and response_id is not None:
            self._responses.setdefault(response_id, []).append(item)
            if self._tags.get(response_id) == "intro":
                self._intro_items.append(item)
        if item.interrupted:
            return
        # Whole 20 ms frames only, so chunk edges never become gaps of padding.
        data = item.partial + ulaw
        usable = len(data) - len(data) % FRAME_SAMPLES
        item.partial = data[usable:]
        if usable:
            self._enqueue(item, data[:usable], final=False)

    def _audio_done(self, item_id: str) -> None:
        item = self._item(item_id)
        if item.interrupted:
            return
        tail = item.partial + MULAW_SILENCE * ((FRAME_SAMPLES - len(item.partial) % FRAME_SAMPLES) % FRAME_SAMPLES)
        item.partial = b""
        self._enqueue(item, tail, final=True)

    def _enqueue(self, item: SpokenItem, audio: bytes, final: bool) -> None:
        item.generated_ms += len(audio) // 8
        self._count += 1
        name = f"rt{self._count}"
        self._marks[name] = (item, item.generated_ms, final)
        self._current = item
        played = self.line.player.enqueue(name, audio)
        if final:
            self.spawn(self._complete_when(item, played))

    async def _complete_when(self, item: SpokenItem, played: asyncio.Event) -> None:
        await played.wait()
        assert item.complete is not None
        item.complete.set()

    def heard(self, name: str) -> None:
        mark = self._marks.pop(name, None)
        if mark is None:
            return
        item, end_ms, final = mark
        item.heard_ms = max(item.heard_ms, end_ms)
        if final:
            item.heard_all = True
            self._write(item)

    def _write(self, item: SpokenItem, final: bool = False) -> None:
        """The assistant's words go into the transcript once we know whether the caller heard them."""
        if item.written or item.text is None or not (item.heard_all or item.interrupted or final):
            return
        item.written = True
        entry: dict[str, Any] = {"role": "assistant", "text": item.text, "at_ms": self.line.media_ms, "heard": item.heard_all}
        if item.interrupted:
            entry.update(interrupted=True, heard_ms=item.heard_ms)
        self.line.records.append_transcript(self.line.call_id, [entry])

    async def _barge_in(self) -> None:
        """The caller talks over us."""
        self.barge_ins += 1
        await self._cut_audio()

    async def _cut_audio(self) -> None:
        """Flush the carrier, then cut the model's item to what was heard."""
        item = self._current
        self._marks.clear()  # echoes of the audio we are about to flush do not count as heard
        await self.line.player.flush()
        if item is not None and not item.heard_all:
            item.interrupted = True
            await self._send_openai(
                {
                    "type": "conversation.item.truncate",
                    "item_id": item.item_id,
                    "content_index": 0,
                    "audio_end_ms": min(item.heard_ms, item.generated_ms),
                }
            )
            self._write(item)

    async def _tool_call(self, event: dict[str, Any]) -> None:
        output = await run_call_tool(event.get("name", ""), event.get("arguments", "{}"), self.line.deps)
        await self._send_openai(
            {
                "type": "conversation.item.create",
                "item": {"type": "function_call_output", "call_id": event.get("call_id", ""), "output": output},
            }
        )
        await self._send_openai({"type": "response.create"})

    async def _response_done(self, response_id: str) -> None:
        items = self._responses.pop(response_id, [])
        for item in items:
            assert item.complete is not None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(item.complete.wait(), timeout=120)
        if (tag := self._tags.pop(response_id, None)) and tag in self._tag_events:
            self._tag_events.pop(tag).set()
        if self.line.reply_pending() and response_id not in self._response_calls:
            await self.line.reply_heard()  # the goodbye after end_call, or "putting you through", was heard

    async def stop_speaking(self) -> None:
        if self._responding:
            await self._send_openai({"type": "response.cancel"})
        if self.line.player.busy:
            await self._cut_audio()

    # -- plumbing ---------------------------------------------------------------------------------------

    async def _send_openai(self, event: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):  # a dead socket shows up in _from_openai
            await self.rt.send(event)

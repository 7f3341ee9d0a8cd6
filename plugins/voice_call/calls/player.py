"""Outgoing audio: 20 ms frames paced near real time, marks to learn what the caller heard."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from plugins.voice_call.carriers.base import MediaCodec
from plugins.voice_call.history.recordings import CallRecorder
from plugins.voice_call.speech.audio import FRAME_MS, FRAME_SAMPLES, MULAW_SILENCE, PHONE_RATE, frames
from plugins.voice_call.speech.tts import AudioStream

Audio = bytes | AudioStream


@dataclass(frozen=True)
class Cut:
    """What a flush stopped: every name dropped, and how much of the one that was playing was heard."""

    dropped: list[str]
    playing: str | None = None
    heard_ms: int = 0
    #: The playing audio's whole length, when it was all made (0 when it was still being made).
    total_ms: int = 0


LEAD_MS = 80  # how far ahead of real time we let audio run, so a flush has little to drop


class Player:
    def __init__(
        self,
        codec: MediaCodec,
        stream_id: str,
        send: Callable[[str], Awaitable[None]],
        on_heard: Callable[[str], None] | None = None,
        on_start: Callable[[str], None] | None = None,
        recorder: CallRecorder | None = None,
    ) -> None:
        self._codec, self._stream_id, self._send = codec, stream_id, send
        self._on_heard, self._on_start = on_heard, on_start
        self._recorder = recorder  # a recorded call: each frame sent, and what a flush drops
        self._queue: asyncio.Queue[tuple[str, Audio]] = asyncio.Queue()
        self._current: Audio | None = None
        self._current_name: str | None = None
        self._current_frames = 0
        self._generation = 0
        self._sending = False
        self._epoch = 0.0
        self._sent = 0
        self.pending_marks: dict[str, asyncio.Event] = {}
        self.frames_sent = 0

    @property
    def busy(self) -> bool:
        """True while audio is queued, being sent, or not yet played out at the carrier."""
        return self._sending or not self._queue.empty() or bool(self.pending_marks)

    def enqueue(self, name: str, audio: Audio) -> asyncio.Event:
        """Queue audio (whole, or still being synthesised) to play after what is queued already."""
        played = asyncio.Event()
        self.pending_marks[name] = played
        self._queue.put_nowait((name, audio))
        return played

    async def run(self) -> None:
        while True:
            name, audio = await self._queue.get()
            generation = self._generation
            self._sending, self._current, self._current_name, self._current_frames = True, audio, name, 0
            try:
                async for frame in _frames(audio):
                    await self._pace()
                    if generation != self._generation:
                        break
                    await self._send(self._codec.media(self._stream_id, frame))
                    if self._recorder is not None:
                        self._recorder.said(frame)
                    if self._current_frames == 0 and self._on_start is not None:
                        self._on_start(name)
                    self.frames_sent += 1
                    self._current_frames += 1
                else:
                    await self._send(self._codec.mark(self._stream_id, name))
            finally:
                self._sending, self._current = False, None

    async def _pace(self) -> None:
        now = time.monotonic()
        if now > self._epoch + (self._sent + 1) * FRAME_MS / 1000:
            self._epoch, self._sent = now, 0  # idle or fell behind: start a new burst
        due = self._epoch + (self._sent * FRAME_MS - LEAD_MS) / 1000
        if due > now:
            await asyncio.sleep(due - now)
        self._sent += 1

    def _heard_of_current(self) -> int:
        """Milliseconds of the playing audio the caller has heard: what was sent, less what the
        carrier still holds (we run at most LEAD_MS ahead of real time)."""
        ahead_s = max(0.0, self._epoch + self._sent * FRAME_MS / 1000 - time.monotonic())
        return max(0, self._current_frames * FRAME_MS - round(ahead_s * 1000))

    async def flush(self) -> Cut:
        """Drop everything not yet played and tell the carrier to do the same."""
        playing = self._current_name if self._current is not None and self._current_name in self.pending_marks else None
        heard_ms = self._heard_of_current() if playing else 0
        total_ms = _length_ms(self._current) if playing and self._current is not None else 0
        self._generation += 1
        while not self._queue.empty():
            _cancel(self._queue.get_nowait()[1])
        if self._current is not None:
            _cancel(self._current)
        dropped = list(self.pending_marks)
        for event in self.pending_marks.values():
            event.set()
        self.pending_marks.clear()
        self._epoch, self._sent = 0.0, 0
        if self._recorder is not None:
            self._recorder.cut()
        await self._send(self._codec.clear(self._stream_id))
        return Cut(dropped, playing, heard_ms if playing else 0, total_ms)

    def mark_played(self, name: str) -> None:
        event = self.pending_marks.pop(name, None)
        if event is not None:
            event.set()
            if self._on_heard:
                self._on_heard(name)


async def _frames(audio: Audio) -> AsyncIterator[bytes]:
    """20 ms frames as soon as the audio for each one exists."""
    if isinstance(audio, bytes):
        for frame in frames(audio):
            yield frame
        return
    buffer = b""
    async for chunk in audio:
        buffer += chunk
        while len(buffer) >= FRAME_SAMPLES:
            yield buffer[:FRAME_SAMPLES]
            buffer = buffer[FRAME_SAMPLES:]
    if buffer:
        yield buffer + MULAW_SILENCE * (FRAME_SAMPLES - len(buffer))


def _length_ms(audio: Audio) -> int:
    made = len(audio) if isinstance(audio, bytes) else audio.made_bytes if audio.finished else 0
    return made * 1000 // PHONE_RATE


def _cancel(audio: Audio) -> None:
    if isinstance(audio, AudioStream):
        audio.cancel()

"""Text to speech: Kokoro-82M on the CPU (kokoro-onnx), sentence by sentence, out as 8 kHz mu-law."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from typing import Protocol

from plugins.voice_call.speech.audio import to_phone_ulaw
from plugins.voice_call.speech.models import kokoro_model_path, kokoro_voices_path

SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


class TextToSpeech(Protocol):
    async def synthesize(self, text: str) -> bytes:
        """One sentence -> 8 kHz mu-law audio."""
        ...


class KokoroTTS:
    """Kokoro loaded once per process; synthesis runs in a worker thread."""

    _shared: "KokoroTTS | None" = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        from kokoro_onnx import Kokoro

        self._kokoro = Kokoro(str(kokoro_model_path()), str(kokoro_voices_path()))
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> "KokoroTTS":
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def voices(self) -> list[str]:
        return sorted(self._kokoro.get_voices())

    def synthesize_sync(self, text: str, voice: str = "af_heart", speed: float = 1.0) -> bytes:
        with self._lock:
            samples, rate = self._kokoro.create(text, voice=voice, speed=speed, lang="en-us")
        return to_phone_ulaw(samples, rate)

    def for_voice(self, voice: str) -> "KokoroVoice":
        return KokoroVoice(self, voice)


class KokoroVoice:
    def __init__(self, engine: KokoroTTS, voice: str) -> None:
        self.engine, self.voice = engine, voice

    async def synthesize(self, text: str) -> bytes:
        return await asyncio.to_thread(self.engine.synthesize_sync, text, self.voice)


async def sentences_from_stream(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    """Cut streamed model text into sentences as soon as each one is complete."""
    buffer = ""
    async for chunk in chunks:
        buffer += chunk
        parts = SENTENCE_END.split(buffer)
        for sentence in parts[:-1]:
            if sentence.strip():
                yield sentence.strip()
        buffer = parts[-1]
    if buffer.strip():
        yield buffer.strip()

"""Fake speech and language engines with fixed, known delays, for timing the pipeline around them."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator

import numpy as np

from plugins.voice_call.speech.audio import PHONE_RATE, to_phone_ulaw

STT_DELAY_S = 0.100
LLM_FIRST_TOKEN_S = 0.200
TTS_FIRST_AUDIO_S = 0.050
INJECTED_S = STT_DELAY_S + LLM_FIRST_TOKEN_S + TTS_FIRST_AUDIO_S
REPLY = "The capital of France is Paris."


def tone(seconds: float, hz: float = 440.0) -> bytes:
    t = np.arange(int(PHONE_RATE * seconds)) / PHONE_RATE
    return to_phone_ulaw((0.3 * np.sin(2 * math.pi * hz * t)).astype(np.float32), PHONE_RATE)


class FakeSTT:
    name = "fake"

    def begin(self, preroll) -> None:
        pass

    def hear(self, ulaw: bytes) -> None:
        pass

    async def transcribe(self, audio, rate: int = PHONE_RATE) -> str:
        await asyncio.sleep(STT_DELAY_S)
        return "What is the capital of France?"

    async def close(self) -> None:
        pass


class FakeTTS:
    """Every sentence: the first audio after TTS_FIRST_AUDIO_S, `seconds` of tone in all."""

    name = "fake"

    _made: dict[float, bytes] = {}

    def __init__(self, seconds: float = 1.0) -> None:
        # Made once per length: a real engine's weights load once per process, not per call.
        if seconds not in self._made:
            self._made[seconds] = tone(seconds)
        self.audio = self._made[seconds]

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        await asyncio.sleep(TTS_FIRST_AUDIO_S)
        yield self.audio

    async def aclose(self) -> None:
        pass


async def fake_llm(messages, info) -> AsyncIterator[str]:
    """A pydantic-ai stream function: the first token after LLM_FIRST_TOKEN_S."""
    await asyncio.sleep(LLM_FIRST_TOKEN_S)
    yield REPLY

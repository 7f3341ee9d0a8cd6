"""Cloud text to speech through the providers' own SDKs: OpenAI (`/v1/audio/speech`, raw 24 kHz PCM)
and ElevenLabs (streaming `ulaw_8000`, which goes to the carrier untouched)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx
import numpy as np
import soxr

from plugins.voice_call.speech.audio import PHONE_RATE, float_to_pcm16, pcm16_to_float, pcm16_to_ulaw
from plugins.voice_call.speech.spoken import say_as_spoken

if TYPE_CHECKING:
    from elevenlabs import AsyncElevenLabs
    from openai import AsyncOpenAI

OPENAI_PCM_RATE = 24000
OPENAI_MAX_INPUT = 4096
CHUNK_BYTES = 4800  # 100 ms of 24 kHz s16le


class OpenAITTS:
    name = "openai"

    def __init__(self, client: AsyncOpenAI, voice: str, model: str) -> None:
        self.client, self.voice, self.model = client, voice, model

    async def aclose(self) -> None:
        await self.client.close()

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        # One streaming resampler per sentence: 24 kHz -> 8 kHz exactly once, chunk by chunk.
        resampler = soxr.ResampleStream(OPENAI_PCM_RATE, PHONE_RATE, 1, dtype="float32", quality="HQ")
        carry = b""
        async with self.client.audio.speech.with_streaming_response.create(
            model=self.model,
            voice=self.voice,
            input=say_as_spoken(text)[:OPENAI_MAX_INPUT],
            response_format="pcm",
        ) as response:
            async for chunk in response.iter_bytes(CHUNK_BYTES):
                data = carry + chunk
                usable = len(data) - len(data) % 2  # samples are 2 bytes; a chunk may split one
                carry = data[usable:]
                if usable:
                    yield _ulaw(resampler.resample_chunk(pcm16_to_float(data[:usable])))
        yield _ulaw(resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True))


def _ulaw(samples: np.ndarray) -> bytes:
    return pcm16_to_ulaw(float_to_pcm16(samples)) if len(samples) else b""


class ElevenLabsTTS:
    name = "elevenlabs"

    def __init__(self, client: AsyncElevenLabs, voice_id: str, model_id: str, http: httpx.AsyncClient | None = None) -> None:
        self.client, self.voice_id, self.model_id = client, voice_id, model_id
        #: The HTTP client the SDK was given (its own has no close): closed with the engine.
        self._http = http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        async for chunk in self.client.text_to_speech.stream(
            self.voice_id,
            text=say_as_spoken(text),
            model_id=self.model_id,
            output_format="ulaw_8000",
        ):
            yield chunk

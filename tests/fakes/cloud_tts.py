"""Fake OpenAI `/v1/audio/speech` and ElevenLabs `/v1/text-to-speech/{voice_id}/stream`, each as
its provider documents it (../shared/PROTOCOLS.md): the same auth headers, body fields, query
parameters, raw chunked audio out, and the providers' error shapes for 401, 429 and bad requests.

Speech is real: Kokoro, at test time, in another voice than ours, so tests can transcribe it.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from plugins.voice_call.speech.tts import KokoroTTS

from .server import LocalServer

if sys.version_info >= (3, 13):
    import audioop  # type: ignore[import-not-found]
else:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop

OPENAI_TTS_MODELS = {"gpt-4o-mini-tts", "tts-1", "tts-1-hd"}
ELEVEN_FORMATS = {"ulaw_8000", "pcm_16000", "pcm_24000", "mp3_44100_128"}
FAKE_VOICE = "bf_emma"


@functools.lru_cache(maxsize=256)
def _kokoro_pcm16(text: str) -> tuple[bytes, int]:
    """The fake's voice for `text`, made once per test process: the calls' fixed lines are asked
    of each fake cloud voice in turn, and a real server would not be slower the second time."""
    samples, native = KokoroTTS.shared().samples(text, FAKE_VOICE)
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes(), native


def kokoro_pcm16(text: str, rate: int) -> bytes:
    """Speech as raw s16le mono at `rate` (Kokoro speaks at 24 kHz; audioop converts, as a server would)."""
    pcm, native = _kokoro_pcm16(text)
    if rate != native:
        pcm, _ = audioop.ratecv(pcm, 2, 1, native, rate, None)
    return pcm


async def _chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    # Odd chunk sizes on purpose: real servers cut wherever the network does.
    for i in range(0, len(data), size):
        yield data[i : i + size]
        await asyncio.sleep(0)


class _FakeCloud:
    def __init__(self, app: Starlette, name: str, api_key: str) -> None:
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        #: Answer every request with this HTTP status (401, 429, 500) instead of audio.
        self.fail_with: int | None = None
        #: Cut the audio after this many bytes (a dropped connection mid-sentence).
        self.cut_after: int | None = None
        self._server = LocalServer(app, name)

    def __enter__(self):
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    def _stream(self, audio: bytes, media_type: str, chunk: int) -> StreamingResponse:
        if self.cut_after is not None:

            async def cut() -> AsyncIterator[bytes]:
                async for part in _chunked(audio[: self.cut_after], chunk):
                    yield part
                raise ConnectionResetError("fake connection drop")

            return StreamingResponse(cut(), media_type=media_type)
        return StreamingResponse(_chunked(audio, chunk), media_type=media_type)


class FakeOpenAISpeech(_FakeCloud):
    def __init__(self, api_key: str = "sk-test-openai-0123456789") -> None:
        super().__init__(
            Starlette(routes=[Route("/v1/audio/speech", self._speech, methods=["POST"])]), "fake-openai-speech", api_key
        )

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def _error(self, status: int, message: str, code: str | None, kind: str = "invalid_request_error") -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": code}}, status_code=status)

    async def _speech(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self._error(401, "Incorrect API key provided: sk-te***89.", "invalid_api_key")
        if self.fail_with == 429:
            return self._error(429, "You exceeded your current quota.", "insufficient_quota", "insufficient_quota")
        if self.fail_with:
            return self._error(self.fail_with, "The server had an error.", None, "server_error")
        body = await request.json()
        self.requests.append(body)
        text = body.get("input", "")
        if body.get("model") not in OPENAI_TTS_MODELS:
            return self._error(400, f"Invalid model {body.get('model')!r}", "model_not_found")
        if not text or len(text) > 4096:
            return self._error(400, "input must be 1 to 4096 characters", "invalid_value")
        if not body.get("voice"):
            return self._error(400, "voice is required", "missing_required_parameter")
        if body.get("response_format", "mp3") != "pcm":
            return self._error(400, "this fake only produces pcm", "unsupported_format")
        audio = await asyncio.to_thread(kokoro_pcm16, text, 24000)
        return self._stream(audio, "audio/pcm", 4801)


class FakeElevenLabs(_FakeCloud):
    def __init__(self, api_key: str = "xi-test-key-0123456789") -> None:
        app = Starlette(routes=[Route("/v1/text-to-speech/{voice_id}/stream", self._stream_tts, methods=["POST"])])
        super().__init__(app, "fake-elevenlabs", api_key)

    async def _stream_tts(self, request: Request) -> Response:
        if request.headers.get("xi-api-key") != self.api_key:
            return JSONResponse({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}, status_code=401)
        if self.fail_with == 429:
            return JSONResponse(
                {"detail": {"status": "too_many_concurrent_requests", "message": "Too many concurrent requests"}}, status_code=429
            )
        if self.fail_with:
            return JSONResponse({"detail": {"status": "error", "message": "Internal error"}}, status_code=self.fail_with)
        body = await request.json()
        output_format = request.query_params.get("output_format", "mp3_44100_128")
        self.requests.append({**body, "voice_id": request.path_params["voice_id"], "output_format": output_format})
        if not body.get("text"):
            return JSONResponse(
                {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}, status_code=422
            )
        if output_format not in ELEVEN_FORMATS:
            return JSONResponse({"detail": {"status": "invalid_output_format", "message": output_format}}, status_code=400)
        if output_format != "ulaw_8000":
            return JSONResponse(
                {"detail": {"status": "unsupported", "message": "this fake streams ulaw_8000 only"}}, status_code=400
            )
        ulaw = audioop.lin2ulaw(await asyncio.to_thread(kokoro_pcm16, body["text"], 8000), 2)
        return self._stream(ulaw, "audio/basic", 1003)

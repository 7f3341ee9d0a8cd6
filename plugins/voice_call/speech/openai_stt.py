"""OpenAI streaming transcription: a Realtime transcription session per call (`intent=transcription`).

The caller's mu-law goes up as it arrives (`audio/pcmu`, no conversion) while they speak, so at the
end of the utterance only the commit and the final text are left. Our own VAD decides turns
(`turn_detection: null`). If the session cannot open or drops, local Whisper takes over with the
utterance audio we kept anyway.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from plugins.voice_call.speech.audio import PHONE_RATE, float_to_pcm16, pcm16_to_ulaw, resample
from plugins.voice_call.speech.stt import SpeechToText
from plugins.voice_call.speech.tts import describe_failure

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)
RESULT_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 5.0


class OpenAIStreamingSTT:
    name = "openai"

    def __init__(self, client: AsyncOpenAI, model: str, fallback: Callable[[], SpeechToText]) -> None:
        self._client, self._model, self._fallback_factory = client, model, fallback
        self._fallback: SpeechToText | None = None
        self._outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._committed: asyncio.Queue[str] = asyncio.Queue()
        self._results: dict[str, asyncio.Future[str]] = {}
        self._task = asyncio.get_running_loop().create_task(self._run(), name="openai-transcription")
        self._open = False
        #: Why we switched to local Whisper (None while the session works).
        self.switched: str | None = None
        self.on_switch: Callable[[str], None] | None = None

    # -- the session's side ---------------------------------------------------------------------

    def begin(self, preroll: np.ndarray) -> None:
        if self.switched is None:
            self._outbox.put_nowait({"type": "input_audio_buffer.clear"})
            if len(preroll):
                self.hear(pcm16_to_ulaw(float_to_pcm16(preroll)))

    def hear(self, ulaw: bytes) -> None:
        if self.switched is None:
            self._outbox.put_nowait({"type": "input_audio_buffer.append", "audio": base64.b64encode(ulaw).decode()})

    async def transcribe(self, audio: np.ndarray, rate: int = PHONE_RATE) -> str:
        if self.switched is None:
            try:
                return await self._remote(audio, rate)
            except Exception as exc:  # noqa: BLE001 - any failure: switch, transcribe locally
                self._switch(exc)
        return await self._local().transcribe(audio, rate)

    async def close(self) -> None:
        self._outbox.put_nowait(None)
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._task, 2.0)
        self._task.cancel()

    # -- the socket -----------------------------------------------------------------------------

    async def _remote(self, audio: np.ndarray, rate: int) -> str:
        if self._task.done():
            raise ConnectionError("the transcription session is closed")
        if not self._open:
            # The session is still opening (a very short first utterance): send this one whole.
            self._outbox.put_nowait({"type": "input_audio_buffer.clear"})
            ulaw = pcm16_to_ulaw(float_to_pcm16(resample(audio, rate, PHONE_RATE)))
            self.hear(ulaw)
        self._outbox.put_nowait({"type": "input_audio_buffer.commit"})
        async with asyncio.timeout(RESULT_TIMEOUT_S):
            item_id = await self._committed.get()
            if not item_id:
                raise ConnectionError("the transcription session closed")
            future = self._results.setdefault(item_id, asyncio.get_running_loop().create_future())
            return (await future).strip()

    async def _run(self) -> None:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                connection = await self._client.realtime.connect(extra_query={"intent": "transcription"}).enter()
            try:
                await connection.send(
                    {
                        "type": "session.update",
                        "session": {
                            "type": "transcription",
                            "audio": {
                                "input": {
                                    "format": {"type": "audio/pcmu"},
                                    "transcription": {"model": self._model, "language": "en"},
                                    "turn_detection": None,
                                }
                            },
                        },
                    }
                )
                self._open = True
                reader = asyncio.create_task(self._read(connection))
                try:
                    while (event := await self._outbox.get()) is not None:
                        if reader.done():
                            break
                        await connection.send(cast(Any, event))  # a plain dict is a valid event
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await reader
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            self._switch(exc)
        finally:
            self._open = False
            for future in self._results.values():
                if not future.done():
                    future.set_exception(ConnectionError("the transcription session closed"))
            self._committed.put_nowait("")  # wake a waiting transcribe(); it then finds no result

    async def _read(self, connection: Any) -> None:
        while True:
            event = json.loads(await connection.recv_bytes())
            kind = event.get("type")
            if kind == "input_audio_buffer.committed":
                self._committed.put_nowait(event["item_id"])
            elif kind == "conversation.item.input_audio_transcription.completed":
                future = self._results.setdefault(event["item_id"], asyncio.get_running_loop().create_future())
                if not future.done():
                    future.set_result(event.get("transcript", ""))
            elif kind == "conversation.item.input_audio_transcription.failed":
                future = self._results.setdefault(event["item_id"], asyncio.get_running_loop().create_future())
                if not future.done():
                    future.set_exception(RuntimeError("transcription failed"))
            elif kind == "error":
                log.warning("OpenAI transcription error: %s", (event.get("error") or {}).get("code"))

    def _switch(self, exc: BaseException) -> None:
        if self.switched is None:
            self.switched = f"OpenAI transcription failed ({describe_failure(exc)}); switched to local Whisper"
            log.warning("%s", self.switched)
            if self.on_switch:
                self.on_switch(self.switched)

    def _local(self) -> SpeechToText:
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return self._fallback

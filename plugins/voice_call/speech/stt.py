"""Speech to text: the engine interface and local Whisper tiny.en through faster-whisper
(CTranslate2, int8 on the CPU)."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Protocol

import numpy as np

from plugins.voice_call.speech.audio import PHONE_RATE, resample
from plugins.voice_call.speech.models import whisper_model_path


class SpeechToText(Protocol):
    """One call's speech recognition. The session reports each utterance as it happens (`begin`,
    then `hear` per caller frame) so streaming engines have the audio before the caller stops;
    `transcribe` gets the whole utterance at its end and returns the text."""

    name: str

    def begin(self, preroll: np.ndarray) -> None: ...

    def hear(self, ulaw: bytes) -> None: ...

    async def transcribe(self, audio: np.ndarray, rate: int = PHONE_RATE) -> str: ...

    async def close(self) -> None: ...


class WholeUtterances:
    """For engines that work on whole utterances: `begin` and `hear` have nothing to do."""

    def begin(self, preroll: np.ndarray) -> None:
        pass

    def hear(self, ulaw: bytes) -> None:
        pass

    async def close(self) -> None:
        pass


class LocalWhisper(WholeUtterances):
    """Loaded once per process and shared by all calls; one transcription at a time per model.
    It works on whole utterances, so `begin` and `hear` have nothing to do."""

    name = "local"
    #: Works on whole utterances: a draft made at the caller's pause is as good as the final pass.
    drafts = True

    _shared: LocalWhisper | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        from faster_whisper import WhisperModel

        self._model = WhisperModel(str(whisper_model_path()), device="cpu", compute_type="int8", cpu_threads=2)
        self._lock = threading.Lock()

    @classmethod
    def for_call(cls) -> LocalWhisper | LoadingWhisper:
        """The shared model for a call starting in the event loop: while it is still loading (the
        first seconds after a start), a stand-in that loads it off the loop, so the call's first
        words are not held up (nor every other call's audio)."""
        return cls._shared if cls._shared is not None else LoadingWhisper()

    @classmethod
    def shared(cls) -> LocalWhisper:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
                gc.freeze()  # the model's objects stay put; see runtime.settle_heap
            return cls._shared

    @property
    def busy(self) -> bool:
        """A transcription is running (drafts wait for a free engine rather than hold up another call's)."""
        return self._lock.locked()

    def transcribe_sync(self, audio: np.ndarray, rate: int = PHONE_RATE) -> str:
        samples = resample(audio, rate, 16000)
        with self._lock:
            segments, _ = self._model.transcribe(
                samples, language="en", beam_size=1, vad_filter=False, condition_on_previous_text=False
            )
            return " ".join(s.text.strip() for s in segments).strip()

    async def transcribe(self, audio: np.ndarray, rate: int = PHONE_RATE) -> str:
        return await asyncio.to_thread(self.transcribe_sync, audio, rate)


class LoadingWhisper(WholeUtterances):
    """`LocalWhisper` before its model has loaded: the model is loaded in a worker thread when the
    first utterance is transcribed (it is loading already, since the gateway's start)."""

    name = "local"
    drafts = True
    busy = False

    def engine(self) -> LocalWhisper:
        return LocalWhisper.shared()

    async def transcribe(self, audio: np.ndarray, rate: int = PHONE_RATE) -> str:
        whisper = await asyncio.to_thread(self.engine)
        return await whisper.transcribe(audio, rate)

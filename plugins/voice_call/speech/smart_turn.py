"""Smart Turn v3.2: a learned guess, from the sound of the caller's voice, whether they have
finished their turn or only paused.

The model is Pipecat's (Daily, BSD-2-Clause): an 8.7 MB ONNX file (a Whisper-tiny encoder and a
classifier) shipped inside the `pipecat-ai` wheel on PyPI. `assistant models install` fetches that
one wheel with pip (no dependencies) and keeps the model file (`models.py`); nothing else of
Pipecat is used.
It hears the last 8 s of the turn at 16 kHz as Whisper's log-mel features (faster-whisper's own
extractor, the same maths as Pipecat's vendored copy) and answers a probability of "complete".
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from assistant.plugin_api import models_dir
from plugins.voice_call.speech.audio import PHONE_RATE, resample
from plugins.voice_call.speech.models import SMART_TURN_ONNX, ModelsMissing, smart_turn_path

_RATE = 16000
_SECONDS = 8


class SmartTurn:
    """Loaded once per process. Decisions run one at a time in their own thread, on one core:
    each costs about 50 ms of CPU here, and the event loop (every call's frames) never waits on one."""

    _shared: SmartTurn | None = None
    _shared_lock = threading.Lock()

    def __init__(self, path: Path | None = None) -> None:
        import onnxruntime
        from faster_whisper.feature_extractor import FeatureExtractor

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(path or smart_turn_path()), sess_options=options)
        self._features = FeatureExtractor(feature_size=80, sampling_rate=_RATE, chunk_length=_SECONDS)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smart-turn")

    @classmethod
    def installed(cls) -> bool:
        return (models_dir() / SMART_TURN_ONNX).exists()

    @classmethod
    def shared(cls) -> SmartTurn | None:
        """The process's model, or None when it is not installed (turns then end on silence and drafts)."""
        with cls._shared_lock:
            if cls._shared is None:
                try:
                    cls._shared = cls()
                except ModelsMissing:
                    return None
            return cls._shared

    def complete_sync(self, audio: np.ndarray, rate: int = PHONE_RATE) -> float:
        """How likely the caller has finished, from the turn so far (the newest 8 s count)."""
        samples = resample(audio, rate, _RATE)[-_RATE * _SECONDS :]
        samples = np.pad(samples, (_RATE * _SECONDS - len(samples), 0))  # Pipecat pads at the start
        samples = (samples - samples.mean()) / np.sqrt(samples.var() + 1e-7)
        features = self._features(samples.astype(np.float32), padding=0)[:, : _RATE * _SECONDS // 160]
        (probability,) = self._session.run(None, {"input_features": features[None].astype(np.float32)})
        return float(probability.reshape(-1)[0])

    async def complete(self, audio: np.ndarray, rate: int = PHONE_RATE) -> float:
        return await asyncio.get_running_loop().run_in_executor(self._worker, self.complete_sync, audio, rate)


async def finished(audio: np.ndarray) -> float:
    """Smart Turn's verdict on a call's turn so far; the model loads off the event loop if the
    gateway's start has not loaded it yet."""
    model = SmartTurn._shared or await asyncio.to_thread(SmartTurn.shared)
    if model is None:
        raise ModelsMissing("The Smart Turn model is not installed; run `assistant models install`.")
    return await model.complete(audio)

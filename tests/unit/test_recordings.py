"""Call recordings: the two sides line up on the media clock, what the carrier dropped is not kept,
files are sealed to their call, and old ones go."""

from __future__ import annotations

import io
import os
import time
import wave

import numpy as np

from plugins.voice_call.history.recordings import CallRecorder, Recordings
from plugins.voice_call.speech.audio import MULAW_SILENCE

LOUD = b"\x00" * 160  # mu-law 0x00: the loudest negative sample, easy to find in PCM


def _channels(wav: bytes) -> tuple[np.ndarray, np.ndarray, int]:
    with wave.open(io.BytesIO(wav)) as read:
        assert (read.getnchannels(), read.getsampwidth(), read.getframerate()) == (2, 2, 8000)
        samples = np.frombuffer(read.readframes(read.getnframes()), dtype="<i2").reshape(-1, 2)
    return samples[:, 0], samples[:, 1], len(samples)


def test_both_sides_line_up_on_the_media_clock() -> None:
    recorder = CallRecorder()
    for n in range(50):  # one second of the caller's frames; they speak in the second half
        recorder.heard(LOUD if n >= 25 else MULAW_SILENCE * 160, at_ms=n * 20)
        if n == 10:
            recorder.said(LOUD)  # we begin at 200 ms, and two frames sent at once play one after the other
            recorder.said(LOUD)
    theirs, ours, frames = _channels(recorder.wav())
    assert frames == 8000
    assert np.flatnonzero(np.abs(theirs) > 10000)[0] == 25 * 160
    loud = np.flatnonzero(np.abs(ours) > 10000)
    assert (loud[0], loud[-1]) == (10 * 160, 12 * 160 - 1)


def test_what_the_carrier_dropped_is_not_kept() -> None:
    recorder = CallRecorder()
    recorder.heard(MULAW_SILENCE * 160, at_ms=0)
    for _ in range(10):  # 200 ms sent ahead
        recorder.said(LOUD)
    recorder.heard(MULAW_SILENCE * 160, at_ms=60)  # the caller cut in at 60 ms: the rest was cleared
    recorder.cut()
    _, ours, _ = _channels(recorder.wav())
    assert np.count_nonzero(np.abs(ours) > 10000) == 60 * 8


def test_recordings_are_sealed_to_their_call_and_expire(host) -> None:
    recordings = Recordings(host)
    wav = CallRecorder().wav()
    recordings.save("a" * 32, wav)
    sealed = (recordings.folder / f"{'a' * 32}.wav.enc").read_bytes()
    assert b"RIFF" not in sealed and recordings.read("a" * 32) == wav
    assert oct(os.stat(recordings.folder / f"{'a' * 32}.wav.enc").st_mode & 0o777) == "0o600"
    (recordings.folder / f"{'b' * 32}.wav.enc").write_bytes(sealed)  # another call's name: does not open
    assert recordings.read("b" * 32) is None
    assert recordings.read("../../etc/passwd") is None and not recordings.has("../x")
    old = time.time() - 31 * 86400
    os.utime(recordings.folder / f"{'b' * 32}.wav.enc", (old, old))
    assert recordings.expire(30) == 1
    assert recordings.has("a" * 32) and not recordings.has("b" * 32)


def test_old_recordings_go_when_the_gateway_starts_even_without_calls(host) -> None:
    from plugins.voice_call.runtime import startup

    recordings = Recordings(host)
    recordings.save("c" * 32, CallRecorder().wav())
    old = time.time() - 31 * 86400
    os.utime(recordings.folder / f"{'c' * 32}.wav.enc", (old, old))
    startup(host)
    assert not recordings.has("c" * 32)

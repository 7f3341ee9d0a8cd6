"""Utterance segmentation: speech start, then speech end once the caller has been quiet long enough."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.voice_call.speech.audio import FRAME_SAMPLES, PHONE_RATE, ulaw_to_float
from plugins.voice_call.speech.tts import KokoroTTS
from plugins.voice_call.speech.vad import UtteranceDetector


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    ulaw = KokoroTTS.shared().synthesize_sync("Hello, could you tell me when the office opens tomorrow?", "am_adam")
    return ulaw_to_float(ulaw)


def feed(detector: UtteranceDetector, samples: np.ndarray, pauses: bool = False) -> list[tuple[int, str, int]]:
    """Feed 20 ms frames as a carrier would; returns (ms, kind, utterance samples) per event
    (the pause and resume events only when asked for)."""
    events = []
    for start in range(0, len(samples), FRAME_SAMPLES):
        for event in detector.feed(samples[start : start + FRAME_SAMPLES]):
            if event.kind in ("pause", "resume") and not pauses:
                continue
            size = 0 if event.audio is None else len(event.audio)
            events.append((start * 1000 // PHONE_RATE, event.kind, size))
    return events


def silence(ms: int) -> np.ndarray:
    return np.zeros(PHONE_RATE * ms // 1000, dtype=np.float32)


def test_one_utterance_is_one_start_and_one_end(speech) -> None:
    detector = UtteranceDetector(end_silence_ms=600)
    events = feed(detector, np.concatenate([silence(500), speech, silence(1500)]))
    assert [kind for _, kind, _ in events] == ["speech_start", "speech_end"]
    (start_ms, _, _), (end_ms, _, utterance) = events
    speech_ms = len(speech) * 1000 // PHONE_RATE
    assert 400 <= start_ms <= 500 + speech_ms // 2
    assert 500 + speech_ms <= end_ms <= 500 + speech_ms + 600 + 200  # the configured silence, one window of slack
    assert utterance >= len(speech) * 0.8  # the whole question, with its pre-roll
    assert not detector.speaking


def test_a_pause_shorter_than_the_end_silence_keeps_one_utterance(speech) -> None:
    detector = UtteranceDetector(end_silence_ms=1000)
    events = feed(detector, np.concatenate([silence(300), speech, silence(500), speech, silence(1500)]))
    assert [kind for _, kind, _ in events] == ["speech_start", "speech_end"]
    assert events[1][2] >= 2 * len(speech) * 0.8


def test_silence_and_noise_are_not_speech() -> None:
    detector = UtteranceDetector()
    rng = np.random.default_rng(7)
    assert feed(detector, np.concatenate([silence(1000), rng.normal(0, 0.002, PHONE_RATE).astype(np.float32)])) == []


def test_a_pause_gives_the_utterance_so_far_and_going_on_resumes(speech) -> None:
    detector = UtteranceDetector(end_silence_ms=1000, pause_ms=200)
    events = feed(detector, np.concatenate([silence(300), speech, silence(500), speech, silence(1500)]), pauses=True)
    kinds = [kind for _, kind, _ in events]
    assert kinds[0] == "speech_start" and kinds[-1] == "speech_end"
    # The 500 ms gap between the questions: a pause with the first question, then a resume.
    pause = next(e for e in events if e[1] == "pause" and e[0] >= 300 + len(speech) * 1000 // PHONE_RATE)
    assert pause[2] >= len(speech) * 0.8
    assert "resume" in kinds[kinds.index("pause") :]


def test_end_now_ends_the_utterance_where_it_is(speech) -> None:
    detector = UtteranceDetector(end_silence_ms=1000, pause_ms=200)
    feed(detector, np.concatenate([silence(300), speech, silence(300)]), pauses=True)
    assert detector.speaking and detector.quiet_ms >= 200
    ended = detector.end_now()
    assert ended.kind == "speech_end" and ended.audio is not None and len(ended.audio) >= len(speech) * 0.8
    assert not detector.speaking and detector.quiet_ms == 0

"""The end of the caller's turn: Smart Turn's verdict, the draft's words and the silence, weighed
as `calls/turn_end.py` says; and through the fake carrier, a caller who pauses mid-sentence is
not answered into."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from plugins.voice_call.calls.turn_end import CHECK_MS, HOLD_MS, UNSURE_MS, TurnEnd, TurnTaking, unfinished
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.speech.audio import FRAME_SAMPLES, PHONE_RATE, ulaw_to_float
from plugins.voice_call.speech.smart_turn import SmartTurn

from .values import FRIEND, OWNER
from .voice_harness import CallLab, settle, speak


@pytest.mark.parametrize(
    ("text", "open_"),
    [
        ("My order number is...", True),
        ("My address is", True),
        ("So, uh.", True),
        ("I need bread, milk,", True),
        ("I want to talk about", True),
        ("Well, I mean", True),
        ("I need an appointment.", False),
        ("Who am I speaking with?", False),
        ("What is it for?", False),
        ("Could you tell him that?", False),
        ("No, thank you.", False),
        ("", False),
    ],
)
def test_words_that_need_more_after_them(text: str, open_: bool) -> None:
    assert unfinished(text) is open_


@pytest.fixture(scope="module")
def model() -> SmartTurn:
    loaded = SmartTurn.shared()
    assert loaded is not None, "run `assistant models install`"
    return loaded


def said(text: str, quiet_ms: int = 200) -> np.ndarray:
    return np.concatenate([ulaw_to_float(speak(text, "bm_george")), np.zeros(PHONE_RATE * quiet_ms // 1000, np.float32)])


def test_smart_turn_hears_a_finished_question_and_a_hesitation(model) -> None:
    assert model.complete_sync(said("Can you tell me when you're open on Saturday?")) >= 0.5
    assert model.complete_sync(said("I'd like to book, um,")) < 0.5


class Words:
    """A recogniser whose drafts are ready at once, with the words given."""

    name, drafts, busy = "test", True, False

    def __init__(self, text: str) -> None:
        self.text = text

    async def transcribe(self, audio: np.ndarray, rate: int = PHONE_RATE) -> str:
        return self.text


def verdict_of(finished: float | None):
    async def verdict(audio: np.ndarray) -> float:
        if finished is None:
            raise RuntimeError("the model failed")
        return finished

    return verdict


async def quiet_at_end(text: str, finished: float | None, configured_ms: int = 600) -> int | None:
    """Feed speech and then 3 s of quiet frame by frame; how long the caller had been quiet when
    the turn ended (None: it did not)."""
    taking = TurnTaking(configured_ms, Words(text), "test", verdict_of(finished))  # type: ignore[arg-type]
    audio = said("My order number is five one two seven.", quiet_ms=3000)
    try:
        for at in range(0, len(audio), FRAME_SAMPLES):
            for event in taking.feed(audio[at : at + FRAME_SAMPLES], lambda: True):
                if isinstance(event, TurnEnd):
                    return event.silence_ms
            for _ in range(3):
                await asyncio.sleep(0)
        return None
    finally:
        taking.close()


def test_a_turn_heard_finished_ends_when_the_verdict_comes() -> None:
    quiet = asyncio.run(quiet_at_end("My order number is 5127.", 0.9))
    assert quiet is not None and CHECK_MS <= quiet < 600, quiet  # not the configured 600 ms


def test_a_turn_heard_unfinished_waits_longer_than_the_configured_silence() -> None:
    quiet = asyncio.run(quiet_at_end("My order number is 5127.", 0.1))
    assert quiet is not None and UNSURE_MS <= quiet < HOLD_MS, quiet  # the words read whole: the shorter wait


def test_words_that_need_more_wait_whatever_the_verdict() -> None:
    quiet = asyncio.run(quiet_at_end("My order number is", 0.95))
    assert quiet is not None and quiet >= HOLD_MS - 40, quiet


def test_without_a_verdict_the_silence_decides() -> None:
    quiet = asyncio.run(quiet_at_end("My order number is 5127", None))  # no full stop: the draft does not end it
    assert quiet is not None and 600 <= quiet < 700, quiet


def test_a_caller_who_pauses_mid_sentence_is_heard_whole(host) -> None:
    """'My order number is' ... 0.9 s ... 'five one two seven.': one turn, not an answer into the
    pause (with the configured 500 ms silence, or the draft "My order number is.", it was two)."""
    first, rest = speak("My order number is"), speak("five one two seven.")
    with CallLab(host, "twilio") as lab:
        ring = lab.carrier.ring(FRIEND, OWNER)

        async def scenario():
            async with lab.carrier.media_call(ring) as call:
                await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
                await call.say(first)
                await call.say(bytes([0xFF]) * (PHONE_RATE * 900 // 1000))  # mu-law silence
                await call.say(rest)
                await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
                await call.wait_for(lambda: not call.playing, timeout=10)
                return call

        call = asyncio.run(scenario())
        record = lambda: CallRecords(lab.host.db).by_carrier_id("twilio", ring.call_id)  # noqa: E731
        settle(lambda: len(record().turns) >= 1, timeout=10)
        said_ = [e["text"] for e in record().transcript if e["role"] == "caller"]
        assert len(said_) == 1 and "order number" in said_[0].lower(), said_
        assert "5127" in said_[0].replace(" ", "") or "five one two seven" in said_[0].lower(), said_
        assert call.clears == [] and len(record().turns) == 1, record().turns

"""A caller who says "mm-hmm", coughs or has the TV on while we speak is not cutting in; one who
says "wait, stop" is. Through the fake carrier with real audio (Kokoro voices, Silero, Whisper)."""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pytest

from plugins.voice_call.calls.interruption import QUIET_FLOOR, CallerLevel, loud_only, means_to_speak
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.speech.audio import ulaw_to_float

from .conftest import FRIEND, OWNER
from .room_sounds import interruptions, listening_sounds
from .voice_harness import CallLab, settle, speak, transcribe


@pytest.mark.parametrize(
    ("text", "cuts_in"),
    [
        ("Mm-hmm.", False),
        ("M-H-M.", False),
        ("Yeah, okay.", False),
        ("Okay, got it.", False),
        ("I see.", False),
        ("Oh really?", False),
        ("[coughing]", False),
        ("", False),
        ("Wait.", True),
        ("Stop.", True),
        ("Sorry,", True),
        ("Hold on", True),
        ("Can I ask something?", True),
        ("No, no.", True),
        ("Yes, please book it.", True),
    ],
)
def test_listening_words_do_not_take_the_turn(text: str, cuts_in: bool) -> None:
    assert means_to_speak(text) is cuts_in


def test_the_callers_own_level_sets_what_counts() -> None:
    level = CallerLevel()
    assert level.floor == QUIET_FLOOR  # not heard yet: only near-silence is ignored
    voice = ulaw_to_float(speak("What is the capital of France?"))
    level.heard(voice)
    loud = voice[np.abs(voice) > 0.01]
    assert QUIET_FLOOR < level.floor < float(np.sqrt(np.mean(loud * loud))) / 3  # well below their voice
    before = level.floor
    level.heard(voice * 0.1)  # the caller moved away from the phone: the level follows
    assert level.floor < before


def test_the_silence_after_a_turn_does_not_lower_the_callers_level() -> None:
    """A turn's audio runs on through the caller's silence until it is taken as over (up to 2 s
    when that is slow, under load): the silence is not their voice. Counted in, it had lowered the
    level until a TV in the room read as the caller cutting in."""
    voice = ulaw_to_float(speak("Tell me a story please."))
    alone, trailing = CallerLevel(), CallerLevel()
    alone.heard(voice)
    trailing.heard(np.concatenate([voice, np.zeros(2 * 8000, dtype=np.float32)]))
    assert trailing.floor == pytest.approx(alone.floor, rel=0.05)
    tv = ulaw_to_float({s.name: s for s in listening_sounds()}["tv 0"].ulaw)
    assert len(loud_only(tv, trailing.floor)) < len(tv) // 10  # the TV is the room, not the caller


def test_a_tv_before_a_yeah_is_not_read_as_the_callers_words() -> None:
    """Under load a TV line and the caller's "Yeah." can be one utterance to the VAD: what is
    weighed is the caller's part alone (the TV's words had read as the caller cutting in)."""
    level = CallerLevel()
    level.heard(ulaw_to_float(speak("Tell me a story please.")))
    sounds = {s.name: s for s in listening_sounds()}
    tv, yeah = ulaw_to_float(sounds["tv 0"].ulaw), ulaw_to_float(sounds["Yeah. (bf_emma)"].ulaw)
    both = np.concatenate([tv, np.zeros(800, dtype=np.float32), yeah])
    assert means_to_speak(transcribe(both))  # as it was heard before
    caller = loud_only(both, level.floor)
    assert len(caller) < len(yeah) + 2000 and not means_to_speak(transcribe(caller))
    assert loud_only(yeah, level.floor) is yeah  # nothing of the room to take out: left whole


def test_listening_noises_do_not_stop_the_reply_and_words_do(host, caplog) -> None:
    caplog.set_level(logging.INFO, logger="plugins.voice_call.calls.local")
    sounds = {s.name: s for s in listening_sounds()}
    played = [
        sounds[n] for n in ("Okay, got it. (am_adam)", "cough 1", "tv 0", "Yeah. (bm_george)", "door 2", "I see. (bf_emma)")
    ]
    (stop, *_) = interruptions()
    with CallLab(host, "twilio") as lab:
        ring = lab.carrier.ring(FRIEND, OWNER)
        ask = speak("Tell me a story please.")

        async def scenario():
            async with lab.carrier.media_call(ring) as call:
                await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
                await call.say(ask)
                await call.wait_for(lambda: call.playing, timeout=30)  # the story has begun
                await asyncio.sleep(1.0)  # listening noises answer something we said
                for sound in played:  # over the story, 0.7 s apart
                    await call.say(sound.ulaw)
                    await call.wait_for(lambda: not call.sending, timeout=10)
                    await asyncio.sleep(0.7)
                over_us = list(call.clears)
                await call.say(stop.ulaw)
                await call.wait_for(lambda: call.clears, timeout=10)
                return call, over_us

        call, over_us = asyncio.run(scenario())
        if over_us:  # what the call heard over the story says which sound cut in, and as what words
            settle(lambda: CallRecords(lab.host.db).by_carrier_id("twilio", ring.call_id) is not None)
            heard = CallRecords(lab.host.db).by_carrier_id("twilio", ring.call_id).transcript
            why = [r.getMessage() for r in caplog.records if "cut in" in r.getMessage()]
            raise AssertionError(f"a listening noise stopped the reply at {over_us} ({why}): {heard}")
        assert len(call.clears) == 1
        played_through = [m for m in call.heard_at_mark if m.startswith("t1")]  # reached in playback, not echoed by the clear
        assert 3 <= len(played_through) < 5, played_through  # heard on through the noises, cut by the words
        settle(
            lambda: any(e.get("interrupted") for e in CallRecords(lab.host.db).by_carrier_id("twilio", ring.call_id).transcript)
        )
        record = CallRecords(lab.host.db).by_carrier_id("twilio", ring.call_id)
        backchannels = [e["text"] for e in record.transcript if e.get("backchannel")]
        assert backchannels and all(not means_to_speak(t) for t in backchannels), record.transcript
        assert not any(e["role"] == "caller" and "weather" in e["text"].lower() for e in record.transcript), "the TV was heard"

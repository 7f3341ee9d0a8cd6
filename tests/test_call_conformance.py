"""One conformance suite, run against every carrier: a fake carrier rings a real gateway on 127.0.0.1,
streams real speech in its own wire dialect, and we check what the caller hears by transcribing it."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from plugins.voice_call.admission.policy import PAIRING_LINES
from plugins.voice_call.history.records import CallRecords

from .conftest import FRIEND, OWNER
from .helpers import Chat
from .voice_harness import CARRIERS, GREETING, CallLab, speak, transcribe, transcribe_ulaw

STRANGER = "+15557770000"


@pytest.fixture(params=CARRIERS)
def lab(request, host):
    with CallLab(host, request.param) as lab:
        yield lab


def record_of(lab: CallLab, ring):
    return CallRecords(lab.host.db).by_carrier_id(lab.carrier_name, ring.call_id)


def settle(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the server"
        time.sleep(0.05)


def test_answer_greeting_question_and_answer(lab) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)
    assert (
        ring.status_code == 200
        and ring.connected
        and ring.stream_url == f"wss://assistant.example.test/voice/{lab.carrier_name}/stream"
    )
    question = speak("What is the capital of France?")

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            greeting = transcribe(call.heard_audio())
            start = len(call.heard)
            await call.say(question)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
            await call.wait_for(lambda: not call.playing, timeout=10)
            return greeting, transcribe_ulaw(bytes(call.heard[start:])), call

    greeting, answer, call = asyncio.run(scenario())
    assert "test assistant" in greeting.lower()
    assert "paris" in answer.lower()
    assert call.events("clear") == []
    settle(lambda: record_of(lab, ring).state == "completed")
    record = record_of(lab, ring)
    assert (record.direction, record.from_number, record.end_reason) == ("inbound", FRIEND, "caller hung up")
    assert record.transcript[0] == {**record.transcript[0], "role": "assistant", "text": GREETING, "heard": True}
    assert any(e["role"] == "caller" and "capital of france" in e["text"].lower() for e in record.transcript)
    assert any(
        e["role"] == "assistant" and e.get("heard") and e["text"] == "The capital of France is Paris." for e in record.transcript
    ), record.transcript


def test_barge_in_flushes_the_carrier_and_cancels_the_reply(lab) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)
    ask, interrupt = speak("Tell me a story please."), speak("Wait, stop, stop.")

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            await call.say(ask)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
            await call.say(interrupt)
            await call.wait_for(lambda: call.clears, timeout=10)
            await asyncio.sleep(1.5)
            return call

    call = asyncio.run(scenario())
    story = [m for m in call.marks_echoed if m.startswith("t1")]
    assert 1 <= len(story) < 5, "the reply was cut before all five sentences were heard"
    settle(lambda: any(e.get("interrupted") for e in record_of(lab, ring).transcript))
    transcript = record_of(lab, ring).transcript
    heard = [e["text"] for e in transcript if e["role"] == "assistant" and e.get("heard")]
    assert not any("boat arrived" in text for text in heard)
    # The sentence that was playing is recorded with how much of it the caller heard, as the carrier played it.
    (cut,) = [e for e in transcript if "heard_ms" in e]
    reached = [m for m in call.heard_at_mark if m.startswith("t1")]
    played_ms = (call.heard_at_clear[0] - call.heard_at_mark[reached[-1]]) // 8
    assert abs(cut["heard_ms"] - played_ms) <= 200, (cut, played_ms)
    if "of_ms" in cut:  # the sentence had been made whole when it was cut
        assert cut["text"].startswith(cut["heard_words"]) and cut["heard_ms"] <= cut["of_ms"]


def test_caller_hangs_up(lab) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)

    asyncio.run(scenario())
    assert lab.carrier.report_hangup(ring) == 200
    settle(lambda: record_of(lab, ring).state == "completed")
    assert lab.carrier.hung_up_by_rest() == [], "we do not hang up a call the caller ended"


def test_the_owner_has_the_calls_summary_within_5_s_of_the_hang_up(lab) -> None:
    """Who called, what we did for them and what they left, in the owner's chat within 5 s of the
    caller hanging up (the answering machine, offline)."""
    from plugins.voice_call.calls.offline_call import offline_call_model
    from plugins.voice_call.knowledge.facts import Knowledge

    Knowledge(lab.host.db).add("We're open Monday to Friday from 8 until 6.")
    lab.runtime.call_model = offline_call_model()
    notices: list[tuple[float, str]] = []
    lab.host.owner_listeners.append(lambda shown: notices.append((time.monotonic(), shown)))
    ring = lab.carrier.ring(FRIEND, OWNER)
    question, message = speak("When are you open?"), speak("Please ask Sam to call me back about the van.")

    async def scenario() -> float:
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            for n, said in enumerate((question, message), 1):
                await call.say(said)
                await call.wait_for(lambda n=n: any(m.startswith(f"t{n}") for m in call.marks_echoed), timeout=60)
                await call.wait_for(lambda: not call.playing, timeout=30)
        return time.monotonic()  # the caller's stream stopped: they hung up

    hung_up = asyncio.run(scenario())
    settle(lambda: bool(notices), timeout=5)
    at, text = notices[0]
    assert at - hung_up < 5
    assert text.startswith(f"Call from {FRIEND} ended after"), text
    assert "Done: answered a question from your facts." in text and "They left a message (quoted first)." in text
    assert f'{FRIEND} said: "' in text and "the van" in text.lower()
    assert lab.carrier.report_hangup(ring) == 200
    time.sleep(0.5)
    assert len(notices) == 1, "one summary per call, whatever the carrier reports after"


def test_agent_ends_the_call_and_hangs_up_through_the_carrier(lab) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)
    bye = speak("Okay, thank you, bye bye.")

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            start = len(call.heard)
            await call.say(bye)
            await call.wait_for(lambda: call.closed is not None, timeout=30)
            return call, transcribe_ulaw(bytes(call.heard[start:]))

    call, heard = asyncio.run(scenario())
    assert call.closed[0] == 1000 and "goodbye" in heard.lower()
    settle(lambda: lab.carrier.hung_up_by_rest() == [ring.call_id])
    assert (record_of(lab, ring).state, record_of(lab, ring).end_reason) == (
        "completed",
        "the assistant ended the call",
    )


def test_duration_limit(lab) -> None:
    lab.set(maxDurationSeconds=10, silenceTimeoutSeconds=60)
    lab.live.run(lab.runtime.prompts.ready(), timeout=120)  # the goodbye is made ahead, so its length is known
    ring = lab.carrier.ring(FRIEND, OWNER)

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: call.closed is not None, timeout=25)
            return call, call.media_seconds

    call, media_seconds = asyncio.run(scenario())
    assert 9 <= media_seconds <= 11, f"the call ended at {media_seconds:.1f} s of media, not at its 10 s limit"
    assert "time limit" in transcribe(call.heard_audio()[-8000 * 5 :]).lower()
    settle(lambda: lab.carrier.hung_up_by_rest() == [ring.call_id])
    assert record_of(lab, ring).end_reason == "max duration reached"


@pytest.mark.parametrize(
    ("policy", "allow", "caller", "connected"),
    [("disabled", [], FRIEND, False), ("allowlist", [FRIEND], STRANGER, False), ("allowlist", [FRIEND], FRIEND, True)],
)
def test_inbound_policy(lab, policy, allow, caller, connected) -> None:
    lab.set(**{"inbound.allowFrom": allow, "inbound.policy": policy})
    ring = lab.carrier.ring(caller, OWNER)
    assert ring.status_code == 200 and ring.connected == connected
    if not connected:
        assert ring.rejected == "rejected"
        assert record_of(lab, ring).state == "failed"


def test_pairing_over_our_own_speech(lab) -> None:
    lab.set(**{"inbound.policy": "pairing"})
    # With pairing on, the intro's lines (the digits too) are made ahead: the call makes none.
    lab.live.run(lab.runtime.prompts.ready(), timeout=120)
    made_live: list[str] = []
    make_engine = lab.runtime.tts_factory

    def watched(config):
        engine = make_engine(config)
        stream = engine.stream

        def recorded(text):
            made_live.append(text)
            return stream(text)

        engine.stream = recorded
        return engine

    lab.runtime.tts_factory = watched
    ring = lab.carrier.ring(STRANGER, OWNER)
    assert ring.connected, "the pairing prompt is spoken by our TTS over the media stream"
    ((number, code),) = lab.runtime.pairing.pending()
    assert number == STRANGER

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: call.closed is not None, timeout=60)
            return transcribe(call.heard_audio())

    heard = asyncio.run(scenario()).lower()
    assert "pairing code" in heard
    # Whisper tiny writes a spoken digit as a word or a numeral; the code is said twice.
    words = {w: str(i) for i, w in enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))}
    digits = "".join(words.get(token, token) for token in re.findall(r"[a-z]+|\d", heard) if token in words or token.isdigit())
    assert code in digits, (code, heard)
    assert not set(made_live) & set(PAIRING_LINES), made_live
    settle(lambda: lab.carrier.hung_up_by_rest() == [ring.call_id])
    approved = Chat(lab.host).say(f"approve pairing {code}").text
    assert "Approved" in approved and "restart" not in approved.lower()
    again = lab.carrier.ring(STRANGER, OWNER)  # the next call is admitted, with no gateway restart
    assert again.connected and lab.runtime.pairing.pending() == []


@pytest.mark.parametrize("how", ["unsigned", "wrong-key"])
def test_forged_webhooks_are_refused(lab, how) -> None:
    response = lab.carrier.post_forged(FRIEND, OWNER, how)
    assert response.status_code == 403
    assert CallRecords(lab.host.db).recent() == []
    assert lab.runtime.switchboard.waiting_for_stream() == 0

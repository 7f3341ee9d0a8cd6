"""Realtime Call mode end to end: a fake carrier rings the gateway, whose call is bridged to a fake
OpenAI Realtime API reached through the official `openai` SDK; what the caller hears is transcribed."""

from __future__ import annotations

import asyncio

import pytest

from plugins.voice_call.calls.caller_tools import CALL_TOOLS
from plugins.voice_call.calls.session import HANDOVER_LINE

from .conftest import FRIEND, OWNER
from .fakes.openai_realtime import FakeRealtime
from .test_call_conformance import record_of, settle
from .voice_harness import GREETING, CallLab, ask_paris, speak, transcribe_ulaw

KEY = "sk-test-openai-0123456789"


@pytest.fixture
def realtime():
    with FakeRealtime(api_key=KEY) as fake:
        yield fake


@pytest.fixture(params=["twilio", "telnyx"])
def lab(request, host, realtime):
    with CallLab(host, request.param) as lab:
        host.vault.set("openai.api_key", KEY)
        lab.set(mode="realtime", **{"openai.apiBaseUrl": realtime.base_url})
        yield lab


def spoken(record) -> list[str]:
    return [e["text"] for e in record.transcript if e["role"] == "assistant" and e.get("heard")]


def test_realtime_call_question_answer_and_goodbye(lab, realtime) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)
    assert ring.connected
    # The Realtime socket opens while the webhook is answered, before the media stream exists.
    settle(lambda: realtime.sessions and realtime.sessions[0].sent("session.update"), timeout=5)
    update = realtime.sessions[0].sent("session.update")[0]["session"]
    assert realtime.sessions[0].query["model"] == "gpt-realtime" and "openai-beta" not in realtime.sessions[0].headers
    assert update["audio"]["input"]["format"] == {"type": "audio/pcmu"} == update["audio"]["output"]["format"]
    assert update["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert sorted(t["name"] for t in update["tools"]) == sorted(t.name for t in CALL_TOOLS), "only the call's own tools"
    question, bye = speak("What is the capital of France?"), speak("Thank you, bye bye.")

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: call.marks_echoed and not call.playing, timeout=30)
            greeting = transcribe_ulaw(bytes(call.heard))
            start = len(call.heard)
            await call.say(question)
            await call.wait_for(lambda: len(call.heard) > start + 8000, timeout=30)
            await call.wait_for(lambda: not call.playing, timeout=15)
            answer = transcribe_ulaw(bytes(call.heard[start:]))
            start = len(call.heard)
            await call.say(bye)
            await call.wait_for(lambda: call.closed is not None, timeout=30)
            return greeting, answer, transcribe_ulaw(bytes(call.heard[start:])), call

    greeting, answer, goodbye, call = asyncio.run(scenario())
    assert "test assistant" in greeting.lower()
    assert "paris" in answer.lower()
    assert "goodbye" in goodbye.lower() and call.closed[0] == 1000
    settle(lambda: record_of(lab, ring).state == "completed")
    record = record_of(lab, ring)
    assert record.end_reason == "the assistant ended the call"
    assert spoken(record)[:2] == [GREETING, "The capital of France is Paris."]
    assert any(e["role"] == "caller" and "capital of france" in e["text"].lower() for e in record.transcript)
    session = realtime.sessions[0]
    outputs = [e["item"] for e in session.sent("conversation.item.create") if e["item"]["type"] == "function_call_output"]
    assert outputs and "will end" in outputs[0]["output"]
    settle(lambda: lab.carrier.hung_up_by_rest() == [ring.call_id])


def test_realtime_barge_in_flushes_and_truncates_to_what_was_heard(lab, realtime) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)
    ask, interrupt = speak("Tell me a story please."), speak("Wait, stop, stop.")

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: call.marks_echoed and not call.playing, timeout=30)
            start = len(call.heard)
            await call.say(ask)
            await call.wait_for(lambda: len(call.heard) > start + 16000, timeout=30)  # two seconds of the story
            await call.say(interrupt)
            await call.wait_for(lambda: call.clears, timeout=10)
            await asyncio.sleep(1.0)
            return call

    asyncio.run(scenario())
    truncates = realtime.sessions[0].sent("conversation.item.truncate")
    assert len(truncates) == 1
    truncate = truncates[0]
    generated = realtime.sessions[0].generated_ms[truncate["item_id"]]
    assert truncate["content_index"] == 0 and 1500 <= truncate["audio_end_ms"] < generated
    settle(lambda: any(e.get("interrupted") for e in record_of(lab, ring).transcript))
    cut = next(e for e in record_of(lab, ring).transcript if e.get("interrupted"))
    assert "lighthouse" in cut["text"] and cut["heard"] is False and cut["heard_ms"] == truncate["audio_end_ms"]


def test_realtime_unavailable_falls_back_to_the_local_pipeline(lab, realtime) -> None:
    realtime.refuse_with = 429
    greeting, answer, ring = ask_paris(lab)
    assert "test assistant" in greeting.lower() and "paris" in answer.lower()
    record = record_of(lab, ring)
    assert any(e["role"] == "system" and "HTTP 429" in e["text"] for e in record.transcript)


def test_realtime_socket_drop_mid_call_hands_over_without_silence(lab, realtime) -> None:
    realtime.drop_after_responses = 1  # the greeting is spoken, then the upstream dies
    heard_first, answer, ring = ask_paris(lab, greeting_timeout=40)  # the local pipeline's "greeting" is the handover line
    assert "test assistant" in heard_first.lower() and "say that again" in heard_first.lower()
    assert "paris" in answer.lower()
    record = record_of(lab, ring)
    assert HANDOVER_LINE in spoken(record)
    assert any(e["role"] == "system" and "Realtime connection lost" in e["text"] for e in record.transcript)


def test_realtime_call_puts_the_caller_through(lab, realtime) -> None:
    """The Realtime model's transfer_to_owner: the caller hears it first, then the carrier has the call."""
    lab.set(ownerNumber="+15550004321")
    ring = lab.carrier.ring(FRIEND, OWNER)
    question = speak("Can I speak to the owner, please?")

    async def scenario() -> str:
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: call.marks_echoed and not call.playing, timeout=30)
            start = len(call.heard)
            await call.say(question)
            await call.wait_for(lambda: call.closed is not None, timeout=40)
            return transcribe_ulaw(bytes(call.heard[start:]))

    assert "putting you through" in asyncio.run(scenario()).lower()
    transfer = lab.carrier.wait_for_transfer()
    assert transfer.to == "+15550004321" and transfer.call_id == ring.call_id
    assert record_of(lab, ring).state == "in-progress"

"""The test call ("call me to test") through the fake Twilio: it rings the owner's own phone, says
its check sentence, hears the owner (Kokoro), says back what it understood, hangs up, and tells
the owner in chat what it understood, quoted, with how long each step took."""

from __future__ import annotations

import asyncio

import pytest

from .voice_harness import CallLab, settle, speak, transcribe_ulaw

MOBILE = "+15550004321"


@pytest.fixture
def twilio(host):
    with CallLab(host, "twilio") as lab:
        lab.set(ownerNumber=MOBILE)
        yield lab


def owner_notices(lab) -> str:
    return " ".join(m.text for m in lab.host.conversations.shown(lab.host.conversations.latest()))


def test_call_me_to_test(twilio) -> None:
    reply = twilio.say("call me to test")
    assert "Calling your phone now" in reply, reply
    dial = twilio.carrier.wait_for_dial()
    assert dial.to == MOBILE
    words = speak("Testing one two three, the line is clear.")

    async def scenario() -> str:
        async with twilio.carrier.answer_outbound(dial) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            start = len(call.heard)
            await call.say(words)
            await call.wait_for(lambda: call.closed is not None, timeout=40)
            return transcribe_ulaw(bytes(call.heard[start:]))

    heard_back = asyncio.run(scenario()).lower()
    assert "i heard" in heard_back and "testing" in heard_back, heard_back
    settle(lambda: "Test call done" in owner_notices(twilio), timeout=15)
    notice = owner_notices(twilio)
    assert "testing" in notice.lower() and "after dialling" in notice, notice


def test_a_test_call_nobody_answers_says_so(twilio) -> None:
    twilio.say("call me to test")
    dial = twilio.carrier.wait_for_dial()
    twilio.carrier.outbound_status(dial, "no-answer")
    settle(lambda: "The test call did not reach you (no-answer" in owner_notices(twilio), timeout=15)

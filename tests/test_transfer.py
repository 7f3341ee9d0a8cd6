"""Putting a caller through to the owner's own phone, on each fake carrier: the carrier gets its own
transfer command, the owner hears who is calling first (our whisper, checked by Whisper), the call
record says how it went; when the owner does not answer the call comes back to us and the caller
can leave a message. Caller speech is Kokoro; what they hear is checked by Whisper."""

from __future__ import annotations

import asyncio
import io
import wave

import numpy as np
import pytest

from plugins.voice_call.calls.offline_call import offline_call_model
from plugins.voice_call.history.records import CallRecords

from .conftest import FRIEND, OWNER
from .voice_harness import CARRIERS, CallLab, settle, speak, transcribe, transcribe_ulaw

MOBILE = "+15550004321"  # the owner's own phone


@pytest.fixture(params=CARRIERS)
def lab(request, host):
    with CallLab(host, request.param) as lab:
        lab.set(ownerNumber=MOBILE)
        lab.runtime.call_model = offline_call_model()
        yield lab


def _wav_text(wav: bytes) -> str:
    with wave.open(io.BytesIO(wav)) as audio:
        assert audio.getframerate() == 8000 and audio.getsampwidth() == 2
        pcm = np.frombuffer(audio.readframes(audio.getnframes()), dtype=np.int16)
    return transcribe(pcm.astype(np.float32) / 32768)


def _record(lab):
    (record,) = CallRecords(lab.host.db).recent(1)
    return record


def test_a_caller_who_asks_for_the_owner_is_put_through(lab) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)
    question = speak("Hello. Can I speak to the owner, please?")

    async def scenario() -> str:
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            start = len(call.heard)
            await call.say(question)
            await call.wait_for(lambda: call.closed is not None, timeout=40)  # the carrier took the call away
            return transcribe_ulaw(bytes(call.heard[start:]))

    heard = asyncio.run(scenario())
    assert "putting you through" in heard.lower(), heard
    transfer = lab.carrier.wait_for_transfer()
    assert transfer.to == MOBILE and transfer.call_id == ring.call_id
    assert transfer.caller_id in (OWNER, OWNER.lstrip("+"))  # our number, which the carrier lets us present
    assert _record(lab).state == "in-progress"  # the carrier has the call; it is not over
    whisper = _wav_text(lab.carrier.owner_answers(transfer)).lower()
    assert "call for you" in whisper and "speak to the owner" in whisper, whisper  # who, and what they want
    if lab.carrier.name != "telnyx":  # Telnyx joins the owner once they answer: no key to press
        assert "press 1" in whisper or "press one" in whisper, whisper
        assert transfer.extra.get("joined", True), "the owner pressed 1: the calls are joined"
    assert lab.carrier.transfer_ends(transfer, "completed") is None
    settle(lambda: _record(lab).state == "completed")
    record = _record(lab)
    assert record.end_reason.startswith("put through to the owner"), record.end_reason
    notes = [e["text"] for e in record.transcript if e["role"] == "system"]
    assert f"putting the caller through to {MOBILE}" in notes, notes
    assert lab.carrier.hung_up_by_rest() == []  # we never hang up a call we put through


def test_pressing_0_rings_the_owner_and_a_missed_owner_gets_a_message(lab) -> None:
    ring = lab.carrier.ring(FRIEND, OWNER)

    async def first_part() -> str:
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            start = len(call.heard)
            await call.press("0")
            await call.wait_for(lambda: call.closed is not None, timeout=40)
            return transcribe_ulaw(bytes(call.heard[start:]))

    assert "putting you through" in asyncio.run(first_part()).lower()
    transfer = lab.carrier.wait_for_transfer()
    back = lab.carrier.transfer_ends(transfer, "no-answer")
    assert back is not None and back.connected, "the call should come back to our stream"
    message = speak("Please tell him that Sam called about the invoice.")

    async def second_part() -> str:
        async with lab.carrier.media_call(back) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            intro = transcribe_ulaw(bytes(call.heard))
            await call.say(message)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=40)
            return intro

    intro = asyncio.run(second_part()).lower()
    assert "couldn't take the call" in intro or "take a message" in intro, intro
    settle(lambda: _record(lab).state != "in-progress", timeout=20)
    record = _record(lab)
    notes = [e["text"] for e in record.transcript if e["role"] == "note"]
    assert any("invoice" in n.lower() for n in notes), record.transcript
    system = " ".join(e["text"] for e in record.transcript if e["role"] == "system")
    assert "did not take the call" in system, system
    assert [e["text"] for e in record.transcript if e["role"] == "dtmf"] == ["0"]


def _caller_presses_0(lab):
    """A caller presses 0 after the greeting: the carrier is asked to put them through (its transfer)."""
    ring = lab.carrier.ring(FRIEND, OWNER)

    async def press_0() -> None:
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            await call.press("0")
            await call.wait_for(lambda: call.closed is not None, timeout=40)

    asyncio.run(press_0())
    return lab.carrier.wait_for_transfer()


def test_an_owner_who_hangs_up_during_the_whisper_did_not_take_the_call(host) -> None:
    """Twilio's <Dial action> says DialCallStatus=completed with DialBridged=false when the owner
    answered but hung up before being joined (during the whisper): the caller must come back to
    us, not be hung up on and recorded as put through. A result for a transfer already settled
    (a carrier's late or second report) is answered 200 and changes nothing."""
    with CallLab(host, "twilio") as lab:
        lab.set(ownerNumber=MOBILE)
        lab.runtime.call_model = offline_call_model()
        transfer = _caller_presses_0(lab)
        back = lab.carrier.transfer_ends(transfer, "completed", bridged=False)
        assert back is not None and back.connected, "the caller comes back to leave a message"
        assert _record(lab).state == "in-progress"
        late = {**lab.carrier.call_params("", "", call_sid=transfer.call_id), "DialCallStatus": "completed"}
        assert lab.carrier.post_to(transfer.body["action"], late).status_code == 200
        assert _record(lab).state == "in-progress", "a late report changes nothing"


def test_the_owner_hears_who_is_calling_and_can_let_us_take_a_message(host) -> None:
    """A warm transfer on Twilio: the owner's leg runs our <Number url> TwiML, a <Gather> around
    the whisper. Pressing 2 (or nothing before it times out) declines: their leg is hung up, the
    <Dial> ends unbridged and the caller comes back to us to leave a message."""
    with CallLab(host, "twilio") as lab:
        lab.set(ownerNumber=MOBILE)
        lab.runtime.call_model = offline_call_model()
        transfer = _caller_presses_0(lab)
        whisper = _wav_text(lab.carrier.owner_answers(transfer, press="2")).lower()
        assert "call for you" in whisper and "message" in whisper and ("press 1" in whisper or "press one" in whisper), whisper
        assert transfer.extra["joined"] is False
        lab.carrier.owner_answers(transfer, press=None)  # said nothing: the <Gather> times out
        assert transfer.extra["joined"] is False
        back = lab.carrier.transfer_ends(transfer, "completed", bridged=False)
        assert back is not None and back.connected, "the caller comes back to leave a message"


@pytest.mark.parametrize("caller_reported_first", [True, False])
def test_a_caller_who_hangs_up_while_the_owner_rings_is_recorded_so(host, caller_reported_first) -> None:
    """Telnyx: with the owner's leg's cancellation first, we read it as the owner not answering, sent
    streaming_start to a dead call (422) and recorded "media stream failed"."""
    with CallLab(host, "telnyx") as lab:
        lab.set(ownerNumber=MOBILE)
        lab.runtime.call_model = offline_call_model()
        transfer = _caller_presses_0(lab)
        lab.carrier.caller_hangs_up_while_owner_rings(transfer, caller_reported_first)
        settle(lambda: _record(lab).state != "in-progress", timeout=20)
        record = _record(lab)
        assert "the caller hung up before the owner answered" in record.end_reason, record.end_reason
        assert "stream" not in record.end_reason

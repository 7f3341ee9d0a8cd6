"""Invite codes typed on the keypad: the owner makes one in chat, a new caller types it after the
pairing prompt and is approved on the spot (the call goes on as an accepted call); wrong codes
get three tries per call and a budget across calls."""

from __future__ import annotations

import asyncio

from plugins.voice_call.admission.invite import InviteEntry
from plugins.voice_call.admission.pairing import MAX_WRONG_INVITES, Pairing
from plugins.voice_call.config import voice_config

from .conftest import OWNER
from .voice_harness import CallLab, speak, transcribe_ulaw

STRANGER = "+15557770000"


def test_a_new_caller_types_the_invite_code_and_talks(host) -> None:
    with CallLab(host, "twilio") as lab:
        lab.set(**{"inbound.policy": "pairing"})
        reply = lab.say("give me an invite code for a new caller")
        code = reply.split("Invite code ")[1][:6]
        assert code.isdigit(), reply
        ring = lab.carrier.ring(STRANGER, OWNER)
        question = speak("What is the capital of France?")

        async def scenario() -> tuple[str, str]:
            async with lab.carrier.media_call(ring) as call:
                await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=60)  # the pairing prompt
                await call.press(code + "#")
                await call.wait_for(lambda: any(m.startswith("o") for m in call.marks_echoed), timeout=30)
                welcome = transcribe_ulaw(bytes(call.heard))
                start = len(call.heard)
                await call.say(question)
                await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=40)
                await call.wait_for(lambda: not call.playing, timeout=10)
                return welcome, transcribe_ulaw(bytes(call.heard[start:]))

        welcome, answer = asyncio.run(scenario())
    assert "approved" in welcome.lower(), welcome
    assert "paris" in answer.lower(), answer
    assert STRANGER in voice_config(host).inbound.allow_from
    shown = " ".join(m.text for m in host.conversations.shown(host.conversations.latest()))
    assert f"{STRANGER} typed an invite code" in shown
    assert not Pairing(host.db).redeem("+15550009999", code)  # used up


def test_wrong_codes_are_bounded(host) -> None:
    pairing = Pairing(host.db)
    code = pairing.invite()
    wrong = "000000" if code != "000000" else "111111"

    async def three_wrong_tries() -> list[str]:
        entry = InviteEntry(lambda typed: pairing.redeem("+15557770001", typed))
        results = [entry.key(d) for d in wrong] + [entry.key(d) for d in wrong] + [entry.key(d) for d in wrong]
        return [r for r in results if r != "more"]

    assert asyncio.run(three_wrong_tries()) == ["wrong", "wrong", "spent"]
    for _ in range(MAX_WRONG_INVITES):
        pairing.redeem("+15557770001", wrong)
    assert not pairing.redeem("+15557770001", code)  # the budget was spent: open invites were voided

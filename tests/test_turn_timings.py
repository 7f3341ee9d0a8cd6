"""Per-turn timings in the call record, through the fake Twilio with the real local engines: each
answered turn keeps its silence wait and when the transcript, the first model token, the first
reply audio and the carrier's "heard" came, in that order; `assistant calls show` and `assistant
calls latency` print them, and the web page's calls API carries them."""

from __future__ import annotations

import httpx

from assistant.web.auth import WebAuth
from plugins.voice_call.calls.turn_end import CHECK_MS, HOLD_MS
from plugins.voice_call.history.records import CallRecords

from .conftest import run_cli
from .test_call_conformance import record_of, settle
from .voice_harness import CallLab, ask


def test_each_turn_keeps_its_timings(host, env) -> None:
    with CallLab(host, "twilio") as lab:
        _, answer, ring = ask(lab, "What is the capital of France?")
        assert "paris" in answer.lower()
        settle(lambda: len(record_of(lab, ring).turns) == 1, timeout=10)
        turn = record_of(lab, ring).turns[0]
        # Smart Turn is asked after CHECK_MS of quiet; the turn ends once it and the draft are in.
        assert turn["turn"] == 1 and CHECK_MS <= turn["silence_ms"] < HOLD_MS, turn
        steps = [turn["transcript_ms"], turn["first_token_ms"], turn["first_audio_ms"], turn["heard_ms"]]
        assert all(ms >= 0 for ms in steps) and steps == sorted(steps), turn
        assert turn["speech_end_ms"] > 0

        client = httpx.Client(base_url=lab.live.url)
        client.get("/login", params={"token": WebAuth(host.settings.home).token()})
        calls = client.get("/web/api/calls").json()
        listed = next(c for c in calls["active"] + calls["recent"] if c["id"] == record_of(lab, ring).id)
        assert listed["turns"][0].startswith(f"turn 1: silence wait {turn['silence_ms']} ms, transcript ")
        lab.carrier.report_hangup(ring)
        call_id = record_of(lab, ring).id

    # Written to the database by the time the gateway stops, for other processes to read.
    assert CallRecords(host.db).get(call_id).turns == [turn]
    shown = run_cli(env, "calls", "show", call_id, check=True).stdout
    assert f"turn 1: silence wait {turn['silence_ms']} ms, transcript {turn['transcript_ms']} ms" in shown, shown
    latency = run_cli(env, "calls", "latency", check=True).stdout
    assert "Over 1 answered turns" in latency and "first audio sent: p50" in latency and "voice to voice: p50" in latency


def test_no_timed_turns_yet(env) -> None:
    assert "No timed turns yet" in run_cli(env, "calls", "latency", check=True).stdout


def test_a_clearly_complete_question_does_not_wait_out_the_whole_silence(host) -> None:
    """The caller's pause is used: their words are transcribed and Smart Turn hears them while the
    silence wait runs, and a finished question ends the turn then, not after the configured 3 s."""
    with CallLab(host, "twilio") as lab:
        lab.set(endOfUtteranceMs=3000)
        _, answer, ring = ask(lab, "What is the capital of France?")
        assert "paris" in answer.lower()
        settle(lambda: len(record_of(lab, ring).turns) == 1, timeout=10)
        turn = record_of(lab, ring).turns[0]
        assert CHECK_MS <= turn["silence_ms"] < 2500, turn  # ended early: well before the configured wait
        assert turn["transcript_ms"] < 200, turn  # the draft was the transcript
        lab.carrier.report_hangup(ring)

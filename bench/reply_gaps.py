"""Answers from the owner's facts and the calendar: how soon they start and whether they flow.
A caller asks for free appointment times (a list of 16) and, on another call, when the shop is
open (a long fact). Prints, per question, the time from the question's last frame to the reply's
first audio at the carrier (p50/p95), where that time went (the end-of-turn wait, the transcript,
the model, the first audio; from the call record's turn timings), and the longest silence inside
the reply; with replies cut into pieces (now: a long sentence is cut after its clauses, each piece
made while the one before plays) and whole (before: each sentence made whole before any of it is
sent), in the same run.

    .venv/bin/python -m bench.reply_gaps [--rounds 3] [--busy 0]

Real engines: local Whisper, Kokoro (af_heart), the offline call model; a fake Twilio caller
(tests/fakes) on this machine; appointments every day 9:00 to 17:00, 30-minute slots. --busy N
keeps N cores busy beside it (a `yes`-like loop per core).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time

from assistant.host import Host
from assistant.settings import Settings
from bench.voice_latency import trimmed
from plugins.voice_call.calls.offline_call import offline_call_model
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.history.timings import percentile
from plugins.voice_call.knowledge.facts import Knowledge
from plugins.voice_call.speech import tts as tts_module
from tests.values import FRIEND, OWNER
from tests.voice_harness import CallLab, speak

#: (what it asks about, the question).
QUESTIONS = (
    ("bookings", "Do you have any free appointments tomorrow?"),
    ("facts", "When are you open?"),
)
FACTS = (
    "We're open Monday to Friday from 8 in the morning until 6 in the evening, and on Saturday from 9 until 1.",
    "A basic bike service costs 45 pounds.",
)
STEPS = ("silence_ms", "transcript_ms", "first_token_ms", "first_audio_ms")
QUIET_S = 12.0  # longer than any silence inside a reply seen before


def spin() -> None:
    while True:
        pass


def one_call(lab: CallLab, question: bytes) -> tuple[float, float, int, dict]:
    """(ms from the question's end to the first reply frame, longest silence inside it in ms, frames,
    the turn's timings as recorded)."""
    ring = lab.carrier.ring(FRIEND, OWNER)

    async def run() -> tuple[float, float, int]:
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=120)
            await call.wait_for(lambda: not call.playing, timeout=120)
            before = len(call.received)
            call.speech_sent_at = None
            await call.say(question)

            def frames() -> list[float]:
                return [m["_at"] for m in call.received[before:] if m.get("_kind") == "media"]

            await call.wait_for(lambda: bool(frames()), timeout=120)
            asked = call.speech_sent_at  # the question's last frame (say() only queues it)
            assert asked is not None
            while time.monotonic() - frames()[-1] < QUIET_S:  # the reply is over once the line stays quiet
                await asyncio.sleep(0.2)
            arrived = frames()
            gaps = [b - a for a, b in zip(arrived, arrived[1:], strict=False)]
            return (arrived[0] - asked) * 1000, max(gaps, default=0.0) * 1000, len(arrived)

    first, gap, frames = asyncio.run(run())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        record = CallRecords(lab.host.db).by_carrier_id(lab.carrier_name, ring.call_id)
        if record is not None and record.turns:
            return first, gap, frames, record.turns[0]
        time.sleep(0.1)
    return first, gap, frames, {}


def measure(rounds: int, whole: bool, questions: dict[str, bytes]) -> dict[str, list[tuple[float, float, int, dict]]]:
    original = tts_module.short_pieces, tts_module.first_words_short
    if whole:
        tts_module.short_pieces = lambda text: [text]  # type: ignore[assignment]
        tts_module.first_words_short = lambda text: [text]  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as home:
            host = Host(Settings.from_env({"ASSISTANT_HOME": home}))
            host.config.update(
                "voice_call",
                {
                    "timezone": "UTC",
                    "appointments.days": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
                    "silenceTimeoutSeconds": 120,
                },
            )
            for fact in FACTS:
                Knowledge(host.db).add(fact)
            with CallLab(host, "twilio") as lab:
                lab.runtime.call_model = offline_call_model()
                lab.live.run(lab.runtime.prompts.ready(), timeout=600)
                results: dict[str, list[tuple[float, float, int, dict]]] = {name: [] for name in questions}
                for _ in range(rounds):
                    for name, question in questions.items():
                        results[name].append(one_call(lab, question))
            host.close()
        return results
    finally:
        tts_module.short_pieces, tts_module.first_words_short = original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0)
    args = parser.parse_args()
    busy = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for process in busy:
        process.start()
    try:
        questions = {name: trimmed(speak(text)) for name, text in QUESTIONS}
        print(f"{args.rounds} calls per question and way; {args.busy} cores kept busy")
        for name, text in QUESTIONS:
            print(f"  {name}: {text!r}")
        for way, whole in (("before (whole)", True), ("now (pieces)", False)):
            for name, results in measure(args.rounds, whole, questions).items():
                first = [r[0] for r in results]
                gap = [r[1] for r in results]
                steps = "  ".join(
                    f"{step.removesuffix('_ms').replace('_', ' ')} {statistics.median(r[3][step] for r in results if step in r[3]):4.0f}"
                    for step in STEPS
                    if any(step in r[3] for r in results)
                )
                print(
                    f"{way:15} {name:8} first audio p50 {statistics.median(first):5.0f} ms p95 {percentile(first, 95):5.0f}   "
                    f"longest silence inside p50 {statistics.median(gap):5.0f} ms (max {max(gap):5.0f})   "
                    f"{statistics.mean(r[2] for r in results) * 0.02:4.1f} s of reply   [p50 ms: {steps}]",
                    flush=True,
                )
    finally:
        for process in busy:
            process.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())

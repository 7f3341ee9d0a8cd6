"""Silence inside a reply: a caller asks for free appointment times and hears the list. Prints the
time from the end of the caller's question to the reply's first audio at the carrier, and the
longest silence between the reply's first and last audio frames, with replies cut into pieces
(now: a long sentence is cut after its clauses, each piece made while the one before plays) and
whole (before: each sentence made whole before any of it is sent), in the same run.

    .venv/bin/python -m bench.reply_gaps [--rounds 3] [--busy 0]

Real engines: local Whisper, Kokoro (af_heart), the offline call model; a fake Twilio caller
(tests/fakes) on this machine; appointments every day 9:00 to 17:00, 30-minute slots, so the
list has 16 times. --busy N keeps N cores busy beside it (a `yes`-like loop per core).
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
from plugins.voice_call.speech import tts as tts_module
from tests.values import FRIEND, OWNER
from tests.voice_harness import CallLab, speak

QUESTION = "Do you have any free appointments tomorrow?"
QUIET_S = 12.0  # longer than any silence inside a reply seen before


def spin() -> None:
    while True:
        pass


def one_call(lab: CallLab, question: bytes) -> tuple[float, float, int]:
    """(ms from the question's end to the first reply frame, longest silence inside it in ms, frames)."""
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

    return asyncio.run(run())


def measure(rounds: int, whole: bool, question: bytes) -> list[tuple[float, float, int]]:
    original = tts_module.short_pieces
    if whole:
        tts_module.short_pieces = lambda text: [text]  # type: ignore[assignment]
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
            with CallLab(host, "twilio") as lab:
                lab.runtime.call_model = offline_call_model()
                lab.live.run(lab.runtime.prompts.ready(), timeout=600)
                results = [one_call(lab, question) for _ in range(rounds)]
            host.close()
        return results
    finally:
        tts_module.short_pieces = original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0)
    args = parser.parse_args()
    busy = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for process in busy:
        process.start()
    try:
        question = trimmed(speak(QUESTION))
        print(f"{args.rounds} calls each; {args.busy} cores kept busy; the caller asks: {QUESTION!r}")
        for name, whole in (("before (whole)", True), ("now (pieces)", False)):
            results = measure(args.rounds, whole, question)
            first = [r[0] for r in results]
            gap = [r[1] for r in results]
            print(
                f"{name:15} first audio p50 {statistics.median(first):6.0f} ms (max {max(first):6.0f})   "
                f"longest silence inside the reply p50 {statistics.median(gap):6.0f} ms (max {max(gap):6.0f})   "
                f"{statistics.mean(r[2] for r in results) * 0.02:.1f} s of reply",
                flush=True,
            )
    finally:
        for process in busy:
            process.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())

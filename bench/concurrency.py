"""How many simultaneous calls one CPU core carries while our outgoing 20 ms frames stay on time.

    .venv/bin/python -m bench.concurrency [--max 64]

The whole process (gateway and the fake Twilio callers) is pinned to one core, so the callers' own
work counts against us: a pessimistic figure. Engines are the fakes of bench/fakes.py (2 s replies);
VAD is the real Silero, per call. Each caller asks three questions. For every reply frame, lateness
= when our player actually sent it - its slot on the 20 ms clock (measured in the server: callers in
the same process would add their own thread switches to an arrival-side figure). A level passes
when the p99 lateness is under 5 ms and no frame is more than 20 ms late.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time

from pydantic_ai.models.function import FunctionModel

from assistant.host import Host
from assistant.settings import Settings
from bench.fakes import FakeSTT, FakeTTS, fake_llm
from bench.voice_latency import percentile, trimmed
from plugins.voice_call.calls.player import LEAD_MS, Player
from plugins.voice_call.speech.audio import FRAME_MS
from tests.values import OWNER
from tests.voice_harness import CallLab, speak

LATE: list[float] = []


async def _timed_pace(self) -> None:
    """Player._pace, recording how late each frame leaves against its slot on the 20 ms clock
    (bench instrumentation). Gaps over 500 ms are the line going quiet between replies, not lateness."""
    now = time.monotonic()
    slot = self._epoch + self._sent * FRAME_MS / 1000
    if now > self._epoch + (self._sent + 1) * FRAME_MS / 1000:
        if self._sent and now - slot < 0.5:
            LATE.append((now - slot) * 1000)  # behind by more than a frame: the player starts over
        self._epoch, self._sent = now, 0
    due = self._epoch + (self._sent * FRAME_MS - LEAD_MS) / 1000
    if due > now:
        await asyncio.sleep(due - now)
    LATE.append(max(0.0, time.monotonic() - max(due, self._epoch + self._sent * FRAME_MS / 1000)) * 1000)
    self._sent += 1


Player._pace = _timed_pace  # type: ignore[method-assign]


async def caller(lab: CallLab, index: int, question: bytes) -> None:
    ring = await asyncio.to_thread(lab.carrier.ring, f"+1555300{index:04d}", OWNER)
    async with lab.carrier.media_call(ring) as call:
        await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=120)
        for turn in range(1, 4):
            await call.wait_for(lambda: not call.playing, timeout=120)
            await call.say(question)
            await call.wait_for(lambda: any(m.startswith(f"t{turn}") for m in call.marks_echoed), timeout=120)


def level(n: int, question: bytes) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as home:
        host = Host(Settings.from_env({"ASSISTANT_HOME": home}))
        with CallLab(host, "twilio") as lab:
            lab.set(maxConcurrentCalls=100, endOfUtteranceMs=500, maxDurationSeconds=3600, silenceTimeoutSeconds=600)
            lab.runtime.stt_factory = lambda config: FakeSTT()
            lab.runtime.tts_factory = lambda config: FakeTTS(seconds=2.0)
            lab.runtime.call_model = FunctionModel(stream_function=fake_llm)
            LATE.clear()

            async def run():
                await asyncio.gather(*(caller(lab, i, question) for i in range(n)))

            asyncio.run(run())
            late = list(LATE)
        host.close()
    return percentile(late, 99), max(late), len(late)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=64)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    question = trimmed(speak("What is the capital of France?"))
    print("calls  frames   p99 late   max late   verdict (one core, callers included)")
    best = 0
    n = 1
    while n <= args.max:
        p99, worst, count = level(n, question)
        ok = p99 < 5 and worst < 20
        print(f"{n:5d}  {count:6d}  {p99:7.1f} ms  {worst:7.1f} ms   {'ok' if ok else 'too late'}", flush=True)
        if not ok:
            break
        best = n
        n *= 2
    print(f"One core sustains at least {best} simultaneous calls with frames on time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

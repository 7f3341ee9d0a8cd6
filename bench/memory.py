"""Does memory stay put once the gateway is warm? Rounds of simultaneous calls, RSS after each.

    .venv/bin/python -m bench.memory [--rounds 5] [--calls 4]

One process: the gateway with the real local engines (Silero VAD, Whisper tiny.en, Kokoro) and the
tests' scripted call model, answering fake Twilio callers who each ask one question and hang up.
A first round warms everything (models, caches, the prompt cache); the figure is the growth of the
resident set from the end of that round to the end of the last. Target: under 5%.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile

from assistant.host import Host
from assistant.settings import Settings
from tests.values import OWNER
from tests.voice_harness import CallLab, speak


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def caller(lab: CallLab, index: int, question: bytes) -> None:
    ring = await asyncio.to_thread(lab.carrier.ring, f"+1555300{index:04d}", OWNER)
    async with lab.carrier.media_call(ring) as call:
        await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=120)
        await call.say(question)
        await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=120)
    await asyncio.to_thread(lab.carrier.report_hangup, ring)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=4)
    args = parser.parse_args()
    question = speak("What is the capital of France?")
    with tempfile.TemporaryDirectory() as home:
        host = Host(Settings.from_env({"ASSISTANT_HOME": home}))
        with CallLab(host, "twilio") as lab:
            lab.set(maxConcurrentCalls=args.calls, callCapacity=args.calls)
            lab.live.run(lab.runtime.prompts.ready(), timeout=120)
            print(f"idle, models loaded: {rss_mb():7.1f} MB")
            sizes = []
            for round_ in range(args.rounds + 1):

                async def one_round() -> None:
                    await asyncio.gather(*(caller(lab, i, question) for i in range(args.calls)))

                asyncio.run(one_round())
                gc.collect()
                sizes.append(rss_mb())
                label = "warm-up" if round_ == 0 else f"round {round_}"
                print(f"{label:>8}: {args.calls} calls, RSS {sizes[-1]:7.1f} MB", flush=True)
        host.close()
    growth = (sizes[-1] - sizes[0]) / sizes[0] * 100
    print(f"growth after warm-up over {args.rounds} rounds: {sizes[-1] - sizes[0]:+.1f} MB ({growth:+.1f}%, target < 5%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

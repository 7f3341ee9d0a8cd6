"""How soon the first callers after a gateway start hear its greeting: a long greeting, calls
ringing the moment the gateway is up, optionally with CPU cores kept busy beside it.

    .venv/bin/python -m bench.first_words [--busy 1] [--calls 3]

Each start is a new process. "first start" has an empty data folder (the greeting was never made:
the first call makes it, while the speech models are still loading); "next start" reuses that
folder (the greeting made before is on disk). Prints seconds from the ring to the first audio for
each call, and the next start's first call against the first start's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time

GREETING = (
    "Hello, you have reached the workshop of Sam Baker, bicycle repairs and servicing in Portsmouth, "
    "and I am the assistant who answers the phone while Sam is busy with a customer's bike. "
    "I can take a message, tell you about our opening hours and prices, or book you in for a service. "
    "Calls may be transcribed so Sam can read what you said. How can I help you today?"
)


def one_start(home: str, calls: int) -> list[list[float] | None]:
    """In this process: start a gateway on `home`, ring `calls` times at once, and time each: from
    the ring and from the answer (the stream opening) to the first audio."""
    from assistant.host import Host
    from assistant.settings import Settings
    from tests.values import FRIEND, OWNER
    from tests.voice_harness import CallLab

    host = Host(Settings.from_env({**os.environ, "ASSISTANT_HOME": home}))
    host.config.update("voice_call", {"inbound.greeting": GREETING})
    results: list[list[float] | None] = []
    with CallLab(host, "twilio") as lab:
        for _ in range(calls):
            started = time.monotonic()
            ring = lab.carrier.ring(FRIEND, OWNER)

            async def first_words(ring=ring, started=started) -> list[float] | None:
                async with lab.carrier.media_call(ring) as call:
                    for _ in range(600):
                        if call.first_audio_at is not None and call.opened_at is not None:
                            return [call.first_audio_at - started, call.first_audio_at - call.opened_at]
                        await asyncio.sleep(0.02)
                    return None

            results.append(asyncio.run(first_words()))
            lab.carrier.report_hangup(ring)
        lab.live.run(lab.runtime.prompts.ready(), timeout=300)  # the gateway runs on a while
    host.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--busy", type=int, default=0, help="CPU cores to keep busy beside the gateway")
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--one-start", help=argparse.SUPPRESS)  # the child process's data folder
    args = parser.parse_args(argv)
    if args.one_start:
        print(json.dumps(one_start(args.one_start, args.calls)))
        return 0
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        with tempfile.TemporaryDirectory() as home:
            runs = {}
            for name in ("first start", "next start"):
                child = [sys.executable, "-m", "bench.first_words", "--one-start", home, "--calls", str(args.calls)]
                output = subprocess.run(child, capture_output=True, text=True, check=True).stdout
                runs[name] = json.loads(output.strip().splitlines()[-1])
    finally:
        for process in busy:
            process.kill()
    print(f"{len(GREETING)}-character greeting, {args.calls} calls right after each start, {args.busy} core(s) kept busy")
    for name, seconds in runs.items():
        rings = ", ".join("none" if s is None else f"{s[0]:.2f}" for s in seconds)
        answers = ", ".join("none" if s is None else f"{s[1]:.2f}" for s in seconds)
        print(f"{name:<12} first words after the ring (s): {rings}; after the answer: {answers}")
    first, next_ = runs["first start"][0], runs["next start"][0]
    if first and next_:
        print(f"next start's first call / first start's, from the ring: {next_[0] / first[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How many simultaneous calls one CPU core carries with every reply frame on time: ours and
Pipecat's, measured the same way in the same run.

    .venv/bin/python -m bench.concurrency [--max 64] [--no-pipecat] [--smart-turn]

Each server runs alone on one core (pinned: ours is bench/our_server.py, Pipecat's
bench/pipecat_server.py), with the fake engines of bench/fakes.py (2 s replies) and its own
Silero VAD per call; the fake Twilio callers run in this process, on another core. Each caller
asks three questions. Lateness, the same for both, at the callers: within each reply, frame i is
due at (first frame's arrival + i x 20 ms); lateness is how much later it arrives (a server that
runs ahead is never late). For ours it is also measured inside the server (the player against
its 20 ms clock). A level passes when the p99 lateness is under 5 ms and no frame is more than
20 ms late. Levels double until one fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

from bench.pipecat_compare import Server, free_port, our_call, our_server, pipecat_call, pipecat_python
from bench.voice_latency import percentile, trimmed
from tests.fakes.twilio_carrier import TwilioMediaCall
from tests.voice_harness import speak

REPLY_S = 2.0
TURNS = 3


def arrival_lateness(call: TwilioMediaCall) -> list[float]:
    """Per reply (frames more than 0.5 s apart start a new one): how late each frame arrived
    against the 20 ms clock that starts with the reply's first frame."""
    late: list[float] = []
    start = previous = None
    index = 0
    for message in call.received:
        if message.get("_kind") != "media":
            continue
        at = message["_at"]
        if previous is None or at - previous > 0.5:
            start, index = at, 0
        assert start is not None
        late.append(max(0.0, (at - (start + index * 0.020)) * 1000))
        index += len(message["media"]["payload"]) * 3 // 4 // 160  # Pipecat may send more than 20 ms at once
        previous = at
    return late


async def caller(call: TwilioMediaCall, question: bytes, greeting: bool) -> None:
    async with call:
        if greeting:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=180)
        await ask(call, question)


async def ask(call: TwilioMediaCall, question: bytes) -> None:
    """TURNS times: wait for quiet, say the question, wait for the whole reply."""
    for _ in range(TURNS):
        await call.wait_for(lambda: not call.playing, timeout=180)
        await asyncio.sleep(0.3)
        before = len(call.received)
        await call.say(question)

        def reply_s() -> float:
            return sum(len(m["media"]["payload"]) * 3 // 4 for m in call.received[before:] if m.get("_kind") == "media") / 8000

        await call.wait_for(lambda: reply_s() >= REPLY_S - 0.05, timeout=180)


def level(
    n: int, question: bytes, server_core: int, pipecat: bool, extra: tuple[str, ...] = ()
) -> tuple[list[float], list[float]]:
    """(arrival lateness, lateness inside the server; empty for Pipecat) over every reply frame."""
    port = free_port()
    if pipecat:
        command = [str(pipecat_python()), "bench/pipecat_server.py", str(port), str(REPLY_S)]
    else:
        command = our_server(port, "--tts-seconds", str(REPLY_S), "--lateness", *extra)
    with Server(command, port, core=server_core) as server:

        async def run() -> list[TwilioMediaCall]:
            if pipecat:
                calls = [pipecat_call(port) for _ in range(n)]
            else:
                calls = await asyncio.gather(*(asyncio.to_thread(our_call, port, f"+1555300{i:04d}") for i in range(n)))
            await asyncio.gather(*(caller(call, question, greeting=not pipecat) for call in calls))
            return list(calls)

        calls = asyncio.run(run())
        server.stop()
        inside = list(server.late)
    return [v for call in calls for v in arrival_lateness(call)], inside


def verdict(late: list[float]) -> tuple[str, bool]:
    if not late:
        return "no frames", False
    p99, worst = percentile(late, 99), max(late)
    ok = p99 < 5 and worst < 20
    return f"p99 {p99:6.1f} ms  max {worst:6.1f} ms  {'ok' if ok else 'too late'}", ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=64)
    parser.add_argument("--no-pipecat", action="store_true")
    parser.add_argument("--smart-turn", action="store_true", help="ours again with Smart Turn deciding each end of turn")
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        print("needs two cores: one for the server, one for the callers", file=sys.stderr)
        return 1
    server_core, caller_core = cores[0], cores[1]
    os.sched_setaffinity(0, {caller_core})
    question = trimmed(speak("What is the capital of France?"))
    print(
        f"Each server alone on core {server_core}; callers on core {caller_core}; {TURNS} questions per call, {REPLY_S:.0f} s replies"
    )
    best = {"ours": 0, "ours+ST": 0, "Pipecat": 0}
    servers: list[tuple[str, bool, tuple[str, ...]]] = [("ours", False, ())]
    servers += [("ours+ST", False, ("--smart-turn",))] if args.smart_turn else []
    servers += [] if args.no_pipecat else [("Pipecat", True, ())]
    for name, is_pipecat, flags in servers:
        n = 1
        while n <= args.max:
            started = time.monotonic()
            arrival, inside = level(n, question, server_core, is_pipecat, flags)
            text, ok = verdict(arrival)
            extra = f"   inside: {verdict(inside)[0]}" if inside else ""
            print(
                f"{name:8} {n:3d} calls  {len(arrival):6d} frames  at the callers: {text}{extra}  ({time.monotonic() - started:.0f} s)",
                flush=True,
            )
            if not ok:
                break
            best[name] = n
            n *= 2
    print(f"One core carries {best['ours']} simultaneous calls with every frame on time (ours)", end="")
    if args.smart_turn:
        print(f"; {best['ours+ST']} with Smart Turn", end="")
    if not args.no_pipecat:
        ratio = best["ours"] / best["Pipecat"] if best["Pipecat"] else float("inf")
        print(f"; Pipecat {best['Pipecat']}; ours / Pipecat: {ratio:.1f}x")
    else:
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Side by side with Pipecat: the same fake Twilio caller, the same question, the same fake engines
and delays, on the same machine in the same run; prints both figures and the ratio.

    .venv/bin/python -m bench.pipecat_compare [--turns 30]

The first run makes bench/.venv-pipecat with pipecat-ai[silero,websocket] and uvicorn from PyPI.
Measured end to end at the carrier: caller's last speech frame -> first reply frame, minus the
500 ms end-of-utterance silence and the 350 ms of injected engine delays. Both servers run in a
process of their own (ours: bench/our_server.py); the fake Twilio caller runs in this one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.fakes import INJECTED_S
from bench.voice_latency import EOU_MS, percentile, summary, trimmed
from tests.fakes.twilio_carrier import FakeTwilio, TwilioMediaCall
from tests.values import FRIEND, OWNER, TWILIO_SID, TWILIO_TOKEN
from tests.voice_harness import PUBLIC_URL, speak

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-pipecat"
PIPECAT = ["pipecat-ai[silero,websocket]==1.14.0", "uvicorn[standard]"]


def pipecat_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print("installing pipecat-ai into bench/.venv-pipecat (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PIPECAT], check=True)
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def measure(call, turns: int, question: bytes, greeting: bool) -> list[tuple[float, float]]:
    """(caller's last speech frame sent, first reply frame received) per turn, for any server
    behind the fake Twilio media stream."""
    results = []
    if greeting:
        await call.wait_for(lambda: call.received and not call.playing, timeout=60)
    for _ in range(turns):
        await call.wait_for(lambda: not call.playing, timeout=30)
        await asyncio.sleep(0.3)
        before = len(call.received)
        await call.say(question)

        def replies():
            return [m for m in call.received[before:] if m.get("_kind") == "media"]

        await call.wait_for(lambda: replies() and call.speech_sent_at is not None, timeout=60)
        results.append((call.speech_sent_at, replies()[0]["_at"]))
        # The whole 1 s reply arrived (servers cut it into frames of different lengths).
        await call.wait_for(lambda: sum(len(m["media"]["payload"]) * 3 // 4 for m in replies()) >= 7900, timeout=30)
    return results


def figures(times: list[tuple[float, float]], vad_ends: list[float]) -> tuple[list[float], list[float]]:
    """End-to-end overhead, and overhead after the VAD's end of turn (both minus injected delays)."""
    total, after_vad = [], []
    for spoke, first in times:
        total.append((first - spoke) * 1000 - EOU_MS - INJECTED_S * 1000)
        end = max((t for t in vad_ends if spoke < t < first), default=None)
        if end is not None:
            after_vad.append((first - end) * 1000 - INJECTED_S * 1000)
    return total, after_vad


class Server:
    """A voice server in a process of its own (ours or Pipecat's), with the ends of turn it reports."""

    def __init__(self, command: list[str], port: int, core: int | None = None) -> None:
        self.port, self.vad_ends, self.late = port, [], []
        #: Ours says READY once its call models are made (bench/our_server.py); Pipecat's says nothing.
        self.ready = threading.Event()
        self.says_ready = "bench.our_server" in command
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if core is not None:
            os.sched_setaffinity(self.process.pid, {core})

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("VAD_STOP "):
                self.vad_ends.append(float(line.split()[1]))
            elif line.startswith("READY "):
                self.ready.set()
            elif line.startswith("LATE "):
                self.late = [float(v) for v in line.split()[1:]]

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                if not self.says_ready or self.ready.wait(timeout=0.2):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.kill()
                err = self.process.stderr.read() if self.process.stderr else ""
                raise RuntimeError(f"the server did not start:\n{err[-3000:]}") from None
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        time.sleep(0.2)  # the reader thread takes the last lines


def our_server(port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bench.our_server", str(port), *extra]


def pipecat_server(port: int) -> list[str]:
    return [str(pipecat_python()), str(HERE / "pipecat_server.py"), str(port)]


def our_call(port: int, caller: str = FRIEND) -> TwilioMediaCall:
    """Ring our server as the fake Twilio does (a signed webhook), then open the stream it names."""
    carrier = FakeTwilio(f"http://127.0.0.1:{port}", PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN)
    try:
        ring = carrier.ring(caller, OWNER)
        return carrier.media_call(ring)
    finally:
        carrier.close()


def pipecat_call(port: int) -> TwilioMediaCall:
    return TwilioMediaCall(f"ws://127.0.0.1:{port}/ws", "AC" + "0" * 32, "CA" + "1" * 32, {})


def timed_turns(ours_: bool, turns: int, question: bytes) -> tuple[list[float], list[float]]:
    """`turns` questions to one server (ours, or Pipecat's), the caller in this process."""
    port = free_port()
    with Server(our_server(port) if ours_ else pipecat_server(port), port) as server:
        call = our_call(port) if ours_ else pipecat_call(port)

        async def run():
            async with call:
                return await measure(call, turns, question, greeting=ours_)  # Pipecat's pipeline has no greeting

        result = asyncio.run(run())
    return figures(result, server.vad_ends)


def ratios(baseline: list[float], mine: list[float]) -> None:
    if baseline and mine:
        print(
            "  Pipecat / ours: "
            + ", ".join(f"p{p} {percentile(baseline, p) / max(percentile(mine, p), 0.001):.2f}x" for p in (50, 95, 99))
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=30)
    args = parser.parse_args()
    question = trimmed(speak("What is the capital of France?"))
    baseline, baseline_after_vad = timed_turns(False, args.turns, question)
    mine, mine_after_vad = timed_turns(True, args.turns, question)
    print(
        f"Fake engines inject {INJECTED_S * 1000:.0f} ms; both end a turn after {EOU_MS} ms of quiet (Silero); "
        f"{args.turns} turns each, same machine, same run; each server in its own process, the caller in this one"
    )
    print("Overhead after the VAD's end of turn -> first reply frame at the carrier (pipeline overhead):")
    print(summary("  phone-assistant", mine_after_vad))
    print(summary("  Pipecat 1.14.0 (Twilio serializer)", baseline_after_vad))
    ratios(baseline_after_vad, mine_after_vad)
    print("Voice-to-voice beyond the configured silence (includes each VAD's own tail):")
    print(summary("  phone-assistant", mine))
    print(summary("  Pipecat 1.14.0 (Twilio serializer)", baseline))
    ratios(baseline, mine)
    return 0


if __name__ == "__main__":
    sys.exit(main())

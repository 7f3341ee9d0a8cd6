"""Our gateway in a process of its own, with the fake engines of bench/fakes.py, for the benches
that put the callers in another process (as the Pipecat baseline is):

    .venv/bin/python -m bench.our_server PORT [--tts-seconds 1.0] [--core N] [--database-url URL --node NAME]

It answers the fake Twilio (tests/fakes/twilio_carrier.py, account TWILIO_SID / TWILIO_TOKEN,
public URL tests.voice_harness.PUBLIC_URL), prints `READY <url>` once it listens, `VAD_STOP <t>` at
each end of turn and, with --lateness, `LATE <ms>` lines for every reply frame when it stops (how
late our player sent it against its slot on the 20 ms clock). Stops on SIGTERM. With
--database-url and --node it is one node of several on a shared store (bench/cluster.py; the
vault key comes from ASSISTANT_VAULT_KEY, the same for every node), its own URL
https://NAME.bench.test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time

from pydantic_ai.models.function import FunctionModel

from assistant.gateway import Gateway
from assistant.host import Host
from assistant.settings import Settings
from bench.fakes import FakeSTT, FakeTTS, fake_llm
from plugins.voice_call.calls.player import LEAD_MS, Player
from plugins.voice_call.runtime import VoiceCallRuntime
from plugins.voice_call.speech import vad as vad_module
from plugins.voice_call.speech.audio import FRAME_MS
from plugins.voice_call.speech.smart_turn import SmartTurn
from plugins.voice_call.speech.vad import VAD_POOL
from tests.values import OWNER, TWILIO_SID, TWILIO_TOKEN
from tests.voice_harness import PUBLIC_URL

LATE: list[float] = []


def _clock_vad() -> None:
    original = vad_module.UtteranceDetector.feed

    def feed(detector, samples):
        events = original(detector, samples)
        if any(e.kind == "speech_end" for e in events):
            print(f"VAD_STOP {time.monotonic()}", flush=True)
        return events

    vad_module.UtteranceDetector.feed = feed  # type: ignore[method-assign]


async def _timed_pace(self) -> None:
    """Player._pace, recording how late each frame leaves against its slot (gaps over 500 ms are
    the line going quiet between replies, not lateness)."""
    now = time.monotonic()
    slot = self._epoch + self._sent * FRAME_MS / 1000
    if now > self._epoch + (self._sent + 1) * FRAME_MS / 1000:
        if self._sent and now - slot < 0.5:
            LATE.append((now - slot) * 1000)
        self._epoch, self._sent = now, 0
    due = self._epoch + (self._sent * FRAME_MS - LEAD_MS) / 1000
    if due > now:
        await asyncio.sleep(due - now)
    LATE.append(max(0.0, time.monotonic() - max(due, self._epoch + self._sent * FRAME_MS / 1000)) * 1000)
    self._sent += 1


async def serve(port: int, tts_seconds: float, database_url: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {"ASSISTANT_HOME": home}
        if database_url:
            env |= {"ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_VAULT_KEY": os.environ["ASSISTANT_VAULT_KEY"]}
        host = Host(Settings.from_env(env))
        host.config.update(
            "voice_call",
            {
                "provider": "twilio",
                "twilio.accountSid": TWILIO_SID,
                "twilio.authTokenRef": "voice_call.twilio.auth_token",
                "phoneNumber": OWNER,
                "publicUrl": PUBLIC_URL,
                "inbound.policy": "open",
                "endOfUtteranceMs": 500,
                "maxConcurrentCalls": 100,
                "callCapacity": 100,
                "maxDurationSeconds": 3600,
                "silenceTimeoutSeconds": 600,
            },
            secrets={"voice_call.twilio.auth_token": TWILIO_TOKEN},
        )
        runtime = VoiceCallRuntime.of(host)
        runtime.stt_factory = lambda config: FakeSTT()
        runtime.tts_factory = lambda config: FakeTTS(seconds=tts_seconds)
        runtime.call_model = FunctionModel(stream_function=fake_llm)
        runtime.switchboard.stream_wait_s = 120
        gateway = host.gateway = Gateway(host)
        url = await gateway.start(host="127.0.0.1", port=port)
        while VAD_POOL.ready < VAD_POOL.reserve:  # a server that has been up a while: its call models are made
            await asyncio.sleep(0.05)
        print(f"READY {url}", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await gateway.stop()
        host.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int)
    parser.add_argument("--tts-seconds", type=float, default=1.0)
    parser.add_argument("--core", type=int, default=None, help="pin this process to one CPU core")
    parser.add_argument("--lateness", action="store_true", help="print LATE lines for every reply frame at the end")
    parser.add_argument(
        "--smart-turn", action="store_true", help="end turns with Smart Turn too (off: silence, as Pipecat's baseline)"
    )
    parser.add_argument("--database-url", help="a store shared with other nodes (PostgreSQL)")
    parser.add_argument("--node", help="this node's name among those on the store")
    args = parser.parse_args()
    if args.node:
        os.environ["ASSISTANT_NODE_NAME"] = args.node
        os.environ["ASSISTANT_NODE_URL"] = f"https://{args.node}.bench.test"
    if not args.smart_turn:
        SmartTurn.installed = staticmethod(lambda: False)  # type: ignore[method-assign]
    if args.core is not None:
        os.sched_setaffinity(0, {args.core})
    _clock_vad()
    if args.lateness:
        Player._pace = _timed_pace  # type: ignore[method-assign]
    asyncio.run(serve(args.port, args.tts_seconds, args.database_url))
    if args.lateness:
        print("LATE " + " ".join(f"{v:.2f}" for v in LATE), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

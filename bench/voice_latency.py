"""Voice-to-voice latency of our pipeline, measured at a fake Twilio carrier on 127.0.0.1.

    .venv/bin/python -m bench.voice_latency [--turns 40] [--real]

Pipeline overhead: from the end of the caller's turn (as the turn taker decided it: Smart Turn's
verdict, a complete draft, or the 500 ms silence) to our first reply frame arriving at the carrier,
minus the fake engines' fixed delays (STT 100 ms, LLM first token 200 ms, TTS first audio 50 ms).
The wait from the caller's last speech frame to that end is printed on its own line.
Barge-in: from the caller's first interrupting frame to the carrier `clear`, minus the window in
which the interruption has been speech for 480 ms (`calls/interruption.py`; the fake recogniser
makes no transcripts of parts, so held speech is what cuts in).
--real: the same turns with local faster-whisper tiny.en, Kokoro and a fixed-text model.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from pydantic_ai.models.function import FunctionModel

from assistant.host import Host
from assistant.settings import Settings
from bench.backchannels import window_ms
from bench.fakes import INJECTED_S, FakeSTT, FakeTTS, fake_llm
from plugins.voice_call.calls.interruption import INTERRUPT_MS, CallerLevel
from plugins.voice_call.speech import vad as vad_module
from plugins.voice_call.speech.audio import ulaw_to_float
from plugins.voice_call.speech.smart_turn import SmartTurn
from tests.room_sounds import Sound
from tests.values import FRIEND, OWNER
from tests.voice_harness import CallLab, speak

EOU_MS = 500
SMART_TURN_INSTALLED = SmartTurn.installed()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary(name: str, values_ms: list[float]) -> str:
    return (
        f"{name:<38} p50 {percentile(values_ms, 50):7.1f} ms   p95 {percentile(values_ms, 95):7.1f} ms   "
        f"p99 {percentile(values_ms, 99):7.1f} ms   (n={len(values_ms)})"
    )


def trimmed(ulaw: bytes) -> bytes:
    """The question without Kokoro's trailing quiet, so its last frame is speech."""
    import audioop

    frames = [ulaw[i : i + 160] for i in range(0, len(ulaw), 160)]
    while frames and audioop.rms(audioop.ulaw2lin(frames[-1], 2), 2) < 300:
        frames.pop()
    return b"".join(frames)


class VadClock:
    """Records when the turn detector declares each end of utterance (bench instrumentation only)."""

    def __init__(self) -> None:
        self.ends: list[float] = []
        original = vad_module.UtteranceDetector.feed
        clock = self

        def feed(detector, samples):
            events = original(detector, samples)
            if any(e.kind == "speech_end" for e in events):
                clock.ends.append(time.monotonic())
            return events

        vad_module.UtteranceDetector.feed = feed  # type: ignore[method-assign]
        original_end = vad_module.UtteranceDetector.end_now

        def end_now(detector):  # an early end (a complete draft) is an end of turn too
            clock.ends.append(time.monotonic())
            return original_end(detector)

        vad_module.UtteranceDetector.end_now = end_now  # type: ignore[method-assign]


def run_turns(lab: CallLab, turns: int, question: bytes, injected_s: float) -> tuple[list[float], list[float], list[float]]:
    vad = VadClock()
    ring = lab.carrier.ring(FRIEND, OWNER)
    totals, overheads, tails = [], [], []

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=60)
            for turn in range(1, turns + 1):
                await call.wait_for(lambda: not call.playing, timeout=30)
                before = len(call.received)
                await call.say(question)
                await call.wait_for(
                    lambda: any(m.get("_kind") == "media" for m in call.received[before:]) and call.speech_sent_at is not None,
                    timeout=60,
                )
                first = next(m["_at"] for m in call.received[before:] if m.get("_kind") == "media")
                spoke = call.speech_sent_at
                end = vad.ends[-1]
                totals.append((first - spoke) * 1000)
                overheads.append((first - end - injected_s) * 1000)
                tails.append((end - spoke) * 1000)
                await call.wait_for(lambda: any(m.startswith(f"t{turn}") for m in call.marks_echoed), timeout=60)

    asyncio.run(scenario())
    return totals, overheads, tails


def barge_in(lab: CallLab, rounds: int, question: bytes, interruption: bytes) -> list[float]:
    ring = lab.carrier.ring(FRIEND, OWNER)
    delays = []

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=60)
            for _ in range(rounds):
                await call.wait_for(lambda: not call.playing, timeout=30)
                clears = len(call.clears)
                before = len(call.received)
                await call.say(question)
                # Past REACTION_MS of our reply (60 frames, 1.2 s): speech there is weighed, not taken at once.
                await call.wait_for(lambda: sum(m.get("_kind") == "media" for m in call.received[before:]) > 60, timeout=60)
                await call.say(interruption)
                await call.wait_for(lambda: len(call.clears) > clears, timeout=30)
                delays.append((call.clears[-1] - call.speech_started_at) * 1000)
                await asyncio.sleep(0.5)

    asyncio.run(scenario())
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--real", action="store_true", help="also time the local engines (Whisper, Kokoro)")
    args = parser.parse_args()
    question = trimmed(speak("What is the capital of France?"))
    interruption = trimmed(speak("Wait, stop, stop."))
    with tempfile.TemporaryDirectory() as home:
        host = Host(Settings.from_env({"ASSISTANT_HOME": str(Path(home))}))
        with CallLab(host, "twilio") as lab:
            lab.set(endOfUtteranceMs=EOU_MS, maxDurationSeconds=3600, silenceTimeoutSeconds=600)
            lab.runtime.stt_factory = lambda config: FakeSTT()
            lab.runtime.tts_factory = lambda config: FakeTTS(seconds=1.0)
            lab.runtime.call_model = FunctionModel(stream_function=fake_llm)
            totals, overheads, tails = run_turns(lab, args.turns, question, INJECTED_S)
            print("Pipeline overhead, fake engines (STT 100 ms, LLM 200 ms, TTS 50 ms), silence setting 500 ms")
            print(summary("last caller frame -> first reply frame", totals))
            print(summary("  of which the wait for the end of turn", tails))
            print(summary("overhead (end of turn -> reply - 350 ms)", overheads))
            lab.runtime.tts_factory = lambda config: FakeTTS(seconds=4.0)
            delays = barge_in(lab, max(5, args.turns // 4), question, interruption)
            # The fake recogniser makes no transcripts of parts: speech held INTERRUPT_MS cuts in.
            level = CallerLevel()
            level.heard(ulaw_to_float(question))
            window = window_ms(Sound("interruption", interruption, True), level.floor) or INTERRUPT_MS
            print(summary("barge-in: first caller frame -> clear", delays))
            print(summary(f"barge-in beyond the interruption window ({window:.0f} ms)", [d - window for d in delays]))
        host.close()
    if args.real:
        real_engines(question)
    return 0


def real_engines(question: bytes) -> None:
    from plugins.voice_call.speech.stt import LocalWhisper
    from plugins.voice_call.speech.tts import KokoroTTS

    kokoro, whisper = KokoroTTS.shared(), LocalWhisper.shared()
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        kokoro.synthesize_sync("The capital of France is Paris.", "af_heart")
        samples.append((time.perf_counter() - start) * 1000)
    print(summary("Kokoro first sentence (31 chars)", samples))
    from plugins.voice_call.speech.audio import ulaw_to_float

    audio = ulaw_to_float(question)
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        whisper.transcribe_sync(audio)
        samples.append((time.perf_counter() - start) * 1000)
    print(summary("Whisper tiny.en, 1.9 s question", samples))
    for smart in (False, True):  # the end of turn of before (silence and drafts), then with Smart Turn
        SmartTurn.installed = staticmethod(lambda smart=smart: smart and SMART_TURN_INSTALLED)  # type: ignore[method-assign]
        with tempfile.TemporaryDirectory() as home:
            host = Host(Settings.from_env({"ASSISTANT_HOME": home}))  # a fresh runtime: the real engines
            with CallLab(host, "twilio") as lab:
                lab.set(endOfUtteranceMs=EOU_MS, maxDurationSeconds=3600, silenceTimeoutSeconds=600)
                lab.runtime.call_model = FunctionModel(stream_function=_instant_llm)
                totals, _, tails = run_turns(lab, 8, question, 0.0)
                name = "with Smart Turn" if smart else "silence and drafts"
                print(summary(f"real engines, {name}: last frame -> first reply", totals))
                print(summary("  of which the wait for the end of turn", tails))
                print(
                    summary("  the rest (transcript, model, speech)", [t - tail for t, tail in zip(totals, tails, strict=True)])
                )
            host.close()
    SmartTurn.installed = staticmethod(lambda: SMART_TURN_INSTALLED)  # type: ignore[method-assign]


async def _instant_llm(messages, info):
    yield "The capital of France is Paris."


if __name__ == "__main__":
    sys.exit(main())

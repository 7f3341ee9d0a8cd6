"""Listening noises and real interruptions over our reply, through the fake Twilio carrier.

    .venv/bin/python -m bench.backchannels

The caller asks for a story; while it plays they make the sounds of `tests/room_sounds.py`
("mm-hmm", "yeah", "okay, got it", coughs, doors, a TV 20 dB below their voice), 0.7 s apart,
then says a real interruption ("Wait, stop, stop."). Printed: false stops (a listening noise
that stopped the reply), interruptions that stopped it, and how long after the window the stop
reached the carrier. The window is when the interruption had been speech for 480 ms (LiveKit
Agents' `min_interruption_duration`): the old rule, and the baseline printed beside, stopped at
the VAD's first speech (96 ms) whatever the sound was.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant.host import Host
from assistant.settings import Settings
from plugins.voice_call.calls.interruption import INTERRUPT_MS, CallerLevel
from plugins.voice_call.speech.audio import ulaw_to_float
from plugins.voice_call.speech.vad import UtteranceDetector
from tests.room_sounds import Sound, interruptions, listening_sounds
from tests.values import FRIEND, OWNER
from tests.voice_harness import CallLab, speak

PER_ROUND = 4


def _frames(sound: Sound):
    samples = np.concatenate([ulaw_to_float(sound.ulaw), np.zeros(4000, dtype=np.float32)])
    return [(at + 160, samples[at : at + 160]) for at in range(0, len(samples), 160)]


def vad_hears(sound: Sound) -> bool:
    """Whether the VAD takes `sound` for speech at all (the old rule stopped the reply there)."""
    vad = UtteranceDetector(end_silence_ms=500)
    try:
        return any(e.kind == "speech_start" for _, frame in _frames(sound) for e in vad.feed(frame))
    finally:
        vad.close()


def window_ms(sound: Sound, floor: float) -> float | None:
    """When `sound` has been speech at the caller's loudness for INTERRUPT_MS, by the same VAD."""
    vad = UtteranceDetector(end_silence_ms=500, loud_floor=floor)
    try:
        for end, frame in _frames(sound):
            vad.feed(frame)
            if vad.strong_ms >= INTERRUPT_MS:
                return end / 8
        return None
    finally:
        vad.close()


def main() -> int:
    ask = speak("Tell me a story please.")
    level = CallerLevel()
    level.heard(ulaw_to_float(ask))
    noises, stops = listening_sounds(), interruptions()
    baseline = sum(vad_hears(s) for s in noises)
    windows = {s.name: window_ms(s, level.floor) for s in stops}
    rounds = [noises[i : i + PER_ROUND] for i in range(0, len(noises), PER_ROUND)]
    false_stops: list[str] = []
    delays: list[float] = []
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as home:
        host = Host(Settings.from_env({"ASSISTANT_HOME": str(Path(home))}))
        with CallLab(host, "twilio") as lab:
            for n, batch in enumerate(rounds):
                stop = stops[n % len(stops)]
                ring = lab.carrier.ring(FRIEND, OWNER)

                async def scenario(batch=batch, stop=stop, ring=ring) -> None:
                    async with lab.carrier.media_call(ring) as call:
                        await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=60)
                        await call.say(ask)
                        await call.wait_for(lambda: call.playing, timeout=60)
                        await asyncio.sleep(1.0)  # listening noises answer something we said
                        for sound in batch:
                            clears = len(call.clears)
                            await call.say(sound.ulaw)
                            await call.wait_for(lambda: not call.sending, timeout=10)
                            await asyncio.sleep(0.7)
                            if len(call.clears) > clears:
                                false_stops.append(sound.name)
                        if not call.playing:
                            missed.append(f"{stop.name} (the story was over)")
                            return
                        clears = len(call.clears)
                        await call.say(stop.ulaw)
                        try:
                            await call.wait_for(lambda: len(call.clears) > clears, timeout=5)
                        except AssertionError:
                            missed.append(stop.name)
                            return
                        assert call.speech_started_at is not None
                        window = windows[stop.name] or INTERRUPT_MS
                        delays.append((call.clears[-1] - call.speech_started_at) * 1000 - window)

                asyncio.run(scenario())
        host.close()
    print(f"listening noises: {len(noises)}; false stops {len(false_stops)} {false_stops}")
    print(f"  baseline (stop at the VAD's first speech, the old rule): {baseline} of {len(noises)} would stop the reply")
    print(f"interruptions: {len(rounds)}; stopped {len(delays)}; missed {missed}")
    if delays:
        print(
            f"  stop reached the carrier after the {INTERRUPT_MS} ms window: p50 {np.percentile(delays, 50):.0f} ms, "
            f"max {max(delays):.0f} ms (n={len(delays)})"
        )
    return 0 if not false_stops and not missed else 1


if __name__ == "__main__":
    sys.exit(main())

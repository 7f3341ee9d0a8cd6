"""How many calls at once this machine's local speech engines can carry.

Local engines share the CPU: past some number of calls, a caller's reply waits behind the others'
and a new caller's greeting comes late. The gateway measures the engines once per process (one
reference sentence synthesised and transcribed, off the event loop, giving way to live calls) and
refuses calls beyond what they carry, busy at the webhook, so no caller sits in silence. The owner
can set the number instead (`callCapacity`); `maxConcurrentCalls` stays the upper bound either way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.audio import PHONE_RATE, ulaw_to_float
from plugins.voice_call.speech.stt import LoadingWhisper, LocalWhisper, SpeechToText
from plugins.voice_call.speech.tts import KokoroVoice, TextToSpeech, synthesize

log = logging.getLogger(__name__)

REFERENCE = "Thanks for calling. I can take a message, or answer a quick question about the office."
#: Shares of a call's time spent speaking and listening: each side talks about half the time.
TALK_SHARE = 0.5
LISTEN_SHARE = 0.5
#: The engines are kept below full use so a reply rarely queues behind another call's.
HEADROOM = 0.8
MOST = 100

#: The engines as measured in this process: the machine is the same for every gateway built in it
#: (a restart, another data folder), so each pair of engines is measured once.
_MEASURED: dict[tuple[str, str], Measurement] = {}


@dataclass(frozen=True)
class Measurement:
    """Seconds of engine work per second of audio (below 1 is faster than real time); None for
    an engine that runs elsewhere (a cloud API)."""

    tts_factor: float | None
    stt_factor: float | None

    @property
    def calls(self) -> int:
        load = TALK_SHARE * (self.tts_factor or 0.0) + LISTEN_SHARE * (self.stt_factor or 0.0)
        if load <= 0:
            return MOST
        return max(1, min(MOST, int(HEADROOM / load)))

    def describe(self) -> str:
        parts = [
            f"{name} {factor:.2f} s per second of speech"
            for name, factor in (("speech synthesis", self.tts_factor), ("transcription", self.stt_factor))
            if factor is not None
        ]
        return f"{self.calls} calls at once (measured: {', '.join(parts) or 'cloud engines only'})"


class CallCapacity:
    def __init__(self, give_way: Callable[[], Awaitable[None]] | None = None) -> None:
        self._give_way = give_way
        #: Measurements given with `record` (the owner's engines as measured elsewhere, tests).
        self._given: dict[tuple[str, str], Measurement] = {}
        self._measuring: asyncio.Task[Any] | None = None

    @staticmethod
    def _key(config: VoiceCallConfig) -> tuple[str, str]:
        return (config.tts.engine, config.stt.engine)

    def measured(self, config: VoiceCallConfig) -> Measurement | None:
        key = self._key(config)
        return self._given.get(key) or _MEASURED.get(key)

    def limit(self, config: VoiceCallConfig) -> int:
        """The most calls to take at once with this config: the owner's cap, and the engines' capacity
        (set, or measured; until it is measured, the owner's cap alone)."""
        if config.call_capacity is not None:
            return min(config.max_concurrent_calls, config.call_capacity)
        measured = self.measured(config)
        return min(config.max_concurrent_calls, measured.calls) if measured else config.max_concurrent_calls

    def describe(self, config: VoiceCallConfig) -> str:
        limit = self.limit(config)
        if config.call_capacity is not None:
            return f"{limit} calls at once (set)"
        measured = self.measured(config)
        if measured is None:
            return f"{limit} calls at once (the engines are not measured yet)"
        capped = " (capped by maxConcurrentCalls)" if limit < measured.calls else ""
        return f"{limit} calls at once{capped}; engines: {measured.describe()}"

    def measure(self, config: VoiceCallConfig, tts: Callable[[], TextToSpeech], stt: Callable[[], SpeechToText]) -> None:
        """Measure this config's engines in the background, once per process."""
        if config.call_capacity is not None or self.measured(config) is not None:
            return
        if self._measuring is not None and not self._measuring.done():
            return
        self._measuring = asyncio.get_running_loop().create_task(self._measure(config, tts, stt), name="call-capacity")
        self._measuring.add_done_callback(_quiet)

    async def ready(self) -> None:
        if self._measuring is not None:
            await asyncio.shield(self._measuring)

    async def _measure(
        self, config: VoiceCallConfig, tts_for: Callable[[], TextToSpeech], stt_for: Callable[[], SpeechToText]
    ) -> None:
        tts = await asyncio.to_thread(tts_for)
        stt = await asyncio.to_thread(stt_for)
        if isinstance(stt, LoadingWhisper):
            stt = await asyncio.to_thread(stt.engine)
        if self._give_way is not None:
            await self._give_way()
        started = time.perf_counter()
        try:
            audio = await synthesize(tts, REFERENCE)
        finally:
            await tts.aclose()
        made_s = time.perf_counter() - started
        seconds = len(audio) / PHONE_RATE
        # Only engines on this machine count against it (KokoroVoice, LocalWhisper); cloud ones do not.
        tts_factor = made_s / seconds if isinstance(tts, KokoroVoice) and seconds else None
        stt_factor = None
        if isinstance(stt, LocalWhisper) and seconds:
            if self._give_way is not None:
                await self._give_way()
            started = time.perf_counter()
            await asyncio.to_thread(stt.transcribe_sync, ulaw_to_float(audio))
            stt_factor = (time.perf_counter() - started) / seconds
        measurement = Measurement(tts_factor, stt_factor)
        _MEASURED[self._key(config)] = measurement
        log.info("call capacity: %s", measurement.describe())

    def record(self, config: VoiceCallConfig, measurement: Measurement) -> None:
        """Take `measurement` for this config's engines instead of measuring them here."""
        self._given[self._key(config)] = measurement
        log.info("call capacity: %s", measurement.describe())


def _quiet(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("measuring the call capacity failed: %s", task.exception().__class__.__name__)

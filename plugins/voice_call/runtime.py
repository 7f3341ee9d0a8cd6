"""State of the voice-call plugin that outlives gateway restarts: calls in flight, loaded engines."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic_ai.models import Model

from assistant.agent import read_prompt
from assistant.store.tables import as_utc
from plugins.voice_call.calls.agent import CallAgent
from plugins.voice_call.calls.capacity import CallCapacity
from plugins.voice_call.calls.ending import EndReason
from plugins.voice_call.calls.outbound import OutboundCalls
from plugins.voice_call.calls.pairing import Pairing
from plugins.voice_call.calls.pending import PendingCall
from plugins.voice_call.calls.phone_check import PhoneCheck
from plugins.voice_call.calls.policy import normalise
from plugins.voice_call.calls.prompts import PromptCache
from plugins.voice_call.calls.realtime import open_realtime
from plugins.voice_call.calls.records import CallRecords
from plugins.voice_call.calls.reports import CallReports
from plugins.voice_call.calls.scheduler import CallScheduler
from plugins.voice_call.calls.switchboard import Switchboard
from plugins.voice_call.calls.when import local_zone
from plugins.voice_call.config import PLUGIN, VoiceCallConfig, voice_config
from plugins.voice_call.exposure import Exposure
from plugins.voice_call.speech.engines import make_stt, make_tts, openai_client
from plugins.voice_call.speech.stt import SpeechToText
from plugins.voice_call.speech.tts import AudioStream, TextToSpeech, spoken

if TYPE_CHECKING:
    from assistant.host import Host


def _quiet(task: asyncio.Task[Any]) -> None:
    """Failures of a prepared task are handled where it is awaited; don't log them as unretrieved."""
    if not task.cancelled():
        task.exception()


class VoiceCallRuntime:
    """The plugin's parts that live as long as the process: the switchboard, call records, pairing,
    the speech engines calls are built with, outbound calls and the scheduler."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.records = CallRecords(host.db)
        self.pairing = Pairing(host.db)
        #: Tests and benchmarks swap these for fakes.
        self.call_model: Model | None = None
        self.stt_factory: Callable[[VoiceCallConfig], SpeechToText] = lambda config: make_stt(host, config)
        self.tts_factory: Callable[[VoiceCallConfig], TextToSpeech] = lambda config: make_tts(host, config)
        #: The greeting and goodbyes, made in the background at each gateway build.
        self.switchboard = Switchboard(self.records, self)
        self.prompts = PromptCache(self.tts, preload=self.stt, calls_active=lambda: self.switchboard.active_count() > 0)
        self.capacity = CallCapacity(self.prompts.give_way)
        self.outbound = OutboundCalls(host, self.switchboard, self, self.capacity)
        self.scheduler = CallScheduler(host, self.records, self.outbound)
        self.exposure = Exposure(host)
        self.phone_check = PhoneCheck(host, self.outbound, self.switchboard, self.records)
        self.reports = CallReports(host, self.records)
        self.switchboard.on_end(self.reports.call_ended)
        self.switchboard.on_end(self.scheduler.call_ended)
        self._scheduler_task: asyncio.Task[None] | None = None
        self._tunnel_task: asyncio.Task[None] | None = None
        #: The latest webhook each carrier sent that we could not use, for `assistant doctor`.
        self.webhook_problems: dict[str, str] = {}

    @classmethod
    def of(cls, host: Host) -> VoiceCallRuntime:
        runtime = host.extensions.get("voice_call")
        if runtime is None:
            runtime = host.extensions["voice_call"] = cls(host)
        assert isinstance(runtime, VoiceCallRuntime)
        return runtime

    def prepare(
        self,
        call_id: str,
        token: str,
        config: VoiceCallConfig,
        intro: str,
        *,
        intro_only: bool = False,
        mode: Literal["inbound", "notify", "conversation"] = "inbound",
        message: str = "",
        resumed_at_ms: int | None = None,
    ) -> PendingCall:
        """Get a call ready while the carrier connects: the intro's audio is synthesised now, or in
        Realtime mode the OpenAI socket opens now (it saves seconds on the first words)."""
        pending = PendingCall(
            call_id, token, config, intro, intro_only=intro_only, mode=mode, message=message, resumed_at_ms=resumed_at_ms
        )
        client = openai_client(self.host, config) if config.mode == "realtime" and not intro_only else None
        if client is not None:
            instructions = read_prompt(self.host.settings, "call")
            pending.realtime = asyncio.create_task(open_realtime(client, config, instructions))
            pending.realtime.add_done_callback(_quiet)
        else:
            pending.tts = self.tts(config)
            cached = self.prompts.get(config, intro)
            pending.intro_audio = cached if cached is not None else AudioStream(spoken(pending.tts, intro))
        return pending

    def admit_invited(self, number: str, code: str) -> bool:
        """A pairing caller typed an invite code: when it is open, their number may call from now on."""
        normalised = normalise(number)
        if normalised is None or not self.pairing.redeem(normalised, code):
            return False

        def change(data: dict[str, Any]) -> None:
            if normalised not in data["inbound"]["allowFrom"]:
                data["inbound"]["allowFrom"].append(normalised)

        self.host.config.update_typed(PLUGIN, VoiceCallConfig, change)
        self.host.tell_owner(f"{normalised} typed an invite code you gave out, and may call from now on.")
        return True

    def prompt(self, config: VoiceCallConfig, text: str) -> bytes | None:
        return self.prompts.get(config, text)

    def stt(self, config: VoiceCallConfig) -> SpeechToText:
        return self.stt_factory(config)

    def tts(self, config: VoiceCallConfig) -> TextToSpeech:
        return self.tts_factory(config)

    def call_agent(self) -> CallAgent:
        return CallAgent(self.host, self.call_model)


def settle_heap() -> None:
    """Move everything loaded so far out of the garbage collector's reach. Without it, a full
    collection over the app's and the models' objects pauses the event loop for ~100 ms now and
    then: a gap in every call's audio, and the p99 of bench/voice_latency.py."""
    gc.collect()
    gc.freeze()


def startup(host: Host) -> None:
    """Runs once per process, in the gateway's event loop: calls a previous process left active can
    never finish now; the scheduler starts."""
    runtime = VoiceCallRuntime.of(host)
    cut_off = runtime.switchboard.close_stale()
    if cut_off:
        # Our own words about our own records: no caller text goes into the owner's chat here.
        last = max(c.created_at for c in cut_off)
        zone = local_zone(voice_config(host).timezone)
        when = as_utc(last).astimezone(zone).strftime("%H:%M on %d %b")
        calls = "1 call was" if len(cut_off) == 1 else f"{len(cut_off)} calls were"
        host.tell_owner(
            f"{calls} cut off when the assistant stopped (the last one began at {when}); `assistant calls list` shows them."
        )
    settle_heap()
    loop = asyncio.get_running_loop()
    runtime._scheduler_task = loop.create_task(runtime.scheduler.run(), name="call-scheduler")
    runtime._tunnel_task = loop.create_task(runtime.exposure.follow(voice_config(host)), name="tunnel-start")


async def shutdown(host: Host) -> None:
    """The gateway stopped: answered calls whose media never arrived can no longer connect; the tunnel closes."""
    runtime = VoiceCallRuntime.of(host)
    runtime.switchboard.fail_pending(EndReason.GATEWAY_STOPPED)
    if runtime._scheduler_task is not None:
        runtime._scheduler_task.cancel()
        runtime._scheduler_task = None
    await runtime.exposure.stop()
    runtime.records.flush()  # transcript lines still in memory

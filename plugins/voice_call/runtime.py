"""State of the voice-call plugin that outlives gateway restarts: calls in flight, loaded engines."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic_ai.models import Model

from assistant.agent import read_prompt

from plugins.voice_call.calls.agent import CallAgent
from plugins.voice_call.calls.pairing import Pairing
from plugins.voice_call.calls.records import CallRecords
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.engines import make_stt, make_tts, openai_client
from plugins.voice_call.speech.stt import SpeechToText
from plugins.voice_call.speech.tts import TextToSpeech, synthesize

if TYPE_CHECKING:
    from assistant.host import Host
    from plugins.voice_call.calls.session import CallSession

PENDING_TTL_S = 60.0


def _quiet(task: asyncio.Task[Any]) -> None:
    """Failures of a prepared task are handled where it is awaited; don't log them as unretrieved."""
    if not task.cancelled():
        task.exception()


@dataclass
class PendingCall:
    """A call we answered whose media stream has not arrived yet."""

    call_id: str
    token: str
    config: VoiceCallConfig
    intro: str
    intro_audio: asyncio.Task[bytes] | None = None
    #: The engine the intro is being synthesised with; the call keeps using it.
    tts: TextToSpeech | None = None
    #: Realtime mode: the OpenAI Realtime socket, opening while the carrier sets up the stream.
    realtime: asyncio.Task[Any] | None = None
    #: Pairing: say the intro (the code), then hang up.
    intro_only: bool = False
    #: inbound | notify | conversation
    mode: str = "inbound"
    message: str = ""
    created: float = field(default_factory=time.monotonic)

    def cancel(self) -> None:
        """The call will never connect: stop preparing it and close what was opened for it."""
        if self.intro_audio:
            self.intro_audio.cancel()
        if self.realtime:
            if self.realtime.done() and not self.realtime.cancelled() and self.realtime.exception() is None:
                asyncio.get_running_loop().create_task(self.realtime.result().close())
            self.realtime.cancel()


class VoiceCallRuntime:
    def __init__(self, host: "Host") -> None:
        self.host = host
        self.records = CallRecords(host.db)
        self.pairing = Pairing(host.db)
        self.pending: dict[str, PendingCall] = {}
        self.sessions: dict[str, "CallSession"] = {}
        #: Tests and benchmarks swap these for fakes.
        self.call_model: Model | None = None
        self.stt_factory: Callable[[VoiceCallConfig], SpeechToText] = lambda config: make_stt(host, config)
        self.tts_factory: Callable[[VoiceCallConfig], TextToSpeech] = lambda config: make_tts(host, config)
        self.end_listeners: list[Callable[[str], None]] = []
        from plugins.voice_call.calls.outbound import OutboundCalls
        from plugins.voice_call.calls.scheduler import CallScheduler

        self.outbound = OutboundCalls(self)
        self.scheduler = CallScheduler(self)
        self._scheduler_task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, host: "Host") -> "VoiceCallRuntime":
        runtime = host.extensions.get("voice_call")
        if runtime is None:
            runtime = host.extensions["voice_call"] = cls(host)
        return runtime

    def active_count(self) -> int:
        self._expire_pending()
        return len(self.pending) + len(self.sessions)

    def _expire_pending(self) -> None:
        now = time.monotonic()
        for sid, pending in list(self.pending.items()):
            if now - pending.created > PENDING_TTL_S:
                del self.pending[sid]
                pending.cancel()
                self.records.transition(pending.call_id, "failed", "media stream never arrived")


    def drop_pending(self, reason: str) -> None:
        for pending in self.pending.values():
            pending.cancel()
            self.records.transition(pending.call_id, "failed", reason)
        self.pending.clear()

    def drop_pending_call(self, call_id: str) -> None:
        for key, pending in list(self.pending.items()):
            if pending.call_id == call_id:
                del self.pending[key]
                pending.cancel()

    def call_ended(self, call_id: str) -> None:
        """Every call passes here once it is over: outbound calls report back and scheduled ones may retry."""
        for listener in list(self.end_listeners):
            listener(call_id)

    def prepare(self, call_id: str, token: str, config: VoiceCallConfig, intro: str, *, intro_only: bool = False,
                mode: str = "inbound", message: str = "") -> PendingCall:
        """Get a call ready while the carrier connects: the intro's audio is synthesised now, or in
        Realtime mode the OpenAI socket opens now (it saves seconds on the first words)."""
        pending = PendingCall(call_id, token, config, intro, intro_only=intro_only, mode=mode, message=message)
        client = openai_client(self.host, config) if config.mode == "realtime" and not intro_only else None
        if client is not None:
            from plugins.voice_call.calls.realtime import open_realtime

            instructions = read_prompt(self.host.settings, "call")
            pending.realtime = asyncio.create_task(open_realtime(client, config, instructions))
            pending.realtime.add_done_callback(_quiet)
        else:
            pending.tts = self.tts(config)
            pending.intro_audio = asyncio.create_task(synthesize(pending.tts, intro))
            pending.intro_audio.add_done_callback(_quiet)
        return pending

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


def startup(host: "Host") -> None:
    """Runs once per process, in the gateway's event loop: calls a previous process left active can
    never finish now; the scheduler starts."""
    runtime = VoiceCallRuntime.of(host)
    runtime.records.close_stale()
    settle_heap()
    runtime._scheduler_task = asyncio.get_running_loop().create_task(runtime.scheduler.run(), name="call-scheduler")


def shutdown(host: "Host") -> None:
    """The gateway stopped: answered calls whose media never arrived can no longer connect."""
    runtime = VoiceCallRuntime.of(host)
    runtime.drop_pending("gateway stopped before the media stream arrived")
    if runtime._scheduler_task is not None:
        runtime._scheduler_task.cancel()
        runtime._scheduler_task = None

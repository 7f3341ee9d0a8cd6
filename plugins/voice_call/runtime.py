"""State of the voice-call plugin that outlives gateway restarts: calls in flight, loaded engines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic_ai.models import Model

from plugins.voice_call.calls.agent import CallAgent
from plugins.voice_call.calls.pairing import Pairing
from plugins.voice_call.calls.records import CallRecords
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.stt import LocalWhisper, SpeechToText
from plugins.voice_call.speech.tts import KokoroTTS, TextToSpeech

if TYPE_CHECKING:
    from assistant.host import Host
    from plugins.voice_call.calls.session import CallSession

PENDING_TTL_S = 60.0


@dataclass
class PendingCall:
    """A call we answered whose media stream has not arrived yet."""

    call_id: str
    token: str
    config: VoiceCallConfig
    intro: str
    intro_audio: asyncio.Task[bytes] | None = None
    #: Pairing: say the intro (the code), then hang up.
    intro_only: bool = False
    #: inbound | notify | conversation
    mode: str = "inbound"
    message: str = ""
    created: float = field(default_factory=time.monotonic)


class VoiceCallRuntime:
    def __init__(self, host: "Host") -> None:
        self.host = host
        self.records = CallRecords(host.db)
        self.pairing = Pairing(host.db)
        self.pending: dict[str, PendingCall] = {}
        self.sessions: dict[str, "CallSession"] = {}
        #: Tests and benchmarks swap these for fakes.
        self.call_model: Model | None = None
        self.stt_factory = LocalWhisper.shared
        self.tts_factory = lambda config: KokoroTTS.shared().for_voice(config.voice())
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
                if pending.intro_audio:
                    pending.intro_audio.cancel()
                self.records.transition(pending.call_id, "failed", "media stream never arrived")


    def drop_pending(self, reason: str) -> None:
        for pending in self.pending.values():
            if pending.intro_audio:
                pending.intro_audio.cancel()
            self.records.transition(pending.call_id, "failed", reason)
        self.pending.clear()

    def drop_pending_call(self, call_id: str) -> None:
        for key, pending in list(self.pending.items()):
            if pending.call_id == call_id:
                del self.pending[key]
                if pending.intro_audio:
                    pending.intro_audio.cancel()

    def call_ended(self, call_id: str) -> None:
        """Every call passes here once it is over: outbound calls report back and scheduled ones may retry."""
        for listener in list(self.end_listeners):
            listener(call_id)

    def stt(self) -> SpeechToText:
        return self.stt_factory()

    def tts(self, config: VoiceCallConfig) -> TextToSpeech:
        return self.tts_factory(config)

    def call_agent(self) -> CallAgent:
        return CallAgent(self.host, self.call_model)


def startup(host: "Host") -> None:
    """Runs once per process, in the gateway's event loop: calls a previous process left active can
    never finish now; the scheduler starts."""
    runtime = VoiceCallRuntime.of(host)
    runtime.records.close_stale()
    runtime._scheduler_task = asyncio.get_running_loop().create_task(runtime.scheduler.run(), name="call-scheduler")


def shutdown(host: "Host") -> None:
    """The gateway stopped: answered calls whose media never arrived can no longer connect."""
    runtime = VoiceCallRuntime.of(host)
    runtime.drop_pending("gateway stopped before the media stream arrived")
    if runtime._scheduler_task is not None:
        runtime._scheduler_task.cancel()
        runtime._scheduler_task = None

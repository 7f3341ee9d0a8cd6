"""State of the voice-call plugin that outlives gateway restarts: calls in flight, loaded engines."""

from __future__ import annotations

import asyncio
import time
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

    def stt(self) -> SpeechToText:
        return self.stt_factory()

    def tts(self, config: VoiceCallConfig) -> TextToSpeech:
        return self.tts_factory(config)

    def call_agent(self) -> CallAgent:
        return CallAgent(self.host, self.call_model)


def startup(host: "Host") -> None:
    """Runs once per process: calls a previous process left active can never finish now."""
    VoiceCallRuntime.of(host).records.close_stale()


def shutdown(host: "Host") -> None:
    """The gateway stopped: answered calls whose media never arrived can no longer connect."""
    VoiceCallRuntime.of(host).drop_pending("gateway stopped before the media stream arrived")

"""A call we answered (or dialled) whose media stream has not arrived yet, and what is being
prepared for it meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.tts import AudioStream, TextToSpeech


@dataclass
class PendingCall:
    """A call we answered (or dialled) whose media stream has not arrived yet."""

    call_id: str
    token: str
    config: VoiceCallConfig
    intro: str
    #: The intro's audio: from the prompt cache, or being made sentence by sentence since the answer.
    intro_audio: bytes | AudioStream | None = None
    #: The engine the intro is being synthesised with; the call keeps using it.
    tts: TextToSpeech | None = None
    #: Realtime mode: the OpenAI Realtime socket, opening while the carrier sets up the stream.
    realtime: asyncio.Task[Any] | None = None
    #: Pairing: say the intro (the code), then hang up.
    intro_only: bool = False
    mode: Literal["inbound", "notify", "conversation"] = "inbound"
    message: str = ""
    #: A notify call that leaves its message on an answering machine, after the beep.
    leaves_voicemail: bool = False
    #: Pairing: checks an invite code the caller types (and approves their number when it is right).
    redeem: Callable[[str], bool] | None = None
    #: A call the owner did not take, streamed to us again: its media clock goes on from here.
    resumed_at_ms: int | None = None
    created: float = field(default_factory=time.monotonic)
    #: Hangs the call up if its stream has not arrived a few seconds after the callee answered.
    stream_deadline: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        """The call will never connect: stop preparing it and close what was opened for it."""
        if self.stream_deadline:
            self.stream_deadline.cancel()
        if isinstance(self.intro_audio, AudioStream):
            self.intro_audio.cancel()
        if self.realtime:
            if self.realtime.done() and not self.realtime.cancelled() and self.realtime.exception() is None:
                asyncio.get_running_loop().create_task(self.realtime.result().close())
            self.realtime.cancel()

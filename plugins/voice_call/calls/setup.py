"""A call described whole before it connects (`CallSetup`), what is prepared for it while the
carrier sets up its media stream (`PendingCall`), and what calls are built with (`CallParts`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.tts import AudioStream, TextToSpeech

if TYPE_CHECKING:
    from plugins.voice_call.calls.agent import CallAgent
    from plugins.voice_call.history.recordings import CallRecorder
    from plugins.voice_call.speech.stt import SpeechToText

CallMode = Literal["inbound", "notify", "conversation"]


@dataclass(frozen=True)
class CallSetup:
    """Everything that decides how one call runs, fixed when it is admitted or placed: the call
    keeps it to the end (a setting changed meanwhile applies from the next call)."""

    call_id: str
    #: The secret its media stream must present.
    token: str
    config: VoiceCallConfig
    #: Said first: the greeting, an outbound call's message, a pairing code, "the owner is not available".
    intro: str
    mode: CallMode = "inbound"
    #: What an outbound call is about.
    message: str = ""
    #: Pairing: say the intro (the code), then hang up, unless the caller types an open invite code.
    intro_only: bool = False
    #: Pairing: checks an invite code the caller types (and approves their number when it is right).
    redeem: Callable[[str], bool] | None = None
    #: A notify call that leaves its message on an answering machine, after the beep.
    leaves_voicemail: bool = False
    #: A call the owner did not take, streamed to us again: its media clock goes on from here, and
    #: it is not offered to the owner a second time.
    resumed_at_ms: int | None = None

    @property
    def realtime(self) -> bool:
        """Whether the call is answered over OpenAI Realtime (pairing calls only say their code)."""
        return self.config.mode == "realtime" and not self.intro_only


@dataclass
class PendingCall:
    """A call we answered (or dialled) whose media stream has not arrived yet."""

    setup: CallSetup
    #: The intro's audio: from the prompt cache, or being made sentence by sentence since the answer.
    intro_audio: bytes | AudioStream | None = None
    #: The engine the intro is being synthesised with; the call keeps using it.
    tts: TextToSpeech | None = None
    #: Realtime mode: the OpenAI Realtime socket, opening while the carrier sets up the stream.
    realtime: asyncio.Task[Any] | None = None
    created: float = field(default_factory=time.monotonic)
    #: Hangs the call up if its stream has not arrived a few seconds after the callee answered.
    stream_deadline: asyncio.TimerHandle | None = None

    @property
    def call_id(self) -> str:
        return self.setup.call_id

    def cancel(self) -> None:
        """The call will never connect: stop preparing it and close what was opened for it."""
        if self.stream_deadline:
            self.stream_deadline.cancel()
        if isinstance(self.intro_audio, AudioStream):
            self.intro_audio.cancel()
        if self.tts is not None:
            with contextlib.suppress(RuntimeError):  # outside the event loop: the collector closes it
                asyncio.get_running_loop().create_task(self.tts.aclose()).add_done_callback(failure_not_news)
        if self.realtime:
            if self.realtime.done() and not self.realtime.cancelled() and self.realtime.exception() is None:
                asyncio.get_running_loop().create_task(self.realtime.result().close())
            self.realtime.cancel()


def failure_not_news(task: asyncio.Task[Any]) -> None:
    """A done-callback for a task whose failure is handled where it is awaited, or changes nothing
    (a draft nobody used, a close for a call that never connected): it is retrieved here so asyncio
    does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()


class CallParts(Protocol):
    """What calls are built with (the runtime provides it; tests and benches swap its parts)."""

    def prepare(self, setup: CallSetup) -> PendingCall:
        """Get the call's first words ready while the carrier connects."""
        ...

    def features(self) -> Mapping[type, object]:
        """What a caller may reach on a call (the owner's facts, lookups, bookings), by kind."""
        ...

    def call_agent(self) -> CallAgent: ...

    def stt(self, config: VoiceCallConfig) -> SpeechToText: ...

    def tts(self, config: VoiceCallConfig) -> TextToSpeech: ...

    def prompt(self, config: VoiceCallConfig, text: str) -> bytes | None:
        """Audio made ahead for `text` (greeting, goodbyes), when there is."""
        ...

    def keep_recording(self, call_id: str, recorder: CallRecorder) -> None:
        """Store a recorded call's audio (and let recordings past the owner's retention go)."""
        ...

"""The call engine's state that outlives gateway restarts: calls in flight, loaded engines."""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic_ai.models import Model

from assistant.plugin_api import as_utc, read_prompt
from plugins.voice_call.admission.pairing import Pairing
from plugins.voice_call.admission.policy import PAIRING_LINES
from plugins.voice_call.appointments.bookings import Appointments
from plugins.voice_call.calls.agent import CallAgent
from plugins.voice_call.calls.capacity import CallCapacity
from plugins.voice_call.calls.fillers import FILLERS
from plugins.voice_call.calls.prompts import PromptCache
from plugins.voice_call.calls.realtime import open_realtime
from plugins.voice_call.calls.said_ahead import FIXED_LINES, shared_folder
from plugins.voice_call.calls.session import GOODBYES
from plugins.voice_call.calls.setup import CallSetup, PendingCall, failure_not_news
from plugins.voice_call.calls.switchboard import Switchboard
from plugins.voice_call.cluster.commands import CallCommands
from plugins.voice_call.cluster.nodes import Nodes
from plugins.voice_call.config import DEFAULT_GREETING, VoiceCallConfig, voice_config
from plugins.voice_call.errands.decisions import OwnerDecisions
from plugins.voice_call.history.ending import EndReason
from plugins.voice_call.history.recordings import CallRecorder, Recordings
from plugins.voice_call.history.records import CallInfo, CallRecords
from plugins.voice_call.history.reports import CallReports
from plugins.voice_call.knowledge.facts import Knowledge
from plugins.voice_call.lookups.service import Lookups
from plugins.voice_call.process import one_per_process
from plugins.voice_call.speech.engines import make_stt, make_tts, openai_client
from plugins.voice_call.speech.smart_turn import SmartTurn
from plugins.voice_call.speech.stt import LoadingWhisper, SpeechToText
from plugins.voice_call.speech.tts import AudioStream, KokoroTTS, LoadingTTS, TextToSpeech, spoken
from plugins.voice_call.when import local_zone

if TYPE_CHECKING:
    from assistant.plugin_api import Host


class VoiceCallRuntime:
    """The call engine's parts that live as long as the process: call records, the switchboard,
    the prompt cache, the capacity measurement, and what calls are built with (`CallParts`:
    tests and benches swap the speech engines and the call model)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        #: This gateway among those sharing the store (cluster/nodes.py); its calls are marked with it.
        self.nodes = Nodes.of_this_gateway(host)
        self.records = CallRecords(host.db, node=self.nodes.name)
        #: The owner's commands for calls on other nodes, and from them for ours.
        self.commands = CallCommands(host.db, self.nodes.name)
        #: Tests and benchmarks swap these for fakes.
        self.call_model: Model | None = None
        self.stt_factory: Callable[[VoiceCallConfig], SpeechToText] = lambda config: make_stt(host, config)
        self.tts_factory: Callable[[VoiceCallConfig], TextToSpeech] = lambda config: make_tts(host, config)
        #: The greeting and our fixed lines, made in the background at each gateway build.
        self.prompts = PromptCache(
            self.tts,
            preload=self._load_stt,
            calls_active=lambda: self.switchboard.active_count() > 0,
            folder=host.settings.home / "prompts",
            # Our default greeting is our words too: a new data folder says it from the first call.
            shared=(shared_folder(), (*FIXED_LINES, *PAIRING_LINES, DEFAULT_GREETING)),
        )
        self.capacity = CallCapacity(self.prompts.give_way)
        self.switchboard = Switchboard(self.records, self, self.capacity)
        self.pairing = Pairing.of(host)
        self.reports = CallReports(host, self.records)
        self.switchboard.on_end(self.reports.call_ended)
        #: The latest webhook each carrier sent that we could not use, for `assistant doctor`.
        self.webhook_problems: dict[str, str] = {}

    @classmethod
    def of(cls, host: Host) -> VoiceCallRuntime:
        return one_per_process(host, cls, lambda: cls(host))

    # -- CallParts ---------------------------------------------------------------------------------

    def prepare(self, setup: CallSetup) -> PendingCall:
        """Get a call ready while the carrier connects: the intro's audio is synthesised now, or in
        Realtime mode the OpenAI socket opens now (it saves seconds on the first words)."""
        pending = PendingCall(setup)
        config = setup.config
        client = openai_client(self.host, config) if setup.realtime else None
        if client is not None:
            instructions = read_prompt(self.host.settings, "call")
            pending.realtime = asyncio.create_task(open_realtime(client, config, instructions))
            pending.realtime.add_done_callback(failure_not_news)
        else:
            still_loading = config.tts.engine == "kokoro" and not KokoroTTS.loaded()
            pending.tts = LoadingTTS(lambda: self.tts(config)) if still_loading else self.tts(config)
            cached = self.prompts.get(config, setup.intro)
            made = functools.partial(self.prompts.get, config)
            if cached is not None:
                pending.intro_audio = cached
            elif setup.intro_only:  # the pairing intro: its code is this call's, its other lines are made ahead
                pending.intro_audio = AudioStream(spoken(pending.tts, setup.intro, made))
            else:  # made by this call, and kept for the next ones
                self.prompts.claim(config, setup.intro)
                offer = functools.partial(self.prompts.offer, config, setup.intro)
                pending.intro_audio = AudioStream(spoken(pending.tts, setup.intro, made), on_done=offer)
            self.prompts.make_for_call(config, (*GOODBYES, *FILLERS), pending.tts)  # after its first words, if missing
        return pending

    def features(self) -> dict[type, object]:
        """What callers reach on a call, made afresh for each call (both engines get these)."""
        db = self.host.db
        return {
            Knowledge: Knowledge(db),
            Lookups: Lookups(db, self.host.vault),
            Appointments: Appointments(self.host),
            OwnerDecisions: OwnerDecisions(self.host),
        }

    def prompt(self, config: VoiceCallConfig, text: str) -> bytes | None:
        return self.prompts.get(config, text)

    def stt(self, config: VoiceCallConfig) -> SpeechToText:
        return self.stt_factory(config)

    def tts(self, config: VoiceCallConfig) -> TextToSpeech:
        return self.tts_factory(config)

    def _load_stt(self, config: VoiceCallConfig) -> SpeechToText:
        """The call's speech recogniser with its model loaded, and Smart Turn (in a worker thread, at start)."""
        SmartTurn.shared()
        stt = self.stt(config)
        return stt.engine() if isinstance(stt, LoadingWhisper) else stt

    def call_agent(self) -> CallAgent:
        return CallAgent(self.host, self.call_model)

    def keep_recording(self, call_id: str, recorder: CallRecorder) -> None:
        recordings = Recordings(self.host)
        recordings.save(call_id, recorder.wav())
        recordings.expire_past_retention()


def settle_heap() -> None:
    """Move everything loaded so far out of the garbage collector's reach. Without it, a full
    collection over the app's and the models' objects pauses the event loop for ~100 ms now and
    then: a gap in every call's audio, and the p99 of bench/voice_latency.py."""
    gc.collect()
    gc.freeze()


def tell_cut_off(host: Host, cut_off: list[CallInfo], stopped: str) -> None:
    """Tell the owner, once, of calls cut off when `stopped` ("the assistant stopped")."""
    if not cut_off:
        return
    # Our own words about our own records: no caller text goes into the owner's chat here.
    last = max(c.created_at for c in cut_off)
    zone = local_zone(voice_config(host).timezone)
    when = as_utc(last).astimezone(zone).strftime("%H:%M on %d %b")
    calls = "1 call was" if len(cut_off) == 1 else f"{len(cut_off)} calls were"
    host.tell_owner(f"{calls} cut off when {stopped} (the last one began at {when}); `assistant calls list` shows them.")


def startup(host: Host) -> None:
    """Runs once per process, in the gateway's event loop: this node joins the others on the store;
    calls its previous process left active can never finish now (the owner is told once);
    recordings past the owner's retention go."""
    runtime = VoiceCallRuntime.of(host)
    runtime.nodes.join()
    tell_cut_off(host, runtime.switchboard.close_stale(), "the assistant stopped")
    Knowledge(host.db).warm()  # the sentence model and the facts' vectors, before the first caller asks
    Recordings(host).expire_past_retention()  # even when no call comes
    settle_heap()


def shutdown(host: Host) -> None:
    """The gateway stopped: answered calls whose media never arrived can no longer connect."""
    runtime = VoiceCallRuntime.of(host)
    runtime.switchboard.fail_pending(EndReason.GATEWAY_STOPPED)
    runtime.records.flush()  # transcript lines still in memory
    runtime.nodes.leave()

"""Placing calls: checks, the carrier's dial, and the report back to the owner when a call ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast
from urllib.parse import urlsplit

import httpx

from plugins.voice_call import validation
from plugins.voice_call.calls.switchboard import Switchboard
from plugins.voice_call.carriers import CarrierNotConfigured, carrier_for
from plugins.voice_call.carriers.events import CarrierError, DialRequest
from plugins.voice_call.config import VoiceCallConfig, voice_config
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.process import one_per_process
from plugins.voice_call.runtime import VoiceCallRuntime

if TYPE_CHECKING:
    from assistant.plugin_api import Host

MODES = ("notify", "conversation")
Mode = Literal["notify", "conversation"]


class OutboundError(ValueError):
    """The call was not placed; the message says why."""


class LinesBusy(OutboundError):
    """Every line of this gateway is busy: the call may be placed when one ends (or by another node)."""


def check_number(config: VoiceCallConfig, to: str) -> str:
    """The E.164 number to dial for `to` ("me" is the owner's own number), when we may dial it."""
    if to.strip().lower() in validation.OWNER_WORDS:
        if config.owner_number is None:
            raise OutboundError('I do not know your own phone number yet; tell me "my own number is +1..." first')
        return config.owner_number
    try:
        number = validation.phone_number(to)
    except ValueError as exc:
        raise OutboundError(str(exc)) from None
    if config.outbound.allow_to and number not in config.outbound.allow_to and number != config.owner_number:
        raise OutboundError(
            f"{number} is not on the list of numbers I may call; add it with "
            f"`assistant config set voice_call outbound.allowTo '[...]'`."
        )
    return number


def check_purpose(mode: str, message: str) -> None:
    """A call to place later (scheduled or repeating) needs a known mode and something to say."""
    if mode not in MODES:
        raise OutboundError(f"mode must be notify or conversation, not {mode!r}")
    if not message.strip():
        raise OutboundError("say what the call is for")


class OutboundCalls:
    """Places calls through the configured carrier; one per process (`OutboundCalls.of`)."""

    def __init__(self, host: Host, switchboard: Switchboard) -> None:
        self.host, self.switchboard = host, switchboard

    @classmethod
    def of(cls, host: Host) -> OutboundCalls:
        return one_per_process(host, cls, lambda: cls(host, VoiceCallRuntime.of(host).switchboard))

    def line_free(self) -> bool:
        """Whether this gateway may place one more call now (`maxConcurrentCalls`, and the capacity measured)."""
        return self.switchboard.full(voice_config(self.host)) is None

    async def place(self, to: str, message: str, mode: str = "notify") -> str:
        """Dial `to`; returns our call id. Raises OutboundError with a sentence for the owner."""
        config = voice_config(self.host)
        number = check_number(config, to)
        if mode not in MODES:
            raise OutboundError(f"mode must be notify or conversation, not {mode!r}")
        message = message.strip()
        if not message or len(message) > 1000:
            raise OutboundError("the message to say must be 1 to 1000 characters")
        if not config.public_url or not config.phone_number:
            raise OutboundError("calls need a phone number and a public URL first (the voice-call check lists what is missing)")
        gateway = self.host.gateway
        if gateway is None or not gateway.running:
            raise OutboundError(
                "the gateway is not running in this process; start the assistant with `assistant chat` or `assistant serve`"
            )
        if (limit := self.switchboard.full(config)) is not None:
            raise LinesBusy(f"already {limit} calls at once; try again when one ends")
        try:
            carrier = carrier_for(config, self.host)
        except CarrierNotConfigured as exc:
            raise OutboundError(str(exc)) from None

        # The carrier comes back to this node (its own URL when several share the store): the
        # call's media and its callbacks belong to the node that placed it.
        base = f"{VoiceCallRuntime.of(self.host).nodes.url or config.public_url}/voice/{carrier.name}"
        # A notify call that leaves voicemail needs to know when a machine's greeting ends (its beep);
        # otherwise telling a person from a machine is enough.
        leaves_voicemail = (
            mode == "notify" and config.outbound.voicemail == "leave_message" and carrier.control.detects_message_end
        )
        detection: Literal["off", "detect", "message_end"] = "off"
        if config.outbound.machine_detection:
            detection = "message_end" if leaves_voicemail else "detect"
        setup = self.switchboard.place(
            carrier.name,
            config.phone_number,
            number,
            config=config,
            message=message,
            mode=cast(Mode, mode),
            leaves_voicemail=detection == "message_end",
        )
        call_id = setup.call_id
        stream = urlsplit(f"{base}/stream")
        request = DialRequest(
            ref=call_id,
            to=number,
            from_=config.phone_number,
            stream_url=stream._replace(scheme="wss" if stream.scheme == "https" else "ws").geturl(),
            token=setup.token,
            webhook_url=f"{base}/webhook?ref={call_id}",
            status_url=f"{base}/status?ref={call_id}",
            ring_timeout=config.outbound.ring_timeout_seconds,
            time_limit=config.max_duration_seconds + 30,
            machine_detection=detection,
            machine_url=f"{base}/status?ref={call_id}&amd=1",
        )
        try:
            carrier_id = await carrier.control.dial(request)
        except (CarrierError, httpx.HTTPError) as exc:
            self.switchboard.end(call_id, Ending(EndReason.DIAL_FAILED, str(exc)))
            raise OutboundError(f"the carrier refused the call ({exc.__class__.__name__})") from None
        finally:
            await carrier.control.aclose()
        self.switchboard.rekey(call_id, carrier_id)
        return call_id

"""The neutral words the rest of the plugin uses for what carriers say and do.

No field here is one carrier's concept: a carrier module turns its own messages into these types
and back, and nothing outside `carriers/` ever sees a carrier's field names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from plugins.voice_call.validation import caller_number


class WebhookRejected(Exception):
    """The webhook is not from the carrier (bad or missing signature). Answer 403, do nothing."""


class BadWebhook(ValueError):
    """The webhook is signed but its content is unusable. Answer 400 with the message."""


class MediaProtocolError(ValueError):
    """A media-stream message we cannot use."""


class CarrierError(RuntimeError):
    """The carrier's API refused or failed a command."""


class CallGone(CarrierError):
    """The carrier refused a command because the call is already over (the caller hung up)."""


class CallState(StrEnum):
    """Where a call is in its life. `RINGING` and `IN_PROGRESS` are active; the rest are final."""

    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    #: An answering machine took the call and our message was left after its beep.
    VOICEMAIL_LEFT = "voicemail_left"

    @property
    def active(self) -> bool:
        return self in (CallState.RINGING, CallState.IN_PROGRESS)


#: Who answered a call we placed, as the carrier's answering-machine detection tells it:
#: a person, a machine whose greeting is still playing, the end of a machine's greeting (its beep:
#: the moment to leave a message), or it could not tell.
AnsweredBy = Literal["human", "machine", "message_end", "unknown"]


#: A carrier's call id: Twilio's CA..., Telnyx's v3:..., Plivo's UUIDs.
CALL_ID = re.compile(r"[\w\-:.+/=]{1,200}")


@dataclass(frozen=True)
class CallEvent:
    """What a webhook tells us.

    `kind`: "incoming" is a new inbound call awaiting our answer; "answered" is a call we placed
    that was picked up and now asks for its media instructions (carriers that ask by webhook);
    "status" is a change of state; "machine" is an answering-machine detection result
    (`answered_by`); "stream-failed" says the carrier could not open or keep our media stream;
    "transfer" is about a call we are putting through to the owner (`transfer`: its token;
    `transfer_step`: "connect" asks for the dialling instructions, "whisper" for what the owner
    hears first, "choice" brings the key the owner pressed after it (`digits`), "result" says how it went in `status`: in-progress once connected, completed when
    the connected call is over, no-answer / busy / failed when the owner was never connected);
    "ignored" needs no action.
    """

    kind: Literal["incoming", "answered", "status", "machine", "stream-failed", "transfer", "ignored"]
    carrier_call_id: str = ""
    from_number: str = ""
    to_number: str = ""
    direction: Literal["inbound", "outbound"] = "inbound"
    status: CallState = CallState.RINGING
    #: The carrier's own words for why (a hang-up cause, who answered), kept for the record.
    detail: str = ""
    #: Our call id, when the carrier echoes it back (calls we placed).
    ref: str = ""
    answered_by: AnsweredBy = "unknown"
    transfer: str = ""
    transfer_step: Literal["", "connect", "whisper", "choice", "result"] = ""
    #: Keys pressed, for a "choice".
    digits: str = ""

    def __post_init__(self) -> None:
        # Every carrier's webhook comes through here: the numbers are E.164 or "" (withheld), the
        # call id is one a carrier makes (no line breaks, no essays).
        if self.carrier_call_id and not CALL_ID.fullmatch(self.carrier_call_id):
            raise BadWebhook("the call id holds spaces, line breaks or over 200 characters: no carrier sends that")
        object.__setattr__(self, "from_number", caller_number(self.from_number))
        object.__setattr__(self, "to_number", caller_number(self.to_number))


@dataclass(frozen=True)
class StreamStarted:
    carrier_call_id: str
    stream_id: str
    token: str | None = None


@dataclass(frozen=True)
class MediaReceived:
    payload: bytes  # 8 kHz mu-law
    sequence: int | None = None


@dataclass(frozen=True)
class MarkPlayed:
    name: str


@dataclass(frozen=True)
class DtmfReceived:
    digit: str


@dataclass(frozen=True)
class StreamStopped:
    pass


@dataclass(frozen=True)
class Ignored:
    """A message we recognise and need not act on (e.g. `connected`, `clearedAudio`)."""


MediaEvent = StreamStarted | MediaReceived | MarkPlayed | DtmfReceived | StreamStopped | Ignored
Endpoint = Literal["webhook", "status"]


@dataclass(frozen=True)
class DialRequest:
    """An outbound call to place. The URLs are public; `ref` (our call id) rides along in them."""

    ref: str
    to: str
    from_: str
    stream_url: str
    token: str
    webhook_url: str  # where the carrier asks for instructions once the call is answered ...
    status_url: str  # ... and reports progress
    ring_timeout: int
    time_limit: int
    #: "off"; "detect": tell a person from a machine as soon as possible; "message_end": also say
    #: when a machine's greeting has ended (to leave a message after the beep).
    machine_detection: Literal["off", "detect", "message_end"]
    #: Where the carrier delivers detection results, when it delivers them to a URL of their own.
    machine_url: str = ""


@dataclass(frozen=True)
class TransferRequest:
    """Put a live call through to another phone (the owner's). The URLs are public and carry the
    transfer's token: the carrier reports there (`return_url`, a signed webhook) and fetches the
    words for the owner (`whisper_audio_url`, a WAV file) before connecting."""

    to: str
    caller_id: str
    #: The transfer's token (in both URLs; a carrier that tags the owner's leg carries it too).
    token: str
    #: Our carrier routes' public base, e.g. https://calls.example.com/voice/twilio.
    base_url: str
    timeout_s: int = 25

    @property
    def return_url(self) -> str:
        return f"{self.base_url}/status?transfer={self.token}"

    @property
    def whisper_audio_url(self) -> str:
        return f"{self.base_url}/whisper?transfer={self.token}"

    def step_url(self, step: str) -> str:
        return f"{self.return_url}&step={step}"


def media_json(text: str) -> dict[str, Any]:
    """A media socket's text frame as a JSON object (every carrier here sends JSON objects)."""
    try:
        message = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        raise MediaProtocolError("not JSON") from None
    if not isinstance(message, dict):
        raise MediaProtocolError("not a JSON object")
    return message

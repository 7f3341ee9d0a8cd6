"""The carrier interface, in three parts a carrier module implements:

- `MediaCodec`: parse and build media-socket messages. Pure: no I/O, no state.
- `WebhookParser`: check a webhook's signature and read what it says. Pure as well.
- `CallControl`: what we ask the carrier to do (answer, reject, hang up, dial): its REST API.

A `Carrier` bundles the three under the carrier's name. The browser softphone has only a codec.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from starlette.responses import PlainTextResponse, Response

from plugins.voice_call.carriers.events import CallEvent, CarrierError, DialRequest, Endpoint, MediaEvent, TransferRequest

log = logging.getLogger(__name__)


class MediaCodec(ABC):
    """One carrier's media-stream dialect: its JSON text frames <-> neutral media events."""

    @abstractmethod
    def parse_media(self, text: str) -> MediaEvent:
        """One text frame from the media socket. Raise MediaProtocolError when unusable."""

    @abstractmethod
    def media(self, stream_id: str, payload: bytes) -> str:
        """A frame that plays `payload` (8 kHz mu-law) to the caller."""

    @abstractmethod
    def mark(self, stream_id: str, name: str) -> str:
        """A frame the carrier echoes back once everything queued before it has been played."""

    @abstractmethod
    def clear(self, stream_id: str) -> str:
        """A frame that drops audio queued at the carrier (barge-in)."""


class WebhookParser(ABC):
    """How a carrier signs its webhooks and what they say."""

    @abstractmethod
    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Raise WebhookRejected unless the request is signed by the carrier for `url`."""

    @abstractmethod
    def replay_key(self, headers: Mapping[str, str], body: bytes) -> str:
        """A digest that identifies this exact delivery, so a replay is recognised."""

    @abstractmethod
    def parse_webhook(self, endpoint: Endpoint, body: bytes, query: Mapping[str, str]) -> CallEvent:
        """What a signed webhook says (`query`: the request URL's parameters). Raise BadWebhook when unusable."""

    def acknowledge(self) -> Response:
        """The answer to a webhook that needs no instructions."""
        return PlainTextResponse("ok")


@dataclass(kw_only=True)
class CallControl(ABC):
    """Commands to the carrier. `api_base_url` is its REST API (tests point it at a fake)."""

    api_base_url: str
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=10.0), repr=False)
    #: Whether its machine detection can tell when a machine's greeting has ended (its beep).
    detects_message_end = False

    @abstractmethod
    async def answer(self, call: CallEvent, stream_url: str, token: str, time_limit: int) -> Response:
        """Answer `call` and connect a bidirectional 8 kHz mu-law media stream carrying `token`,
        bounded to `time_limit` seconds where the carrier can bound it; returns the webhook's
        response (instructions, or an acknowledgement)."""

    @abstractmethod
    async def reject(self, call: CallEvent, busy: bool = False) -> Response:
        """Refuse `call`; returns the webhook's response."""

    @abstractmethod
    async def dial(self, request: DialRequest) -> str:
        """Place a call; returns the carrier's id for it. Raise CarrierError."""

    @abstractmethod
    async def hang_up(self, carrier_call_id: str) -> None:
        """End the call; a call that has already ended is not an error. Raise CarrierError."""

    async def cancel(self, carrier_call_id: str) -> None:
        """Stop a call we placed that has not been answered yet (by default: hang it up)."""
        await self.hang_up(carrier_call_id)

    # -- pressing keys on a live call (a phone menu at the other end) ------------------------------------
    #: Whether keys go in the call's own audio as tones (speech/dtmf.py), because the carrier has no
    #: command that sends them on a media-streamed call; else `send_keys` sends them.
    keys_in_audio = True

    async def send_keys(self, carrier_call_id: str, keys: str) -> None:
        """Press `keys` (0-9, * and #) on the call with the carrier's own command. Raise CarrierError."""
        raise NotImplementedError(f"{type(self).__name__} sends keys in the call's audio")

    # -- putting a call through to the owner -----------------------------------------------------------
    #: How the owner takes or declines a call put through, said after the whisper ("" where the
    #: carrier connects them once they answer). A declined call comes back to us for a message.
    whisper_choice = ""
    #: Whether the carrier reports the moment the owner is connected (a "result" in-progress), so a
    #: "completed" result without it means the owner's phone hung up before being connected.
    reports_connection = False

    async def transfer(self, carrier_call_id: str, request: TransferRequest) -> None:
        """Ring `request.to` and connect the caller when they answer; the outcome comes to
        `request.return_url` as "transfer" webhooks. Raise CarrierError."""
        raise CarrierError("this carrier cannot put calls through")

    def transfer_instructions(self, request: TransferRequest, step: str, digits: str = "") -> Response:
        """The answer to a "transfer" webhook asking for instructions: "connect" (how to dial the
        owner, where the carrier asks for them), "whisper" (play the words for the owner) or
        "choice" (the owner pressed `digits` after it: connect them on 1, else hang up their leg)."""
        return self.transfer_over()

    async def resume(self, carrier_call_id: str, stream_url: str, token: str, time_limit: int) -> Response:
        """The owner did not take the call: stream it to us again (a new stream carrying `token`);
        returns the answer to the "result" webhook."""
        raise CarrierError("this carrier cannot stream a call again")

    def transfer_over(self) -> Response:
        """The answer to a "transfer" webhook when nothing more is to be done on the call."""
        return PlainTextResponse("ok")

    async def aclose(self) -> None:
        await self.http.aclose()


@dataclass(frozen=True)
class Carrier:
    """One configured carrier account: its name (the URL path segment), media dialect, webhooks and commands."""

    name: str
    codec: MediaCodec
    webhooks: WebhookParser
    control: CallControl


async def end_quietly(control: CallControl, carrier_call_id: str, *, cancel: bool = False, close: bool = False) -> None:
    """Hang up (or cancel, while it rings) and log a refusal rather than raise it: the call is over
    for us either way. With `close`, the control's HTTP client is closed afterwards."""
    try:
        await (control.cancel if cancel else control.hang_up)(carrier_call_id)
    except (CarrierError, httpx.HTTPError) as exc:
        log.warning("could not hang up call %s at the carrier: %s", carrier_call_id, exc)
    finally:
        if close:
            await control.aclose()

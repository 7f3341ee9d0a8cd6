"""The carrier interface. A carrier module is the only place that knows its field names, XML or
commands, signature scheme and media messages; everything else sees these neutral types."""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import httpx
from starlette.responses import PlainTextResponse, Response

log = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """The webhook is not from the carrier (bad or missing signature). Answer 403, do nothing."""


class BadWebhook(ValueError):
    """The webhook is signed but its content is unusable. Answer 400 with the message."""


class MediaProtocolError(ValueError):
    """A media-stream message we cannot use."""


def media_json(text: str) -> dict:
    """A media socket's text frame as a JSON object (every carrier here sends JSON objects)."""
    try:
        message = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        raise MediaProtocolError("not JSON") from None
    if not isinstance(message, dict):
        raise MediaProtocolError("not a JSON object")
    return message


class CarrierError(RuntimeError):
    """The carrier's API refused or failed a command."""


@dataclass(frozen=True)
class CallEvent:
    """What a webhook tells us. `kind` is "incoming" for a new inbound call awaiting our answer,
    "outbound-answered" for a call we placed that now wants its media instructions (Plivo),
    "status" for a change of state, "ignored" for events we need not act on."""

    kind: Literal["incoming", "outbound-answered", "status", "ignored"]
    carrier_call_id: str = ""
    from_number: str = ""
    to_number: str = ""
    direction: str = "inbound"
    status: str = ""  # ours: ringing|in-progress|completed|failed|no-answer|busy|voicemail
    detail: str = ""
    #: Our call id, when the carrier echoes it back (outbound calls).
    ref: str = ""


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
    webhook_url: str  # where the carrier asks for instructions (Plivo's answer_url) ...
    status_url: str  # ... and reports progress
    ring_timeout: int
    time_limit: int
    machine_detection: bool


@dataclass(kw_only=True)
class Carrier(ABC):
    """One carrier account. `api_base_url` is the carrier's REST API (tests point it at a fake)."""

    api_base_url: str
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=10.0), repr=False)
    name = "carrier"

    # -- webhooks --------------------------------------------------------------------------------

    @abstractmethod
    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Raise WebhookRejected unless the request is signed by the carrier for `url`."""

    @abstractmethod
    def replay_key(self, headers: Mapping[str, str], body: bytes) -> str:
        """A digest that identifies this exact delivery, so a replay is recognised."""

    @abstractmethod
    def parse_webhook(self, endpoint: Endpoint, body: bytes, query: Mapping[str, str]) -> CallEvent:
        """What a signed webhook says (`query`: the request URL's parameters). Raise BadWebhook when unusable."""

    @abstractmethod
    async def dial(self, request: DialRequest) -> str:
        """Place a call through the REST API; returns the carrier's id for it. Raise CarrierError."""

    @abstractmethod
    async def answer(self, call: CallEvent, stream_url: str, token: str) -> Response:
        """Answer `call` and connect a bidirectional 8 kHz mu-law media stream carrying `token`."""

    @abstractmethod
    async def reject(self, call: CallEvent, busy: bool = False) -> Response: ...

    async def hang_up(self, carrier_call_id: str) -> None:
        """End the call through the REST API; a call that has already ended is not an error."""

    def acknowledge(self) -> Response:
        return PlainTextResponse("ok")

    # -- media stream ----------------------------------------------------------------------------

    @abstractmethod
    def parse_media(self, text: str) -> MediaEvent:
        """One text frame from the media socket. Raise MediaProtocolError when unusable."""

    @abstractmethod
    def media(self, stream_id: str, payload: bytes) -> str: ...

    @abstractmethod
    def mark(self, stream_id: str, name: str) -> str: ...

    @abstractmethod
    def clear(self, stream_id: str) -> str: ...

    #: Whether the carrier keeps the call up after our media socket closes (then we hang up by REST).
    socket_close_ends_call = True

    async def aclose(self) -> None:
        await self.http.aclose()

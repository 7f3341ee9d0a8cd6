"""The carrier interface. A carrier module is the only place that knows its field names, XML,
signature scheme and media messages; everything else sees these neutral types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.responses import Response


class WebhookRejected(Exception):
    """The webhook is not from the carrier (bad or missing signature). Answer 403, do nothing."""


class BadWebhook(ValueError):
    """The webhook is signed but its content is unusable. Answer 400 with the message."""


class MediaProtocolError(ValueError):
    """A media-stream message we cannot use."""


@dataclass(frozen=True)
class InboundCall:
    carrier_call_id: str
    from_number: str
    to_number: str
    direction: str  # "inbound" | "outbound"
    status: str  # the carrier's status mapped to ours: ringing|in-progress|completed|failed|no-answer|busy


@dataclass(frozen=True)
class StreamStarted:
    carrier_call_id: str
    stream_id: str
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaReceived:
    payload: bytes  # 8 kHz mu-law
    timestamp_ms: int | None = None


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
    """A message we recognise and need not act on (e.g. `connected`)."""


MediaEvent = StreamStarted | MediaReceived | MarkPlayed | DtmfReceived | StreamStopped | Ignored


class Carrier(ABC):
    name: str

    # -- webhooks --------------------------------------------------------------------------------

    @abstractmethod
    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Raise WebhookRejected unless the request is signed by the carrier for `url`."""

    @abstractmethod
    def replay_key(self, headers: Mapping[str, str], body: bytes) -> str:
        """Bytes that identify this exact delivery, so a replay is recognised."""

    @abstractmethod
    def parse_call(self, body: bytes) -> InboundCall:
        """The call a voice or status webhook is about. Raise BadWebhook when unusable."""

    @abstractmethod
    def answer(self, stream_url: str, token: str) -> Response:
        """Answer and connect a bidirectional media stream that carries `token`."""

    @abstractmethod
    def reject(self, busy: bool = False) -> Response: ...

    @abstractmethod
    def say_and_hang_up(self, text: str) -> Response: ...

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

    def token_from(self, started: StreamStarted) -> str | None:
        return started.parameters.get("token")

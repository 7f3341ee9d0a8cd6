"""The browser softphone: the web page's "test call" as a carrier. It has no number, no webhooks and
no REST API; its media socket speaks Twilio's media-stream dialect, so a call from the page runs
through exactly the code a real carrier's call does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.responses import Response

from plugins.voice_call.carriers.base import (
    BadWebhook,
    CallEvent,
    Carrier,
    CarrierError,
    DialRequest,
    Endpoint,
    WebhookRejected,
)
from plugins.voice_call.carriers.twilio import TwilioMediaStream


@dataclass(kw_only=True)
class SoftphoneCarrier(TwilioMediaStream, Carrier):
    api_base_url: str = ""
    name = "softphone"

    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        raise WebhookRejected("the softphone sends no webhooks")

    def replay_key(self, headers: Mapping[str, str], body: bytes) -> str:
        return ""

    def parse_webhook(self, endpoint: Endpoint, body: bytes, query: Mapping[str, str]) -> CallEvent:
        raise BadWebhook("the softphone sends no webhooks")

    async def dial(self, request: DialRequest) -> str:
        raise CarrierError("the softphone cannot place calls")

    async def answer(self, call: CallEvent, stream_url: str, token: str) -> Response:
        raise CarrierError("softphone calls are started from the web page")

    async def reject(self, call: CallEvent, busy: bool = False) -> Response:
        raise CarrierError("softphone calls are started from the web page")

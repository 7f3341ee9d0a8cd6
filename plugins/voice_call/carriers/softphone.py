"""The browser softphone: the web page's "test call". It has no number, no webhooks and no REST
API, only a media socket that speaks Twilio's media-stream dialect, so a call from the page runs
through exactly the code a real carrier's call does."""

from __future__ import annotations

from plugins.voice_call.carriers.base import MediaCodec
from plugins.voice_call.carriers.twilio import TwilioCodec

NAME = "softphone"
CODEC: MediaCodec = TwilioCodec()

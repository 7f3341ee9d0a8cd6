"""Reading a carrier's media socket: its messages as neutral events, bad ones skipped and counted."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from starlette.websockets import WebSocket, WebSocketDisconnect

from plugins.voice_call.carriers.base import MediaCodec
from plugins.voice_call.carriers.events import MediaEvent, MediaProtocolError, StreamStarted

log = logging.getLogger(__name__)
MAX_BAD_MESSAGES = 20
START_TIMEOUT_S = 10.0
#: Messages a carrier sends before `start` (Twilio's `connected`): a few, never a stream of them.
MAX_BEFORE_START = 5
#: A carrier sends 50 media messages a second, plus marks and DTMF. A socket may run this far ahead
#: (a burst after a network stall) and no further: past it, it is closed, so a flood costs the
#: event loop, which every call's audio shares, at most a second's worth of parsing.
RATE_PER_S = 120.0
BURST = 250.0


class MessageRate:
    """A token bucket: `allow()` is False once a socket sends faster than RATE_PER_S beyond BURST."""

    def __init__(self, rate: float = RATE_PER_S, burst: float = BURST) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._at = burst, time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class TooManyBadMessages(Exception):
    """The socket was closed: MAX_BAD_MESSAGES malformed messages in a row (1007), or messages
    faster than any carrier sends them (1008)."""


async def carrier_events(ws: WebSocket, codec: MediaCodec) -> AsyncIterator[MediaEvent]:
    """Parsed media events until the socket closes. A malformed message is logged and skipped;
    MAX_BAD_MESSAGES in a row close the socket (1007) and raise TooManyBadMessages."""
    bad = 0
    rate = MessageRate()
    while True:
        try:
            message = await ws.receive()
        except (RuntimeError, WebSocketDisconnect):
            return
        if message["type"] == "websocket.disconnect":
            return
        if not rate.allow():
            log.warning("closing a media socket that sends faster than a carrier does")
            await ws.close(code=1008, reason="too many messages")
            raise TooManyBadMessages
        text = message.get("text")
        try:
            if text is None:
                raise MediaProtocolError("binary frames are not part of the media protocol")
            event = codec.parse_media(text)
        except MediaProtocolError as exc:
            bad += 1
            log.warning("ignoring a bad media message (%s)", exc)
            if bad >= MAX_BAD_MESSAGES:
                await ws.close(code=1007, reason="too many malformed media messages")
                raise TooManyBadMessages from None
            continue
        bad = 0
        yield event


async def await_start(ws: WebSocket, codec: MediaCodec) -> StreamStarted | None:
    """Accept the socket and read up to the stream's start message. None (the socket closed with a
    reason) when it never comes, or something other than the carrier's own messages comes first."""
    await ws.accept()
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            for _ in range(MAX_BEFORE_START):
                text = await ws.receive_text()
                try:
                    event = codec.parse_media(text)
                except MediaProtocolError as exc:
                    await ws.close(code=1007, reason=f"bad media message before start: {exc}"[:120])
                    return None
                if isinstance(event, StreamStarted):
                    return event
            await ws.close(code=1008, reason="no start message")
    except TimeoutError:
        await ws.close(code=1008, reason="no start message")
    except (WebSocketDisconnect, RuntimeError, KeyError):
        pass
    return None

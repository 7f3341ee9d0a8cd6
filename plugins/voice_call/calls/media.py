"""Reading a carrier's media socket: its messages as neutral events, bad ones skipped and counted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from starlette.websockets import WebSocket, WebSocketDisconnect

from plugins.voice_call.carriers.base import MediaCodec
from plugins.voice_call.carriers.events import MediaEvent, MediaProtocolError, StreamStarted

log = logging.getLogger(__name__)
MAX_BAD_MESSAGES = 20
START_TIMEOUT_S = 10.0


class TooManyBadMessages(Exception):
    """The socket was closed with 1007 after MAX_BAD_MESSAGES malformed messages in a row."""


async def carrier_events(ws: WebSocket, codec: MediaCodec) -> AsyncIterator[MediaEvent]:
    """Parsed media events until the socket closes. A malformed message is logged and skipped;
    MAX_BAD_MESSAGES in a row close the socket (1007) and raise TooManyBadMessages."""
    bad = 0
    while True:
        try:
            message = await ws.receive()
        except (RuntimeError, WebSocketDisconnect):
            return
        if message["type"] == "websocket.disconnect":
            return
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
            while True:
                text = await ws.receive_text()
                try:
                    event = codec.parse_media(text)
                except MediaProtocolError as exc:
                    await ws.close(code=1007, reason=f"bad media message before start: {exc}"[:120])
                    return None
                if isinstance(event, StreamStarted):
                    return event
    except TimeoutError:
        await ws.close(code=1008, reason="no start message")
    except (WebSocketDisconnect, RuntimeError, KeyError):
        pass
    return None

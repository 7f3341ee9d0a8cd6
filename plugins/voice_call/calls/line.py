"""What every kind of call session shares: the carrier's media socket, the caller's next words for
whoever waits on them, the call agent's tool hooks, and how a call ends."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from plugins.voice_call.carriers.base import Carrier

if TYPE_CHECKING:
    from plugins.voice_call.calls.records import CallRecords


class CallLine:
    def __init__(self, *, call_id: str, carrier: Carrier, websocket: WebSocket, stream_id: str,
                 records: "CallRecords") -> None:
        self.call_id, self.carrier, self.ws, self.stream_id = call_id, carrier, websocket, stream_id
        self.records = records
        #: The media clock: 20 ms per caller frame received, so limits hold whatever the machine's load.
        self.media_ms = 0
        self.last_activity_ms = 0
        self.end_reason: str | None = None
        self.hangup_reason: str | None = None
        self._ending = False
        self._waiters: list[asyncio.Future[str]] = []
        self._send_lock = asyncio.Lock()

    # -- CallControl for the call agent's tools ---------------------------------------------------

    def request_hangup(self, reason: str) -> None:
        self.hangup_reason = reason

    def note(self, text: str) -> None:
        self.records.append_transcript(self.call_id, [{"role": "note", "text": text, "at_ms": self.media_ms}])

    # -- the owner's realtime_call ----------------------------------------------------------------

    async def next_utterance(self, timeout: float) -> str | None:
        """The next thing the caller says (it then goes to whoever waits here, not to the call agent)."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            if future in self._waiters:
                self._waiters.remove(future)

    def _caller_said(self, text: str) -> bool:
        """Record what the caller said; True when someone waiting in next_utterance took it."""
        self.records.append_transcript(self.call_id, [{"role": "caller", "text": text, "at_ms": self.media_ms}])
        waiters = [w for w in self._waiters if not w.done()]
        for waiter in waiters:
            waiter.set_result(text)
        return bool(waiters)

    # -- ending -----------------------------------------------------------------------------------

    @property
    def ended_by_us(self) -> bool:
        return self.end_reason not in (None, "caller hung up", "carrier ended the call")

    def carrier_ended(self) -> None:
        """The carrier reported the call over (e.g. a Telnyx hangup webhook)."""
        self.end_reason = self.end_reason or "carrier ended the call"
        self._stop()

    def end_attempt(self, reason: str) -> None:
        """End the call now (e.g. an answering machine picked up)."""
        self.end_reason = reason
        self._stop()

    async def _close(self, reason: str) -> None:
        self.end_reason = reason
        self._ending = True
        await self._close_socket()

    def _stop(self) -> None:
        self._ending = True
        self._spawn(self._close_socket())

    async def _close_socket(self) -> None:
        if self.ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await self.ws.close(code=1000, reason=(self.end_reason or "")[:100])

    # -- plumbing ---------------------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        asyncio.get_running_loop().create_task(coroutine)

    async def _send(self, text: str) -> None:
        """One message to the carrier; nothing once the socket is gone."""
        if self.ws.client_state != WebSocketState.CONNECTED:
            return
        async with self._send_lock:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self.ws.send_text(text)

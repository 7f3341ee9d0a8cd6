"""The voice-call part of the web page: calls live and past, scheduled calls, and the browser
softphone's "test call", which enters through the same media route a carrier's call does."""

from __future__ import annotations

import asyncio
import hmac
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from assistant.plugin_api import WebApp, same_origin
from plugins.voice_call.appointments.bookings import Appointments
from plugins.voice_call.carriers import softphone
from plugins.voice_call.carriers.stream import await_start
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.history.recordings import Recordings
from plugins.voice_call.history.records import CallInfo
from plugins.voice_call.history.timings import describe_turn
from plugins.voice_call.runtime import VoiceCallRuntime
from plugins.voice_call.scheduling.scheduler import CallScheduler

if TYPE_CHECKING:
    from assistant.plugin_api import Host

SOFTPHONE_NUMBER = "browser"


def _call(call: CallInfo, recorded: bool = False) -> dict[str, Any]:
    return {
        "id": call.id,
        "provider": call.provider,
        "direction": call.direction,
        "from": call.from_number,
        "to": call.to_number,
        "state": call.state,
        "mode": call.mode,
        "active": call.active,
        "created_at": call.created_at.isoformat(),
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "end_reason": call.end_reason,
        "transcript": call.transcript,
        "turns": [describe_turn(t) + (" (the caller cut in)" if t.get("cut") else "") for t in call.turns],
        "recording": f"/web/api/calls/{call.id}/recording" if recorded else None,
    }


class VoiceWeb:
    def __init__(self, host: Host, config: VoiceCallConfig) -> None:
        self.host, self.config = host, config
        self.auth = WebApp.of(host).auth
        self.runtime = VoiceCallRuntime.of(host)
        self.switchboard = self.runtime.switchboard

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/web/api/calls", self.calls, methods=["GET"]),
            Route("/web/api/calls/{call_id}/recording", self.recording, methods=["GET"]),
            Route("/web/api/softphone", self.start_test_call, methods=["POST"]),
            WebSocketRoute("/voice/softphone/stream", self.softphone_stream),
            Route("/voice/appointments.ics", self.appointments_feed, methods=["GET"]),
        ]

    async def appointments_feed(self, request: Request) -> Response:
        """Booked appointments as iCalendar, for calendar apps: they cannot log in, so the URL's
        token (derived from the vault key, so stable per install) is the key."""
        appointments = Appointments(self.host)
        given = request.query_params.get("token", "")
        if not hmac.compare_digest(given.encode(), appointments.feed_token().encode()):
            return PlainTextResponse("unknown calendar feed", status_code=404)
        return Response(appointments.feed(), media_type="text/calendar; charset=utf-8")

    async def calls(self, request: Request) -> Response:
        if not self.auth.logged_in(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        recent = self.runtime.records.recent(30)
        scheduled = CallScheduler.of(self.host).list()
        recordings = Recordings(self.host)
        return JSONResponse(
            {
                "active": [_call(c) for c in recent if c.active],
                "recent": [_call(c, recordings.has(c.id)) for c in recent if not c.active],
                "scheduled": [
                    {
                        "id": s.id,
                        "to": s.to_number,
                        "message": s.message,
                        "mode": s.mode,
                        "when": s.local_time(),
                        "status": s.status,
                        "attempts": s.attempts,
                    }
                    for s in scheduled
                ],
            }
        )

    async def recording(self, request: Request) -> Response:
        """A recorded call as WAV (left: the other side, right: ours), decrypted for the owner only."""
        if not self.auth.logged_in(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        wav = await asyncio.to_thread(Recordings(self.host).read, request.path_params["call_id"])
        if wav is None:
            return JSONResponse({"error": "no recording of that call (never recorded, or past its retention)"}, status_code=404)
        return Response(wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})

    async def start_test_call(self, request: Request) -> Response:
        """Register a call from the page; the page then opens the media stream with the token."""
        if not self.auth.logged_in(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        if not same_origin(request):  # another site, or another local port, in the owner's browser
            return JSONResponse({"error": "cross-origin requests are refused"}, status_code=403)
        if self.switchboard.full(self.config) is not None:
            return JSONResponse({"error": "too many calls at once; try again when one ends"}, status_code=409)
        call_sid = f"SP{uuid.uuid4().hex}"
        setup = self.switchboard.admit(
            softphone.NAME,
            call_sid,
            SOFTPHONE_NUMBER,
            self.config.phone_number or "assistant",
            config=self.config,
            intro=self.config.inbound.greeting,
        )
        return JSONResponse(
            {"call_id": setup.call_id, "call_sid": call_sid, "token": setup.token, "stream_path": "/voice/softphone/stream"}
        )

    async def softphone_stream(self, websocket: WebSocket) -> None:
        if not self.auth.logged_in(websocket):
            await websocket.close(code=1008, reason="log in first")
            return
        started = await await_start(websocket, softphone.CODEC)
        if started is not None:
            await self.switchboard.connect(websocket, softphone.CODEC, started, control=None)


def web_routes(host: Host, config: VoiceCallConfig) -> list[BaseRoute]:
    from plugins.voice_call.setup_web import setup_routes

    return VoiceWeb(host, config).routes() + setup_routes(host)

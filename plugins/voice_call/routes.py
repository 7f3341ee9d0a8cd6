"""The voice-call routes: carrier webhooks and the media WebSocket, the same for every carrier."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from plugins.voice_call.calls.policy import decide, pairing_prompt
from plugins.voice_call.calls.session import CallSession
from plugins.voice_call.calls.tables import WebhookReceiptRow
from plugins.voice_call.carriers import CarrierNotConfigured, carrier_for
from plugins.voice_call.carriers.base import BadWebhook, Carrier, MediaProtocolError, StreamStarted, WebhookRejected
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.runtime import PendingCall, VoiceCallRuntime

if TYPE_CHECKING:
    from assistant.host import Host

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
START_TIMEOUT_S = 10.0


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise BodyTooLarge
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BodyTooLarge
    return body


class VoiceRoutes:
    """Handlers bound to one config snapshot (a gateway restart builds new ones)."""

    def __init__(self, host: "Host", config: VoiceCallConfig, carrier: Carrier) -> None:
        self.host, self.config, self.carrier = host, config, carrier
        self.runtime = VoiceCallRuntime.of(host)
        self.base = f"/voice/{carrier.name}"

    def routes(self) -> list[BaseRoute]:
        return [
            Route(f"{self.base}/webhook", self.webhook, methods=["POST"]),
            Route(f"{self.base}/status", self.status, methods=["POST"]),
            WebSocketRoute(f"{self.base}/stream", self.stream),
        ]

    def _public(self, path: str) -> str:
        assert self.config.public_url
        return self.config.public_url + path

    def stream_url(self) -> str:
        parts = urlsplit(self._public(f"{self.base}/stream"))
        scheme = "wss" if parts.scheme == "https" else "ws"
        return parts._replace(scheme=scheme).geturl()

    async def _verified(self, request: Request) -> bytes | Response:
        """The body of a genuine carrier request, or the response that refuses it."""
        try:
            body = await _read_body(request)
        except BodyTooLarge:
            return PlainTextResponse("request body too large", status_code=413)
        url = self._public(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        try:
            self.carrier.verify(url, request.headers, body)
        except WebhookRejected as exc:
            log.warning("refused %s webhook: %s", self.carrier.name, exc)
            return PlainTextResponse("signature check failed", status_code=403)
        return body

    def _replayed(self, digest: str) -> Response | None:
        with self.host.db.reader() as session:
            row = session.scalar(select(WebhookReceiptRow).where(
                WebhookReceiptRow.provider == self.carrier.name, WebhookReceiptRow.digest == digest))
            if row is None:
                return None
            return Response(row.body, status_code=row.status_code, media_type=row.media_type)

    def _remember(self, session, digest: str, response: Response) -> None:
        session.add(WebhookReceiptRow(provider=self.carrier.name, digest=digest, status_code=response.status_code,
                                      media_type=response.media_type or "text/plain", body=bytes(response.body).decode()))

    async def webhook(self, request: Request) -> Response:
        body = await self._verified(request)
        if isinstance(body, Response):
            return body
        digest = self.carrier.replay_key(request.headers, body)
        if (previous := self._replayed(digest)) is not None:
            return previous
        try:
            call = self.carrier.parse_call(body)
        except BadWebhook as exc:
            return PlainTextResponse(str(exc), status_code=400)
        if self.runtime.records.by_carrier_id(self.carrier.name, call.carrier_call_id) is not None:
            return PlainTextResponse("this call was already answered", status_code=409)

        decision = decide(self.config, call.from_number, self.runtime.pairing)
        state, reason, pending = "failed", decision.reason, None
        if decision.action == "reject":
            response = self.carrier.reject()
        elif decision.action == "pair":
            response, state = self.carrier.say_and_hang_up(pairing_prompt(decision.code or "")), "completed"
        elif self.runtime.active_count() >= self.config.max_concurrent_calls:
            response, state, reason = self.carrier.reject(busy=True), "busy", "too many calls at once"
        else:
            token = secrets.token_urlsafe(24)
            response, state, reason = self.carrier.answer(self.stream_url(), token), "ringing", ""
            pending = token
        with self.host.db.transaction() as session:
            call_id = self.runtime.records.create(self.carrier.name, call.carrier_call_id, call.direction,
                                                  call.from_number, call.to_number, state=state, end_reason=reason,
                                                  session=session)
            self._remember(session, digest, response)
        if pending is not None:
            # Start speaking the greeting now, while the carrier sets up the media stream.
            tts = self.runtime.tts(self.config)
            greeting = asyncio.create_task(tts.synthesize(self.config.inbound.greeting))
            self.runtime.pending[call.carrier_call_id] = PendingCall(call_id, pending, self.config, greeting)
        return response

    async def status(self, request: Request) -> Response:
        body = await self._verified(request)
        if isinstance(body, Response):
            return body
        try:
            call = self.carrier.parse_call(body)
        except BadWebhook as exc:
            return PlainTextResponse(str(exc), status_code=400)
        record = self.runtime.records.by_carrier_id(self.carrier.name, call.carrier_call_id)
        if record is None:
            return PlainTextResponse("unknown call", status_code=404)
        if call.status in ("completed", "failed", "no-answer", "busy"):
            self.runtime.records.transition(record.id, call.status, f"carrier reported {call.status}")
        elif call.status == "in-progress":
            self.runtime.records.transition(record.id, "in-progress")
        return PlainTextResponse("ok")

    async def stream(self, websocket: WebSocket) -> None:
        await websocket.accept()
        started = await self._await_start(websocket)
        if started is None:
            return
        pending = self.runtime.pending.get(started.carrier_call_id)
        token = self.carrier.token_from(started) or ""
        if pending is None or not hmac.compare_digest(token.encode(), pending.token.encode()):
            await websocket.close(code=1008, reason="unknown call or bad stream token")
            return
        del self.runtime.pending[started.carrier_call_id]
        if not self.runtime.records.transition(pending.call_id, "in-progress"):
            await websocket.close(code=1008, reason="call is no longer active")
            return
        config = pending.config  # the call keeps the config it was answered with
        session = CallSession(call_id=pending.call_id, carrier=self.carrier, websocket=websocket,
                              stream_id=started.stream_id, config=config, records=self.runtime.records,
                              agent=self.runtime.call_agent(), stt=self.runtime.stt(), tts=self.runtime.tts(config),
                              end_silence_ms=config.end_of_utterance_ms, greeting_audio=pending.greeting_audio)
        self.runtime.sessions[pending.call_id] = session
        reason = "failed"
        try:
            reason = await session.run()
            self.runtime.records.transition(pending.call_id, "completed", reason)
        except Exception:
            log.exception("call %s failed", pending.call_id)
            self.runtime.records.transition(pending.call_id, "failed", "internal error")
            with contextlib.suppress(RuntimeError):
                await websocket.close(code=1011, reason="internal error")
        finally:
            self.runtime.sessions.pop(pending.call_id, None)

    async def _await_start(self, websocket: WebSocket) -> StreamStarted | None:
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                while True:
                    text = await websocket.receive_text()
                    try:
                        event = self.carrier.parse_media(text)
                    except MediaProtocolError as exc:
                        await websocket.close(code=1007, reason=f"bad media message before start: {exc}"[:120])
                        return None
                    if isinstance(event, StreamStarted):
                        return event
        except TimeoutError:
            await websocket.close(code=1008, reason="no start message")
        except (WebSocketDisconnect, RuntimeError, KeyError):
            pass
        return None


def unavailable(reason: str) -> list[BaseRoute]:
    async def answer(request: Request) -> Response:
        return PlainTextResponse(f"voice calls are not set up: {reason}", status_code=503)

    return [Route("/voice/{provider}/webhook", answer, methods=["POST"])]


def build_routes(host: "Host", config: VoiceCallConfig) -> list[BaseRoute]:
    if not config.streaming.enabled:
        return unavailable("media streaming is off")
    if not config.public_url:
        return unavailable("no public URL is configured")
    try:
        carrier = carrier_for(config, host)
    except CarrierNotConfigured as exc:
        return unavailable(str(exc))
    return VoiceRoutes(host, config, carrier).routes()

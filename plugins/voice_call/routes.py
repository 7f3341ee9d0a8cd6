"""The voice-call routes: carrier webhooks and the media WebSocket, the same for every carrier."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from plugins.voice_call.calls.policy import decide, pairing_prompt
from plugins.voice_call.calls.realtime import HANDOVER_LINE, RealtimeCallSession
from plugins.voice_call.calls.session import CallSession
from plugins.voice_call.calls.tables import WebhookReceiptRow
from plugins.voice_call.carriers import CarrierNotConfigured, carrier_for
from plugins.voice_call.carriers.base import (
    BadWebhook,
    CallEvent,
    Carrier,
    CarrierError,
    Endpoint,
    MediaProtocolError,
    StreamStarted,
    WebhookRejected,
)
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.runtime import PendingCall, VoiceCallRuntime
from plugins.voice_call.speech.tts import describe_failure

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
        return await self._handle(request, "webhook")

    async def status(self, request: Request) -> Response:
        return await self._handle(request, "status")

    async def _handle(self, request: Request, endpoint: Endpoint) -> Response:
        body = await self._verified(request)
        if isinstance(body, Response):
            return body
        digest = self.carrier.replay_key(request.headers, body)
        if (previous := self._replayed(digest)) is not None:
            return previous
        try:
            event = self.carrier.parse_webhook(endpoint, body, dict(request.query_params))
        except BadWebhook as exc:
            return PlainTextResponse(str(exc), status_code=400)
        if event.kind == "ignored":
            return self.carrier.acknowledge()
        if event.kind == "status":
            response = self._on_status(event)
        elif event.kind == "outbound-answered":
            response = await self._on_outbound_answered(event)
        else:
            if self.runtime.records.by_carrier_id(self.carrier.name, event.carrier_call_id) is not None:
                return PlainTextResponse("this call was already answered", status_code=409)
            response = await self._on_incoming(event)
        if response.status_code < 500:
            with self.host.db.transaction() as session:
                self._remember(session, digest, response)
        return response

    def _record_for(self, event: CallEvent):
        records = self.runtime.records
        record = records.get(event.ref) if event.ref else None
        if record is None or record.provider != self.carrier.name:
            record = records.by_carrier_id(self.carrier.name, event.carrier_call_id)
        return record

    def _on_status(self, event: CallEvent) -> Response:
        record = self._record_for(event)
        if record is None:
            return PlainTextResponse("unknown call", status_code=404)
        session = self.runtime.sessions.get(record.id)
        if event.status == "voicemail":
            # An answering machine picked up: this attempt ends with that status.
            self.runtime.records.transition(record.id, "voicemail", "answering machine")
            if session is not None:
                session.end_attempt("answering machine")
            else:
                self.runtime.drop_pending_call(record.id)
                asyncio.get_running_loop().create_task(self._hang_up(event.carrier_call_id))
                self.runtime.call_ended(record.id)
        elif event.status in ("completed", "failed", "no-answer", "busy"):
            reason = f"carrier reported {event.status}" + (f" ({event.detail})" if event.detail else "")
            changed = self.runtime.records.transition(record.id, event.status, reason)
            if session is not None:
                session.carrier_ended()
            elif changed:
                self.runtime.drop_pending_call(record.id)
                self.runtime.call_ended(record.id)
        elif event.status == "in-progress" and record.direction == "outbound":
            pass  # the media stream's start moves the call to in-progress
        return self.carrier.acknowledge()

    async def _on_outbound_answered(self, event: CallEvent) -> Response:
        """A carrier that asks for instructions when our outbound call is answered (Plivo)."""
        record = self._record_for(event)
        pending = self.runtime.pending.pop(record.carrier_call_id, None) if record else None
        if record is None or pending is None:
            return PlainTextResponse("unknown call", status_code=404)
        self.runtime.records.set_carrier_id(record.id, event.carrier_call_id)
        self.runtime.pending[event.carrier_call_id] = pending
        return await self.carrier.answer(event, self.stream_url(), pending.token)

    async def _on_incoming(self, event: CallEvent) -> Response:
        records = self.runtime.records
        decision = decide(self.config, event.from_number, self.runtime.pairing)
        busy = decision.action != "reject" and self.runtime.active_count() >= self.config.max_concurrent_calls
        if decision.action == "reject" or busy:
            reason = "too many calls at once" if busy else decision.reason
            records.create(self.carrier.name, event.carrier_call_id, event.direction, event.from_number,
                           event.to_number, state="busy" if busy else "failed", end_reason=reason)
            try:
                return await self.carrier.reject(event, busy=busy)
            except (CarrierError, httpx.HTTPError) as exc:
                log.warning("could not reject %s call: %s", self.carrier.name, exc)
                return self.carrier.acknowledge()

        call_id = records.create(self.carrier.name, event.carrier_call_id, event.direction, event.from_number, event.to_number)
        pairing = decision.action == "pair"
        intro = pairing_prompt(decision.code or "") if pairing else self.config.inbound.greeting
        token = secrets.token_hex(16)
        # Synthesis starts now, while the carrier sets up the media stream; the call is registered
        # before we answer because the carrier may open the stream before the answer returns.
        self.runtime.pending[event.carrier_call_id] = self.runtime.prepare(call_id, token, self.config, intro, intro_only=pairing)
        try:
            return await self.carrier.answer(event, self.stream_url(), token)
        except (CarrierError, httpx.HTTPError) as exc:
            log.warning("could not answer %s call: %s", self.carrier.name, exc)
            pending = self.runtime.pending.pop(event.carrier_call_id, None)
            if pending:
                pending.cancel()
            records.transition(call_id, "failed", "the carrier refused our answer")
            return PlainTextResponse("could not answer the call", status_code=502)

    async def stream(self, websocket: WebSocket) -> None:
        await websocket.accept()
        started = await self._await_start(websocket)
        if started is None:
            return
        pending = self.runtime.pending.get(started.carrier_call_id)
        token = started.token or ""
        if pending is None or not hmac.compare_digest(token.encode(), pending.token.encode()):
            await websocket.close(code=1008, reason="unknown call or bad stream token")
            return
        del self.runtime.pending[started.carrier_call_id]
        if not self.runtime.records.transition(pending.call_id, "in-progress"):
            pending.cancel()
            await websocket.close(code=1008, reason="call is no longer active")
            return
        try:
            session, reason = await self._converse(websocket, started, pending)
            if reason == "answering machine":
                self.runtime.records.transition(pending.call_id, "voicemail", reason)
            else:
                self.runtime.records.transition(pending.call_id, "completed", reason)
            if session.ended_by_us:
                await self._hang_up(started.carrier_call_id)
        except Exception:
            log.exception("call %s failed", pending.call_id)
            self.runtime.records.transition(pending.call_id, "failed", "internal error")
            with contextlib.suppress(RuntimeError):
                await websocket.close(code=1011, reason="internal error")
        finally:
            self.runtime.sessions.pop(pending.call_id, None)
            self.runtime.call_ended(pending.call_id)

    async def _converse(self, websocket: WebSocket, started: StreamStarted,
                        pending: PendingCall) -> tuple[CallSession | RealtimeCallSession, str]:
        """Run the call: over OpenAI Realtime when it is set up; the local pipeline when it is not,
        could not connect, or dropped mid-call (then it takes over on the same media stream)."""
        config = pending.config  # the call keeps the config it was answered with
        intro, mode, media_ms = pending.intro, pending.mode, 0
        if pending.realtime is not None:
            try:
                connection = await pending.realtime
            except Exception as exc:  # noqa: BLE001 - missing model, 401, 429, timeout: all fall back
                connection = None
                self.runtime.records.append_transcript(pending.call_id, [{"role": "system", "at_ms": 0, "text":
                    f"OpenAI Realtime unavailable ({describe_failure(exc)}); the local pipeline answered"}])
            if connection is not None:
                realtime = RealtimeCallSession(call_id=pending.call_id, carrier=self.carrier, websocket=websocket,
                                               stream_id=started.stream_id, config=config, records=self.runtime.records,
                                               connection=connection, intro=intro, mode=mode, message=pending.message)
                self.runtime.sessions[pending.call_id] = realtime
                reason = await realtime.run()
                if not realtime.handover:
                    return realtime, reason
                media_ms = realtime.media_ms
                if realtime.intro_delivered:
                    if mode == "notify":
                        realtime.end_reason = "message delivered"
                        return realtime, "message delivered"
                    intro = HANDOVER_LINE
        session = CallSession(call_id=pending.call_id, carrier=self.carrier, websocket=websocket,
                              stream_id=started.stream_id, config=config, records=self.runtime.records,
                              agent=self.runtime.call_agent(), stt=self.runtime.stt(config),
                              tts=pending.tts or self.runtime.tts(config), end_silence_ms=config.end_of_utterance_ms,
                              intro=intro, intro_audio=pending.intro_audio, intro_only=pending.intro_only)
        session.mode, session.message = mode, pending.message
        session.media_ms = session.last_activity_ms = media_ms
        self.runtime.sessions[pending.call_id] = session
        return session, await session.run()

    async def _hang_up(self, carrier_call_id: str) -> None:
        try:
            await self.carrier.hang_up(carrier_call_id)
        except (CarrierError, httpx.HTTPError) as exc:
            log.warning("could not hang up %s call %s: %s", self.carrier.name, carrier_call_id, exc)

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
    """The web page's routes always (the softphone needs no carrier), the carrier's when it is set up."""
    from plugins.voice_call.web import web_routes

    return web_routes(host, config) + _carrier_routes(host, config)


def _carrier_routes(host: "Host", config: VoiceCallConfig) -> list[BaseRoute]:
    if not config.streaming.enabled:
        return unavailable("media streaming is off")
    if not config.public_url:
        return unavailable("no public URL is configured")
    try:
        carrier = carrier_for(config, host)
    except CarrierNotConfigured as exc:
        return unavailable(str(exc))
    return VoiceRoutes(host, config, carrier).routes()

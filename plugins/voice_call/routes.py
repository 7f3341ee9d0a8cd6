"""The voice-call routes: carrier webhooks and the media WebSocket, the same for every carrier."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from plugins.voice_call.admission.policy import PAIRING_LINES, admit_invited, decide, pairing_prompt
from plugins.voice_call.calls.offline_call import facts_said_ahead
from plugins.voice_call.calls.said_ahead import FIXED_LINES
from plugins.voice_call.carriers import CarrierNotConfigured, carrier_for
from plugins.voice_call.carriers.base import Carrier
from plugins.voice_call.carriers.events import BadWebhook, CallEvent, CallGone, CarrierError, Endpoint, WebhookRejected
from plugins.voice_call.carriers.stream import await_start
from plugins.voice_call.config import VoiceCallConfig, voice_config
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.history.records import CallInfo
from plugins.voice_call.history.tables import WebhookReceiptRow
from plugins.voice_call.knowledge.facts import Knowledge
from plugins.voice_call.runtime import VoiceCallRuntime
from plugins.voice_call.speech.vad import VAD_POOL
from plugins.voice_call.web import web_routes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assistant.plugin_api import Host

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


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
    """Handlers bound to one config snapshot (a gateway restart builds new ones). They speak HTTP
    and WebSocket; what happens to a call is the switchboard's business."""

    def __init__(self, host: Host, config: VoiceCallConfig, carrier: Carrier) -> None:
        self.host, self.config, self.carrier = host, config, carrier
        self.runtime = VoiceCallRuntime.of(host)
        self.switchboard = self.runtime.switchboard
        self.base = f"/voice/{carrier.name}"

    def routes(self) -> list[BaseRoute]:
        return [
            Route(f"{self.base}/webhook", self.webhook, methods=["POST"]),
            Route(f"{self.base}/status", self.status, methods=["POST"]),
            Route(f"{self.base}/whisper", self.whisper, methods=["GET"]),
            WebSocketRoute(f"{self.base}/stream", self.stream),
        ]

    def _public(self, path: str) -> str:
        assert self.config.public_url
        return self.config.public_url + path

    def _here(self) -> str:
        """This node's own URL, or the public one when it has none (one gateway)."""
        return self.runtime.nodes.url or self._public("")

    def stream_url(self) -> str:
        """Where the carrier sends this call's media: this node (several gateways share the store)."""
        parts = urlsplit(self._here() + f"{self.base}/stream")
        scheme = "wss" if parts.scheme == "https" else "ws"
        return parts._replace(scheme=scheme).geturl()

    async def _verified(self, request: Request) -> bytes | Response:
        """The body of a genuine carrier request, or the response that refuses it."""
        try:
            body = await _read_body(request)
        except BodyTooLarge:
            return PlainTextResponse("request body too large", status_code=413)
        query = f"?{request.url.query}" if request.url.query else ""
        # Signed for the URL the carrier called: the shared public one, or this node's own (the
        # callbacks of a call this node placed).
        bases = list(dict.fromkeys([self._public(""), self._here()]))
        for index, base in enumerate(bases):
            try:
                # Off the event loop: the first check imports the carrier's SDK (the telnyx package
                # takes seconds), and every call's audio is handled on this loop meanwhile.
                await asyncio.to_thread(self.carrier.webhooks.verify, base + request.url.path + query, request.headers, body)
                return body
            except WebhookRejected as exc:
                if index == len(bases) - 1:
                    log.warning("refused %s webhook: %s", self.carrier.name, exc)
        return PlainTextResponse("signature check failed", status_code=403)

    def _replayed(self, digest: str) -> Response | None:
        with self.host.db.reader() as session:
            row = session.scalar(
                select(WebhookReceiptRow).where(
                    WebhookReceiptRow.provider == self.carrier.name, WebhookReceiptRow.digest == digest
                )
            )
            if row is None:
                return None
            return Response(row.body, status_code=row.status_code, media_type=row.media_type)

    def _remember(self, session: Session, digest: str, response: Response) -> None:
        session.add(
            WebhookReceiptRow(
                provider=self.carrier.name,
                digest=digest,
                status_code=response.status_code,
                media_type=response.media_type or "text/plain",
                body=bytes(response.body).decode(),
            )
        )

    async def webhook(self, request: Request) -> Response:
        return await self._handle(request, "webhook")

    async def status(self, request: Request) -> Response:
        return await self._handle(request, "status")

    async def _handle(self, request: Request, endpoint: Endpoint) -> Response:
        body = await self._verified(request)
        if isinstance(body, Response):
            return body
        webhooks = self.carrier.webhooks
        digest = webhooks.replay_key(request.headers, body)
        if (previous := self._replayed(digest)) is not None:
            return previous
        try:
            event = webhooks.parse_webhook(endpoint, body, dict(request.query_params))
        except BadWebhook as exc:
            self.runtime.webhook_problems[self.carrier.name] = str(exc)  # `assistant doctor` names it
            return PlainTextResponse(str(exc), status_code=400)
        if event.kind == "ignored":
            return webhooks.acknowledge()
        if event.kind in ("status", "machine", "stream-failed"):
            response = self._on_status(event)
        elif event.kind == "answered":
            response = await self._on_answered(event)
        elif event.kind == "transfer":
            response = await self._on_transfer(event)
        else:
            if self.runtime.records.by_carrier_id(self.carrier.name, event.carrier_call_id) is not None:
                return PlainTextResponse("this call was already answered", status_code=409)
            response = await self._on_incoming(event)
        if response.status_code < 500:
            with self.host.db.transaction() as session:
                self._remember(session, digest, response)
        return response

    def _record_for(self, event: CallEvent) -> CallInfo | None:
        records = self.runtime.records
        record = records.get(event.ref) if event.ref else None
        if record is None or record.provider != self.carrier.name:
            record = records.by_carrier_id(self.carrier.name, event.carrier_call_id)
        return record

    def _on_status(self, event: CallEvent) -> Response:
        """What the carrier says about a call we know: its state, who answered, or a failed stream."""
        record = self._record_for(event)
        if record is None:
            return PlainTextResponse("unknown call", status_code=404)
        control, carrier_id = self.carrier.control, event.carrier_call_id
        if event.kind == "machine":
            self.switchboard.machine_detected(record.id, carrier_id, event.answered_by, event.detail, control)
        elif event.kind == "stream-failed":
            self.switchboard.stream_failed(record.id, carrier_id, event.detail, control)
        else:
            self.switchboard.carrier_reported(record.id, carrier_id, event.status, event.detail, control)
        return self.carrier.webhooks.acknowledge()

    async def _on_answered(self, event: CallEvent) -> Response:
        """A call we placed was answered and the carrier asks for its media instructions."""
        record = self._record_for(event)
        if record is None or not self.switchboard.rekey(record.id, event.carrier_call_id):
            return PlainTextResponse("unknown call", status_code=404)
        pending_token = self.switchboard.token_for(event.carrier_call_id)
        self.switchboard.answered(record.id, event.carrier_call_id, self.carrier.control)
        return await self.carrier.control.answer(event, self.stream_url(), pending_token, self._time_limit())

    async def _on_transfer(self, event: CallEvent) -> Response:
        """The carrier asks how to put a caller through, or says how it went."""
        desk, control = self.switchboard.transfers, self.carrier.control
        transfer = desk.get(event.transfer)
        if transfer is None and event.transfer_step == "result":
            # A result for a transfer already settled (the call ended, a carrier's second report):
            # nothing to do, and a 404 would only fill the carrier's error log.
            return control.transfer_over()
        if transfer is None:
            return PlainTextResponse("unknown transfer", status_code=404)
        if event.transfer_step in ("connect", "whisper", "choice"):
            return control.transfer_instructions(transfer.request, event.transfer_step, event.digits)
        outcome = desk.result(transfer, event.status, event.detail, control.reports_connection)
        if outcome != "back":
            return control.transfer_over()
        setup = self.switchboard.take_back(transfer, control)
        try:
            return await control.resume(transfer.carrier_call_id, self.stream_url(), setup.token, self._time_limit())
        except CallGone:
            # The caller hung up while the owner's phone rang (its report may come after the owner's leg's).
            self.switchboard.end(transfer.call_id, Ending(EndReason.TRANSFERRED, "the caller hung up before the owner answered"))
            return control.transfer_over()
        except (CarrierError, httpx.HTTPError) as exc:
            log.warning("could not take call %s back after the transfer: %s", transfer.call_id, exc)
            self.switchboard.end(transfer.call_id, Ending(EndReason.STREAM_FAILED, "after the owner did not answer"))
            return control.transfer_over()

    async def whisper(self, request: Request) -> Response:
        """The words the owner hears before a caller is put through (a WAV the carrier fetches;
        the transfer's unguessable token is the only key, as carriers fetch media unsigned)."""
        transfer = self.switchboard.transfers.get(request.query_params.get("transfer", ""))
        if transfer is None:
            return PlainTextResponse("unknown transfer", status_code=404)
        tts = self.runtime.tts(transfer.config)
        try:
            wav = await transfer.whisper_wav(tts)
        finally:
            await tts.aclose()
        return Response(wav, media_type="audio/wav")

    def _time_limit(self) -> int:
        """The longest a call may last at the carrier: our own limit plus a margin for the goodbye."""
        return self.config.max_duration_seconds + 60

    async def _on_incoming(self, event: CallEvent) -> Response:
        """A new call: refused, or answered with a media stream (the switchboard expects it). Who
        may call, the owner's own number and appointment hours are read afresh (a pairing approved
        a moment ago admits this call)."""
        config = self.config.with_live_settings(voice_config(self.host))
        full = self.switchboard.full(config) is not None
        # A caller refused as busy takes no pairing code: a flood cannot use up the codes.
        decision = decide(config, event.from_number, self.runtime.pairing, issue_codes=not full)
        busy = decision.action != "reject" and full
        if decision.action == "reject" or busy:
            ending = Ending(EndReason.TOO_MANY_CALLS) if busy else Ending(EndReason.REFUSED, decision.reason)
            self.switchboard.refuse(self.carrier.name, event.carrier_call_id, event.from_number, event.to_number, ending)
            try:
                return await self.carrier.control.reject(event, busy=busy)
            except (CarrierError, httpx.HTTPError) as exc:
                log.warning("could not reject %s call: %s", self.carrier.name, exc)
                return self.carrier.webhooks.acknowledge()

        pairing = decision.action == "pair"
        caller, host = event.from_number, self.host
        # Synthesis starts now, while the carrier sets up the media stream.
        setup = self.switchboard.admit(
            self.carrier.name,
            event.carrier_call_id,
            event.from_number,
            event.to_number,
            config=config,
            intro=pairing_prompt(decision.code or "") if pairing else config.inbound.greeting,
            intro_only=pairing,
            redeem=(lambda code: admit_invited(host, caller, code)) if pairing else None,
            control=self.carrier.control,
        )
        await self.switchboard.first_words_ready(event.carrier_call_id, self.carrier.control)
        try:
            return await self.carrier.control.answer(event, self.stream_url(), setup.token, self._time_limit())
        except (CarrierError, httpx.HTTPError) as exc:
            log.warning("could not answer %s call: %s", self.carrier.name, exc)
            self.switchboard.end(setup.call_id, Ending(EndReason.ANSWER_FAILED))
            return PlainTextResponse("could not answer the call", status_code=502)

    async def stream(self, websocket: WebSocket) -> None:
        started = await await_start(websocket, self.carrier.codec)
        if started is not None:
            # The call's own callbacks (a transfer's) come back to this node, which holds the call.
            await self.switchboard.connect(websocket, self.carrier.codec, started, self.carrier.control, self._here() + self.base)


def unavailable(reason: str) -> list[BaseRoute]:
    """Routes that tell a carrier why calls cannot be taken (503 with the reason)."""

    async def answer(request: Request) -> Response:
        return PlainTextResponse(f"voice calls are not set up: {reason}", status_code=503)

    return [Route("/voice/{provider}/webhook", answer, methods=["POST"])]


def build_routes(host: Host, config: BaseModel) -> list[BaseRoute]:
    """The web page's routes always (the softphone needs no carrier), the carrier's when it is set up."""
    assert isinstance(config, VoiceCallConfig)
    # What every call says alike is made now, in the background, so no caller waits for it; and
    # the answers said from the owner's facts, word for word (offline; a model words its own).
    runtime = VoiceCallRuntime.of(host)
    facts = facts_said_ahead([f.text for f in Knowledge(host.db).all()])
    # The pairing intro's lines when strangers get a code (every pairing call says them).
    pairing = PAIRING_LINES if config.inbound.policy == "pairing" else ()
    runtime.prompts.warm(config, [config.inbound.greeting, *FIXED_LINES, *pairing, *facts])
    # How many calls the speech engines carry here: measured once per process, after the prompts.
    runtime.capacity.measure(config, lambda: runtime.tts(config), lambda: runtime.stt(config))
    # Each call's voice activity model is made ahead, off the event loop (speech/vad.py).
    VAD_POOL.fill(min(config.max_concurrent_calls, config.call_capacity or 4, 32))
    return web_routes(host, config) + _carrier_routes(host, config)


def _carrier_routes(host: Host, config: VoiceCallConfig) -> list[BaseRoute]:
    if not config.streaming.enabled:
        return unavailable("media streaming is off")
    if not config.public_url:
        return unavailable("no public URL is configured")
    try:
        carrier = carrier_for(config, host)
    except CarrierNotConfigured as exc:
        return unavailable(str(exc))
    return VoiceRoutes(host, config, carrier).routes()

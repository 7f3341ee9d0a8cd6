"""Plivo: V3-signed form webhooks, `<Stream>` XML, audio stream JSON (playAudio / checkpoint / clearAudio)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

from plugins.voice_call import validation
from plugins.voice_call.carriers.base import CallControl, Carrier, MediaCodec, WebhookParser
from plugins.voice_call.carriers.events import (
    AnsweredBy,
    BadWebhook,
    CallEvent,
    CallState,
    CarrierError,
    DialRequest,
    DtmfReceived,
    Endpoint,
    Ignored,
    MarkPlayed,
    MediaEvent,
    MediaProtocolError,
    MediaReceived,
    StreamStarted,
    StreamStopped,
    TransferRequest,
    WebhookRejected,
    media_json,
)
from plugins.voice_call.carriers.setup import CarrierSetup, Credential, config_value, secret
from plugins.voice_call.carriers.wiring.plivo import PlivoWiring

if TYPE_CHECKING:
    from assistant.plugin_api import Host
    from plugins.voice_call.config import VoiceCallConfig

CALL_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
STATUS = {
    "ringing": CallState.RINGING,
    "in-progress": CallState.IN_PROGRESS,
    "completed": CallState.COMPLETED,
    "busy": CallState.BUSY,
    "failed": CallState.FAILED,
    "timeout": CallState.NO_ANSWER,
    "no-answer": CallState.NO_ANSWER,
    "cancel": CallState.NO_ANSWER,
}
# DialStatus, sent to <Dial action> when the dialled leg ends (Plivo XML <Dial> reference).
DIAL_STATUS = {
    "completed": CallState.COMPLETED,
    "busy": CallState.BUSY,
    "failed": CallState.FAILED,
    "timeout": CallState.NO_ANSWER,
    "no-answer": CallState.NO_ANSWER,
    "cancel": CallState.NO_ANSWER,
}
ENDED_STATUSES = ("completed", "busy", "failed", "timeout", "no-answer", "cancel")
TOKEN_IN_HEADERS = re.compile(r"(?:^|[,;&\s])token=([0-9A-Za-z]+)")


def _e164(number: str) -> str:
    """Plivo sends numbers as bare digits ("14155551234"); the rest of the code speaks E.164."""
    return "+" + number if number.isdigit() else number


def _xml(inner: str) -> Response:
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>', media_type="application/xml")


def _form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
    except (UnicodeDecodeError, ValueError):
        raise BadWebhook("The body is not a form-encoded Plivo callback.") from None


class PlivoWebhooks(WebhookParser):
    """Form callbacks signed with X-Plivo-Signature-V3, checked by the SDK's own helper."""

    def __init__(self, auth_token: str) -> None:
        self._auth_token = auth_token

    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        signature = headers.get("x-plivo-signature-v3", "")
        nonce = headers.get("x-plivo-signature-v3-nonce", "")
        if not signature or not nonce:
            raise WebhookRejected("missing X-Plivo-Signature-V3 or its nonce")
        from plivo.utils.signature_v3 import validate_v3_signature  # the SDK's own check, imported on use

        try:
            params = _form(body)
            valid = validate_v3_signature("POST", url, nonce, self._auth_token, signature, params=params)
        except Exception as exc:  # noqa: BLE001 - the SDK helper raises its own ValidationError on odd input
            raise WebhookRejected(f"unverifiable request ({exc.__class__.__name__})") from None
        if not valid:
            raise WebhookRejected("X-Plivo-Signature-V3 does not match")

    def replay_key(self, headers: Mapping[str, str], body: bytes) -> str:
        nonce = headers.get("x-plivo-signature-v3-nonce", "")
        return hashlib.sha256(nonce.encode() + b"\n" + body).hexdigest()

    def parse_webhook(self, endpoint: Endpoint, body: bytes, query: Mapping[str, str]) -> CallEvent:
        form = _form(body)
        uuid = form.get("CallUUID", "")
        if not CALL_UUID.match(uuid):
            raise BadWebhook("CallUUID is missing or is not a Plivo call UUID.")
        direction: Literal["inbound", "outbound"] = "inbound" if form.get("Direction", "inbound") == "inbound" else "outbound"
        call = CallEvent(
            "status", uuid, _e164(form.get("From", "")), _e164(form.get("To", "")), direction, ref=query.get("ref", "")
        )
        if token := query.get("transfer", ""):
            step = query.get("step", "result")
            if step == "connect":
                return replace(call, kind="transfer", transfer=token, transfer_step="connect")
            if step == "whisper":
                return replace(call, kind="transfer", transfer=token, transfer_step="whisper")
            dial = form.get("DialStatus", "failed")
            status = DIAL_STATUS.get(dial, CallState.FAILED)
            return replace(call, kind="transfer", transfer=token, transfer_step="result", status=status, detail=dial)
        if query.get("amd") == "1" or form.get("Event") == "MachineDetection":
            # The machine_detection_url request: Machine=true|false (Plivo "Make a call" and machine detection pages).
            machine = form.get("Machine", "").lower()
            answered_by: AnsweredBy = "machine" if machine == "true" else "human" if machine == "false" else "unknown"
            return replace(call, kind="machine", answered_by=answered_by, detail=f"Machine={form.get('Machine', '')}")
        ended = "HangupCause" in form or form.get("Event") == "Hangup" or form.get("CallStatus") in ENDED_STATUSES
        status = STATUS.get(form.get("CallStatus", "ringing"), CallState.COMPLETED if endpoint == "status" else CallState.RINGING)
        cause = form.get("HangupCauseName") or form.get("HangupCause", "")
        if endpoint == "webhook" and not ended:
            return replace(call, kind="incoming" if direction == "inbound" else "answered", status=status)
        # A hangup request at the answer URL too: an application without a hangup URL sends it there.
        return replace(call, status=status if ended or endpoint == "status" else CallState.COMPLETED, detail=cause)

    def acknowledge(self) -> Response:
        return _xml("")


@dataclass(kw_only=True)
class PlivoControl(CallControl):
    """Answers are `<Stream>` XML in the answer URL's response; dial and hang-up go through the REST API."""

    auth_id: str
    auth_token: str = field(repr=False)
    # confirmKey: only 1 connects; any other key does nothing, so declining is hanging up.
    whisper_choice = "Press 1 to take it, or hang up and I'll take a message."

    async def answer(self, call: CallEvent, stream_url: str, token: str, time_limit: int) -> Response:
        if not token.isalnum():
            raise ValueError("Plivo extraHeaders values must be alphanumeric")
        # streamTimeout (seconds; the SDK's StreamElement) bounds the stream, so a call can never
        # outlive its limit at the carrier even if we lose track of it.
        return _xml(
            f'<Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000" '
            f'streamTimeout="{time_limit}" extraHeaders={quoteattr("token=" + token)}>{escape(stream_url)}</Stream>'
        )

    async def reject(self, call: CallEvent, busy: bool = False) -> Response:
        return _xml(f'<Hangup reason="{"busy" if busy else "rejected"}"/>')

    async def transfer(self, carrier_call_id: str, request: TransferRequest) -> None:
        # "Transfer a call" (POST Call/{uuid}/ with legs=aleg): Plivo fetches aleg_url and runs the
        # XML it returns (our <Dial>) instead of the <Stream>.
        response = await self.http.post(
            f"{self.api_base_url}/v1/Account/{self.auth_id}/Call/{carrier_call_id}/",
            auth=(self.auth_id, self.auth_token),
            json={"legs": "aleg", "aleg_url": request.step_url("connect"), "aleg_method": "POST"},
        )
        if response.status_code >= 400:
            raise CarrierError(f"Plivo refused to put {carrier_call_id} through: {response.status_code} {response.text[:200]}")

    def transfer_instructions(self, request: TransferRequest, step: str, digits: str = "") -> Response:
        if step == "whisper":
            return _xml(f"<Play>{escape(request.whisper_audio_url)}</Play>")
        # confirmSound plays to the owner on answer, and confirmKey must be pressed to connect: an
        # owner's voicemail never takes the caller. The action URL gets DialStatus when the dial ends.
        return _xml(
            f'<Dial action={quoteattr(request.step_url("result"))} method="POST" redirect="true" '
            f'timeout="{request.timeout_s}" callerId={quoteattr(request.caller_id.lstrip("+"))} '
            f'confirmSound={quoteattr(request.step_url("whisper"))} confirmKey="1">'
            f"<Number>{escape(request.to.lstrip('+'))}</Number></Dial>"
        )

    async def resume(self, carrier_call_id: str, stream_url: str, token: str, time_limit: int) -> Response:
        return await self.answer(CallEvent("status", carrier_call_id), stream_url, token, time_limit)

    def transfer_over(self) -> Response:
        return _xml("<Hangup/>")

    async def dial(self, request: DialRequest) -> str:
        response = await self.http.post(
            f"{self.api_base_url}/v1/Account/{self.auth_id}/Call/",
            auth=(self.auth_id, self.auth_token),
            json={
                "from": request.from_.lstrip("+"),
                "to": request.to.lstrip("+"),
                "answer_url": request.webhook_url,
                "answer_method": "POST",
                "hangup_url": request.status_url,
                "hangup_method": "POST",
                "ring_timeout": request.ring_timeout,
                "time_limit": request.time_limit,
                # Detection results go to machine_detection_url (asynchronously; the call flows meanwhile).
                # Plivo reports machine or not, never the end of a greeting.
                **(
                    {
                        "machine_detection": "true",
                        "machine_detection_url": request.machine_url,
                        "machine_detection_method": "POST",
                    }
                    if request.machine_detection != "off"
                    else {}
                ),
            },
        )
        if response.status_code != 201:
            raise CarrierError(f"Plivo refused the call to {request.to}: {response.status_code} {response.text[:200]}")
        # The call's UUID arrives with the answer_url request; until then we know the request UUID.
        return str(response.json()["request_uuid"])

    async def hang_up(self, carrier_call_id: str) -> None:
        url = f"{self.api_base_url}/v1/Account/{self.auth_id}/Call/{carrier_call_id}/"
        response = await self.http.delete(url, auth=(self.auth_id, self.auth_token))
        if response.status_code in (204, 404):
            return
        if response.status_code >= 400:
            raise CarrierError(f"Plivo refused to hang up {carrier_call_id}: {response.status_code} {response.text[:200]}")

    keys_in_audio = False

    async def send_keys(self, carrier_call_id: str, keys: str) -> None:
        # "Send digits" (plivo-python CallInterface.send_digits): POST Call/{uuid}/DTMF/ with the
        # digits and the leg they go to; aleg is the call itself.
        url = f"{self.api_base_url}/v1/Account/{self.auth_id}/Call/{carrier_call_id}/DTMF/"
        response = await self.http.post(url, json={"digits": keys, "leg": "aleg"}, auth=(self.auth_id, self.auth_token))
        if response.status_code >= 400:
            raise CarrierError(f"Plivo refused the keys for {carrier_call_id}: {response.status_code} {response.text[:200]}")

    async def cancel(self, carrier_call_id: str) -> None:
        """Until it is answered, a call we placed is known by its request UUID: DELETE Request/{uuid}/
        cancels it ("Cancel a queued call"). Once answered it has a call UUID: hang that up."""
        url = f"{self.api_base_url}/v1/Account/{self.auth_id}/Request/{carrier_call_id}/"
        response = await self.http.delete(url, auth=(self.auth_id, self.auth_token))
        if response.status_code == 404:
            await self.hang_up(carrier_call_id)
        elif response.status_code >= 400:
            raise CarrierError(f"Plivo refused to cancel {carrier_call_id}: {response.status_code} {response.text[:200]}")


class PlivoCodec(MediaCodec):
    """Plivo's audio-stream JSON: playAudio, checkpoint / playedStream, clearAudio."""

    @staticmethod
    def _token(extra: object) -> str | None:
        """`extra_headers` is documented loosely: accept a mapping, a JSON object, or `k=v` pairs."""
        if isinstance(extra, dict):
            return str(extra["token"]) if "token" in extra else None
        if isinstance(extra, str):
            try:
                decoded = json.loads(extra)
            except json.JSONDecodeError:
                match = TOKEN_IN_HEADERS.search(extra)
                return match.group(1) if match else None
            return PlivoCodec._token(decoded) if isinstance(decoded, dict) else None
        return None

    def parse_media(self, text: str) -> MediaEvent:
        message = media_json(text)
        event = message.get("event")
        try:
            if event == "media":
                media = message["media"]
                chunk = media.get("chunk")
                return MediaReceived(base64.b64decode(media["payload"], validate=True), int(chunk) if chunk is not None else None)
            if event == "start":
                start = message["start"]
                extra = message.get("extra_headers", start.get("extra_headers"))
                return StreamStarted(str(start["callId"]), str(start["streamId"]), self._token(extra))
            # The checkpoint's echo is `playedStream` in the audio-stream reference; one support
            # article calls it `played`: both are read.
            if event in ("playedStream", "played"):
                return MarkPlayed(str(message["name"]))
            if event == "dtmf":
                return DtmfReceived(str(message["dtmf"]["digit"]))
            if event == "stop":  # the call is over (Plivo's stream SDKs define it; the socket may also just close)
                return StreamStopped()
            if event in ("clearedAudio", "connected"):
                return Ignored()
        except (KeyError, TypeError, AttributeError, ValueError, binascii.Error) as exc:
            raise MediaProtocolError(f"malformed {event} message: {exc.__class__.__name__}") from None
        raise MediaProtocolError(f"unknown event {event!r}")

    def media(self, stream_id: str, payload: bytes) -> str:
        return json.dumps(
            {
                "event": "playAudio",
                "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": base64.b64encode(payload).decode()},
            }
        )

    def mark(self, stream_id: str, name: str) -> str:
        return json.dumps({"event": "checkpoint", "streamId": stream_id, "name": name})

    def clear(self, stream_id: str) -> str:
        return json.dumps({"event": "clearAudio", "streamId": stream_id})


def _build(config: VoiceCallConfig, host: Host) -> Carrier:
    auth_token = secret(host, SETUP.credentials[1])
    control = PlivoControl(
        api_base_url=config.plivo.api_base_url, auth_id=config_value(config, "plivo.authId"), auth_token=auth_token
    )
    return Carrier(name="plivo", codec=PlivoCodec(), webhooks=PlivoWebhooks(auth_token), control=control)


def _wiring(config: VoiceCallConfig, host: Host) -> PlivoWiring:
    return PlivoWiring(
        config.plivo.api_base_url,
        config.phone_number or "",
        config_value(config, "plivo.authId"),
        secret(host, SETUP.credentials[1]),
    )


SETUP = CarrierSetup(
    name="plivo",
    title="Plivo",
    credentials=(
        Credential("auth_id", "Auth ID", "plivo.authId"),
        Credential("auth_token", "Auth Token", "plivo.authTokenRef", "voice_call.plivo.auth_token", validation.plivo_auth_token),
    ),
    example="Plivo Auth ID is MA..., Auth Token is ..., my number is +15550001234",
    build=_build,
    wiring=_wiring,
)

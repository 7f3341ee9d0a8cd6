"""Twilio: form webhooks signed with X-Twilio-Signature, TwiML answers, Media Streams JSON, REST hang-up."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qs
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
from plugins.voice_call.carriers.wiring.twilio import TwilioWiring

if TYPE_CHECKING:
    from assistant.plugin_api import Host
    from plugins.voice_call.config import VoiceCallConfig

CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
# CallStatus values: https://www.twilio.com/docs/voice/api/call-resource#call-status-values
STATUS = {
    "queued": CallState.RINGING,
    "initiated": CallState.RINGING,
    "ringing": CallState.RINGING,
    "in-progress": CallState.IN_PROGRESS,
    "answered": CallState.IN_PROGRESS,
    "completed": CallState.COMPLETED,
    "busy": CallState.BUSY,
    "failed": CallState.FAILED,
    "no-answer": CallState.NO_ANSWER,
    "canceled": CallState.NO_ANSWER,
}


# AnsweredBy values (answering-machine-detection page): Enable gives human|machine_start|fax|unknown;
# DetectMessageEnd gives machine_end_beep|machine_end_silence|machine_end_other once the greeting ends.
ANSWERED_BY: dict[str, AnsweredBy] = {
    "human": "human",
    "machine_start": "machine",
    "fax": "machine",
    "unknown": "unknown",
    "machine_end_beep": "message_end",
    "machine_end_silence": "message_end",
    "machine_end_other": "message_end",
}


# DialCallStatus, sent to <Dial action> when the dialled call ends
# (https://www.twilio.com/docs/voice/twiml/dial#action): "completed" means the owner talked with the
# caller, unless DialBridged is "false" (the dialled party answered but the calls were never joined).
DIAL_STATUS = {
    "completed": CallState.COMPLETED,
    "answered": CallState.COMPLETED,
    "busy": CallState.BUSY,
    "no-answer": CallState.NO_ANSWER,
    "failed": CallState.FAILED,
    "canceled": CallState.NO_ANSWER,
}


def _twiml(inner: str) -> Response:
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>', media_type="application/xml")


class TwilioCodec(MediaCodec):
    """Twilio's media-stream dialect (JSON events over the socket); the browser softphone speaks it too."""

    def parse_media(self, text: str) -> MediaEvent:
        message = media_json(text)
        event = message.get("event")
        try:
            if event == "media":
                payload = base64.b64decode(message["media"]["payload"], validate=True)
                chunk = message["media"].get("chunk")
                return MediaReceived(payload, int(chunk) if chunk is not None else None)
            if event == "start":
                start = message["start"]
                params = start.get("customParameters") or {}
                return StreamStarted(
                    str(start["callSid"]),
                    str(message.get("streamSid") or start["streamSid"]),
                    str(params["token"]) if "token" in params else None,
                )
            if event == "mark":
                return MarkPlayed(str(message["mark"]["name"]))
            if event == "dtmf":
                return DtmfReceived(str(message["dtmf"]["digit"]))
            if event == "stop":
                return StreamStopped()
            if event == "connected":
                return Ignored()
        except (KeyError, TypeError, AttributeError, ValueError, binascii.Error) as exc:
            raise MediaProtocolError(f"malformed {event} message: {exc.__class__.__name__}") from None
        raise MediaProtocolError(f"unknown event {event!r}")

    def media(self, stream_id: str, payload: bytes) -> str:
        return json.dumps({"event": "media", "streamSid": stream_id, "media": {"payload": base64.b64encode(payload).decode()}})

    def mark(self, stream_id: str, name: str) -> str:
        return json.dumps({"event": "mark", "streamSid": stream_id, "mark": {"name": name}})

    def clear(self, stream_id: str) -> str:
        return json.dumps({"event": "clear", "streamSid": stream_id})


def _transfer_event(call: CallEvent, form: _Form, query: Mapping[str, str]) -> CallEvent:
    """A request about a call being put through: <Number url> asks what the owner hears first
    ("whisper"); <Dial action> says how the dial ended ("result")."""
    token = query["transfer"]
    if query.get("step") == "whisper":
        return replace(call, kind="transfer", transfer=token, transfer_step="whisper")
    if query.get("step") == "choice":
        return replace(call, kind="transfer", transfer=token, transfer_step="choice", digits=form.one("Digits"))
    dial_status = form.one("DialCallStatus", "failed")
    detail = dial_status
    if dial_status == "completed" and form.one("DialBridged") == "false":
        # The owner picked up but hung up before being connected (during the whisper): for the
        # caller, the owner did not take the call, so it comes back to us for a message.
        return replace(
            call, kind="transfer", transfer=token, transfer_step="result", status=CallState.NO_ANSWER, detail="not bridged"
        )
    if dial_status == "completed" and form.one("DialCallDuration"):
        detail = f"talked {form.one('DialCallDuration')} s"
    status = DIAL_STATUS.get(dial_status, CallState.FAILED)
    return replace(call, kind="transfer", transfer=token, transfer_step="result", status=status, detail=detail)


class _Form(dict[str, list[str]]):
    """A form body with every value of a repeated key: Twilio signs them all, and the SDK's
    validator reads them through `getall`, as it does a Flask MultiDict."""

    def getall(self, name: str) -> list[str]:
        return self[name]

    def one(self, name: str, default: str = "") -> str:
        return self[name][0] if name in self else default


def _form(body: bytes) -> _Form:
    try:
        return _Form(parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
    except (UnicodeDecodeError, ValueError):
        raise BadWebhook("The body is not a form-encoded Twilio webhook.") from None


class TwilioWebhooks(WebhookParser):
    """Form-encoded webhooks signed with X-Twilio-Signature, checked by the SDK's RequestValidator."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        from twilio.request_validator import RequestValidator  # the SDK's own check, imported on use

        self.account_sid = account_sid
        self._validator = RequestValidator(auth_token)

    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        signature = headers.get("x-twilio-signature", "")
        if not signature:
            raise WebhookRejected("missing X-Twilio-Signature")
        try:
            params = _form(body)
        except BadWebhook:
            raise WebhookRejected("unsigned body") from None
        if not self._validator.validate(url, params, signature):
            raise WebhookRejected("X-Twilio-Signature does not match")

    def replay_key(self, headers: Mapping[str, str], body: bytes) -> str:
        return hashlib.sha256(headers.get("x-twilio-signature", "").encode() + b"\n" + body).hexdigest()

    def parse_webhook(self, endpoint: Endpoint, body: bytes, query: Mapping[str, str]) -> CallEvent:
        form = _form(body)
        sid = form.one("CallSid")
        if not CALL_SID.match(sid):
            raise BadWebhook("CallSid is missing or is not a Twilio call SID (CA followed by 32 hex characters).")
        if form.one("AccountSid") != self.account_sid:
            raise BadWebhook("AccountSid does not match the configured Twilio account.")
        direction: Literal["inbound", "outbound"] = "inbound" if form.one("Direction", "inbound") == "inbound" else "outbound"
        call = CallEvent("status", sid, form.one("From"), form.one("To"), direction, ref=query.get("ref", ""))
        if query.get("transfer"):
            return _transfer_event(call, form, query)
        if query.get("amd") == "1":
            # The AsyncAmdStatusCallback request: CallSid, AccountSid, AnsweredBy, MachineDetectionDuration
            # (https://www.twilio.com/docs/voice/answering-machine-detection#asyncamdstatuscallback).
            answered_by = form.one("AnsweredBy", "unknown")
            return replace(call, kind="machine", answered_by=ANSWERED_BY.get(answered_by, "unknown"), detail=answered_by)
        status = STATUS.get(form.one("CallStatus", "ringing"), CallState.RINGING)
        kind: Literal["incoming", "status"] = "incoming" if endpoint == "webhook" and direction == "inbound" else "status"
        return replace(call, kind=kind, status=status)

    def acknowledge(self) -> Response:
        return _twiml("")


@dataclass(kw_only=True)
class TwilioControl(CallControl):
    """Answers are TwiML in the webhook's response; dial and hang-up go through the REST API."""

    account_sid: str
    auth_token: str = field(repr=False)
    detects_message_end = True

    async def answer(self, call: CallEvent, stream_url: str, token: str, time_limit: int) -> Response:
        # TwiML has no time limit for an inbound call (TimeLimit is a Calls API parameter): the
        # switchboard's watchdog hangs the call up at maxDurationSeconds plus a margin.
        return _twiml(
            f'<Connect><Stream url={quoteattr(stream_url)}><Parameter name="token" value={quoteattr(token)}/></Stream></Connect>'
        )

    async def reject(self, call: CallEvent, busy: bool = False) -> Response:
        return _twiml(f'<Reject reason="{"busy" if busy else "rejected"}"/>')

    async def transfer(self, carrier_call_id: str, request: TransferRequest) -> None:
        # Updating a live call with new TwiML ends its <Connect><Stream> and runs the <Dial>
        # (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource); <Number url>
        # is played to the owner before connecting; <Dial action> gets DialCallStatus when it ends.
        twiml = (
            f'<Response><Dial action={quoteattr(request.step_url("result"))} method="POST" '
            f'timeout="{request.timeout_s}" callerId={quoteattr(request.caller_id)}>'
            f'<Number url={quoteattr(request.step_url("whisper"))} method="POST">{escape(request.to)}</Number>'
            "</Dial></Response>"
        )
        url = f"{self.api_base_url}/2010-04-01/Accounts/{self.account_sid}/Calls/{carrier_call_id}.json"
        response = await self.http.post(url, data={"Twiml": twiml}, auth=(self.account_sid, self.auth_token))
        if response.status_code >= 400:
            raise CarrierError(f"Twilio refused to put {carrier_call_id} through: {response.status_code} {response.text[:200]}")

    #: <Number url> TwiML runs on the owner's leg before the two are joined; a <Gather> there lets
    #: them accept or decline, and a <Hangup> declines (https://www.twilio.com/docs/voice/twiml/number#url).
    whisper_choice = "Press 1 to take it, or 2 and I'll take a message."

    def transfer_instructions(self, request: TransferRequest, step: str, digits: str = "") -> Response:
        if step == "choice":
            # An empty document ends the <Number url> TwiML: the owner is joined to the caller.
            return _twiml("") if digits == "1" else _twiml("<Hangup/>")
        # No key before the <Gather> times out (voicemail, an owner who said nothing) declines too.
        return _twiml(
            f'<Gather numDigits="1" timeout="10" action={quoteattr(request.step_url("choice"))} method="POST">'
            f"<Play>{escape(request.whisper_audio_url)}</Play></Gather><Hangup/>"
        )

    async def resume(self, carrier_call_id: str, stream_url: str, token: str, time_limit: int) -> Response:
        # The answer to <Dial action>: the call goes on with this TwiML, a new stream to us.
        return await self.answer(CallEvent("status", carrier_call_id), stream_url, token, time_limit)

    def transfer_over(self) -> Response:
        return _twiml("<Hangup/>")

    async def dial(self, request: DialRequest) -> str:
        twiml = (
            f"<Response><Connect><Stream url={quoteattr(request.stream_url)}>"
            f'<Parameter name="token" value={quoteattr(request.token)}/></Stream></Connect></Response>'
        )
        form: dict[str, str | list[str]] = {
            "To": request.to,
            "From": request.from_,
            "Twiml": twiml,
            "StatusCallback": request.status_url,
            "StatusCallbackMethod": "POST",
            "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
            "Timeout": str(request.ring_timeout),
            "TimeLimit": str(request.time_limit),
        }
        if request.machine_detection != "off":
            # Asynchronous AMD: the stream starts the moment the callee answers and the verdict comes
            # later to AsyncAmdStatusCallback. Without AsyncAmd, Twilio holds the call in silence while
            # it listens (and, with inline Twiml, has nowhere to send the result: warning 21262).
            form["MachineDetection"] = "DetectMessageEnd" if request.machine_detection == "message_end" else "Enable"
            form["AsyncAmd"] = "true"
            form["AsyncAmdStatusCallback"] = request.machine_url
            form["AsyncAmdStatusCallbackMethod"] = "POST"
        response = await self.http.post(
            f"{self.api_base_url}/2010-04-01/Accounts/{self.account_sid}/Calls.json",
            data=form,
            auth=(self.account_sid, self.auth_token),
        )
        if response.status_code != 201:
            raise CarrierError(f"Twilio refused the call to {request.to}: {response.status_code} {response.text[:200]}")
        return str(response.json()["sid"])

    async def hang_up(self, carrier_call_id: str) -> None:
        url = f"{self.api_base_url}/2010-04-01/Accounts/{self.account_sid}/Calls/{carrier_call_id}.json"
        response = await self.http.post(url, data={"Status": "completed"}, auth=(self.account_sid, self.auth_token))
        if response.status_code == 404:  # 20404: the call has already ended
            return
        if response.status_code >= 400:
            raise CarrierError(f"Twilio refused to hang up {carrier_call_id}: {response.status_code} {response.text[:200]}")

    async def cancel(self, carrier_call_id: str) -> None:
        """A call still queued or ringing is ended with Status=canceled (completed is for answered calls)."""
        url = f"{self.api_base_url}/2010-04-01/Accounts/{self.account_sid}/Calls/{carrier_call_id}.json"
        response = await self.http.post(url, data={"Status": "canceled"}, auth=(self.account_sid, self.auth_token))
        if response.status_code >= 400 and response.status_code != 404:
            await self.hang_up(carrier_call_id)  # it was answered meanwhile


def _build(config: VoiceCallConfig, host: Host) -> Carrier:
    account_sid, auth_token = config_value(config, "twilio.accountSid"), secret(host, SETUP.credentials[1])
    return Carrier(
        name="twilio",
        codec=TwilioCodec(),
        webhooks=TwilioWebhooks(account_sid, auth_token),
        control=TwilioControl(api_base_url=config.twilio.api_base_url, account_sid=account_sid, auth_token=auth_token),
    )


def _wiring(config: VoiceCallConfig, host: Host) -> TwilioWiring:
    return TwilioWiring(
        config.twilio.api_base_url,
        config.phone_number or "",
        config_value(config, "twilio.accountSid"),
        secret(host, SETUP.credentials[1]),
    )


SETUP = CarrierSetup(
    name="twilio",
    title="Twilio",
    credentials=(
        Credential("account_sid", "Account SID", "twilio.accountSid"),
        Credential(
            "auth_token", "Auth Token", "twilio.authTokenRef", "voice_call.twilio.auth_token", validation.twilio_auth_token
        ),
    ),
    example="Twilio Account SID is AC..., Auth Token is ..., my number is +15550001234",
    build=_build,
    wiring=_wiring,
)

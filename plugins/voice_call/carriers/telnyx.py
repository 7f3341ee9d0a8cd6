"""Telnyx Call Control v2: Ed25519-signed JSON webhooks, REST commands, media WebSocket JSON.

Inbound calls are not answered by a webhook reply: we POST `actions/answer` with the stream fields.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from starlette.responses import PlainTextResponse, Response

from plugins.voice_call import validation
from plugins.voice_call.carriers.base import CallControl, Carrier, MediaCodec, WebhookParser
from plugins.voice_call.carriers.events import (
    AnsweredBy,
    BadWebhook,
    CallEvent,
    CallGone,
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
from plugins.voice_call.carriers.wiring.telnyx import TelnyxWiring

if TYPE_CHECKING:
    from assistant.plugin_api import Host
    from plugins.voice_call.config import VoiceCallConfig

# Every `hangup_cause` of the telnyx SDK's CallHangup payload type (telnyx/types/call_hangup.py),
# with the state it leaves the call in and what the owner reads.
HANGUP_CAUSES: dict[str, tuple[CallState, str]] = {
    "normal_clearing": (CallState.COMPLETED, "hung up"),
    "user_busy": (CallState.BUSY, "the line was busy"),
    "call_rejected": (CallState.BUSY, "the call was declined"),
    "no_answer": (CallState.NO_ANSWER, "nobody answered"),
    "timeout": (CallState.NO_ANSWER, "nobody answered in time"),
    "originator_cancel": (CallState.NO_ANSWER, "cancelled before it was answered"),
    "time_limit": (CallState.COMPLETED, "the call reached its time limit"),
    "not_found": (CallState.FAILED, "the number does not exist or cannot be reached"),
    "unspecified": (CallState.FAILED, "the carrier gave no reason"),
}
# Answering-machine detection results (telnyx/types/call_machine_*_ended.py).
DETECTION: dict[str, AnsweredBy] = {
    "human": "human",
    "human_residence": "human",
    "human_business": "human",
    "machine": "machine",
    "fax_detected": "machine",
    "silence": "unknown",
    "not_sure": "unknown",
}
# The greeting report is the last one Telnyx sends about the machine, whatever its result: after
# it nothing more comes, so even "not_sure" is the moment to leave the message (waiting on would be
# silence on the recording, then a hang-up with nothing left).
GREETING_ENDED: dict[str, AnsweredBy] = {
    "beep_detected": "message_end",
    "ended": "message_end",
    "no_beep_detected": "message_end",
    "prompt_ended": "message_end",
    "not_sure": "message_end",
}
ALREADY_ENDED = "90018"
V1_WEBHOOK = "This is a Telnyx webhook API v1 body; set the Call Control application to webhook API v2 in the Telnyx portal."
# answering_machine_detection values (telnyx/types/call_dial_params.py): greeting_end also reports
# the end of a machine's greeting, with or without a beep (call.machine.greeting.ended).
AMD_MODE = {"off": "disabled", "detect": "detect", "message_end": "greeting_end"}


def _state(**values: str) -> str:
    """client_state travels base64-encoded and comes back on the media start and every webhook."""
    return base64.b64encode(json.dumps(values).encode()).decode()


def _read_state(encoded: object) -> dict[str, str]:
    if not isinstance(encoded, str) or not encoded:
        return {}
    try:
        value = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return {}
    return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _transfer_event(call: CallEvent, kind: str, payload: dict[str, Any], token: str) -> CallEvent:
    """An event of the owner's leg of a transfer (tagged by target_leg_client_state, and sent to
    the transfer's webhook_url): connected ("call.bridged"), or over ("call.hangup" with its cause).
    Its other events (initiated, answered while the whisper plays) need nothing."""
    if kind == "call.bridged":
        return replace(call, kind="transfer", transfer=token, transfer_step="result", status=CallState.IN_PROGRESS)
    if kind == "call.hangup":
        cause = str(payload.get("hangup_cause") or "unspecified")
        ended, words = HANGUP_CAUSES.get(cause, (CallState.FAILED, "the carrier gave an unknown reason"))
        return replace(call, kind="transfer", transfer=token, transfer_step="result", status=ended, detail=f"{words}: {cause}")
    return replace(call, kind="ignored")


#: Telnyx call control ids ("v3:..." in base64url, with ":" and "-"): nothing that could change a URL path.
CALL_CONTROL_ID = re.compile(r"[A-Za-z0-9:_\-]{1,256}")


class TelnyxWebhooks(WebhookParser):
    """JSON webhooks (API v2) signed with Ed25519, checked by the SDK's own verifier."""

    def __init__(self, public_key: str) -> None:
        self.public_key = public_key

    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        # The SDK's own Ed25519 check (with its 300 s window); the telnyx package is slow to import.
        from telnyx.lib.webhook_verification import WebhookVerificationError, verify_webhook_signature

        try:
            body.decode("utf-8")  # Telnyx signs JSON text; the SDK's check raises on other bytes
        except UnicodeDecodeError:
            raise WebhookRejected("the body is not UTF-8 text, so not a signed Telnyx webhook") from None
        try:
            verify_webhook_signature(body, dict(headers), self.public_key)
        except WebhookVerificationError as exc:
            raise WebhookRejected(exc.message) from None

    def _json(self, body: bytes) -> dict[str, Any]:
        try:
            message = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadWebhook("The body is not JSON, so not a Telnyx webhook.") from None
        if isinstance(message, dict) and "data" not in message and "event_type" in message:
            # API v1 sends the event at the top level ("call_initiated", no "data" wrapper).
            raise BadWebhook(V1_WEBHOOK)
        data = message.get("data") if isinstance(message, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("payload", {}), dict):
            raise BadWebhook('The body is not a Telnyx webhook ({"data": {"event_type": ..., "payload": {...}}}).')
        return data

    def replay_key(self, headers: Mapping[str, str], body: bytes) -> str:
        try:
            return hashlib.sha256(str(self._json(body)["id"]).encode()).hexdigest()
        except (BadWebhook, KeyError):
            return hashlib.sha256(body).hexdigest()

    def parse_webhook(self, endpoint: Endpoint, body: bytes, query: Mapping[str, str]) -> CallEvent:
        data = self._json(body)
        kind, payload = data.get("event_type", ""), data.get("payload") or {}
        call_id = str(payload.get("call_control_id") or "")
        if not call_id:
            return CallEvent("ignored")
        if not CALL_CONTROL_ID.fullmatch(call_id):
            # It goes into REST paths (/v2/calls/{id}/actions/...): only the characters Telnyx uses.
            raise BadWebhook("call_control_id has characters a Telnyx call id never has.")
        direction: Literal["inbound", "outbound"] = "inbound" if payload.get("direction") == "incoming" else "outbound"
        state = _read_state(payload.get("client_state"))
        call = CallEvent(
            "ignored", call_id, str(payload.get("from", "")), str(payload.get("to", "")), direction, ref=state.get("ref", "")
        )
        if transfer := state.get("transfer") or query.get("transfer", ""):
            return _transfer_event(call, kind, payload, transfer)
        result = str(payload.get("result", ""))
        if kind in ("call.machine.detection.ended", "call.machine.premium.detection.ended"):
            return replace(call, kind="machine", answered_by=DETECTION.get(result, "unknown"), detail=result)
        if kind in ("call.machine.greeting.ended", "call.machine.premium.greeting.ended"):
            return replace(call, kind="machine", answered_by=GREETING_ENDED.get(result, "unknown"), detail=result)
        if kind == "streaming.failed":
            # Telnyx keeps the call up when its stream fails; the switchboard hangs it up.
            return replace(call, kind="stream-failed", detail=str(payload.get("failure_reason") or "stream failed"))
        if kind == "call.initiated":
            return replace(call, kind="incoming" if direction == "inbound" else "status")
        if kind == "call.answered":
            return replace(call, kind="status", status=CallState.IN_PROGRESS)
        if kind == "call.hangup":
            cause = str(payload.get("hangup_cause") or "unspecified")
            ended, words = HANGUP_CAUSES.get(cause, (CallState.FAILED, "the carrier gave an unknown reason"))
            return replace(call, kind="status", status=ended, detail=f"{words}: {cause}")
        return call


@dataclass(kw_only=True)
class TelnyxControl(CallControl):
    """Call Control v2 commands. A Telnyx call outlives its media socket, so we always hang up by command."""

    api_key: str = field(repr=False)
    connection_id: str = ""
    detects_message_end = True
    reports_connection = True

    async def _command(self, call_id: str, action: str, body: dict[str, Any]) -> None:
        response = await self.http.post(
            f"{self.api_base_url}/v2/calls/{call_id}/actions/{action}",
            json={**body, "command_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        if response.status_code == 422 and ALREADY_ENDED in response.text:
            if action == "hangup":
                return
            raise CallGone(f"Telnyx: call {call_id} has already ended ({action} refused)")
        if response.status_code >= 400:
            raise CarrierError(f"Telnyx refused {action} for {call_id}: {response.status_code} {response.text[:200]}")

    async def answer(self, call: CallEvent, stream_url: str, token: str, time_limit: int) -> Response:
        # actions/answer takes no time limit (telnyx/types/calls/action_answer_params.py): the
        # switchboard's watchdog hangs the call up at maxDurationSeconds plus a margin.
        await self._command(
            call.carrier_call_id,
            "answer",
            {
                "client_state": _state(token=token, ref=call.ref),
                "stream_url": stream_url,
                "stream_track": "inbound_track",
                "stream_bidirectional_mode": "rtp",
                "stream_bidirectional_codec": "PCMU",
            },
        )
        return PlainTextResponse("ok")  # the answer is the command above; the webhook only needs a 200

    async def reject(self, call: CallEvent, busy: bool = False) -> Response:
        await self._command(call.carrier_call_id, "reject", {"cause": "USER_BUSY" if busy else "CALL_REJECTED"})
        return PlainTextResponse("ok")  # the answer is the command above; the webhook only needs a 200

    async def dial(self, request: DialRequest) -> str:
        response = await self.http.post(
            f"{self.api_base_url}/v2/calls",
            headers={"Authorization": f"Bearer {self.api_key}"},
            json={
                "connection_id": self.connection_id,
                "to": request.to,
                "from": request.from_,
                "stream_url": request.stream_url,
                "stream_track": "inbound_track",
                "stream_bidirectional_mode": "rtp",
                "stream_bidirectional_codec": "PCMU",
                "client_state": _state(token=request.token, ref=request.ref),
                "webhook_url": request.status_url,
                "timeout_secs": request.ring_timeout,
                "time_limit_secs": request.time_limit,
                "answering_machine_detection": AMD_MODE[request.machine_detection],
                "command_id": str(uuid.uuid4()),
            },
        )
        if response.status_code >= 400:
            raise CarrierError(f"Telnyx refused the call to {request.to}: {response.status_code} {response.text[:200]}")
        return str(response.json()["data"]["call_control_id"])

    async def hang_up(self, carrier_call_id: str) -> None:
        await self._command(carrier_call_id, "hangup", {})

    keys_in_audio = False

    async def send_keys(self, carrier_call_id: str, keys: str) -> None:
        # actions/send_dtmf (telnyx/types/calls/action_send_dtmf_params.py): digits 0-9, A-D, * and #,
        # each played duration_millis (100 to 500, default 250) into the call's audio.
        await self._command(carrier_call_id, "send_dtmf", {"digits": keys, "duration_millis": 250})

    async def transfer(self, carrier_call_id: str, request: TransferRequest) -> None:
        # actions/transfer (telnyx/types/calls/action_transfer_params.py): audio_url plays to the owner
        # when they answer, before bridging; the owner's leg reports to webhook_url, tagged with
        # target_leg_client_state. On failure the original call stays up for further commands.
        await self._command(
            carrier_call_id,
            "transfer",
            {
                "to": request.to,
                "from": request.caller_id,
                "audio_url": request.whisper_audio_url,
                "timeout_secs": request.timeout_s,
                "webhook_url": request.step_url("result"),
                "target_leg_client_state": _state(transfer=request.token),
            },
        )

    async def resume(self, carrier_call_id: str, stream_url: str, token: str, time_limit: int) -> Response:
        # The call stayed up while the owner's phone rang; a new stream (actions/streaming_start).
        await self._command(
            carrier_call_id,
            "streaming_start",
            {
                "client_state": _state(token=token),
                "stream_url": stream_url,
                "stream_track": "inbound_track",
                "stream_bidirectional_mode": "rtp",
                "stream_bidirectional_codec": "PCMU",
            },
        )
        return PlainTextResponse("ok")


class TelnyxCodec(MediaCodec):
    """Telnyx's media-stream JSON; the token rides in `client_state` on the start message."""

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
                token = _read_state(start.get("client_state")).get("token")
                return StreamStarted(str(start["call_control_id"]), str(message["stream_id"]), token)
            if event == "mark":
                return MarkPlayed(str(message["mark"]["name"]))
            if event == "dtmf":
                return DtmfReceived(str(message["dtmf"]["digit"]))
            if event == "stop":
                return StreamStopped()
            if event in ("connected", "error"):
                return Ignored()
        except (KeyError, TypeError, AttributeError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise MediaProtocolError(f"malformed {event} message: {exc.__class__.__name__}") from None
        raise MediaProtocolError(f"unknown event {event!r}")

    def media(self, stream_id: str, payload: bytes) -> str:
        return json.dumps({"event": "media", "media": {"payload": base64.b64encode(payload).decode()}})

    def mark(self, stream_id: str, name: str) -> str:
        return json.dumps({"event": "mark", "mark": {"name": name}})

    def clear(self, stream_id: str) -> str:
        return json.dumps({"event": "clear"})


def _build(config: VoiceCallConfig, host: Host) -> Carrier:
    control = TelnyxControl(
        api_base_url=config.telnyx.api_base_url,
        api_key=secret(host, SETUP.credentials[0]),
        connection_id=config_value(config, "telnyx.connectionId"),
    )
    return Carrier(
        name="telnyx", codec=TelnyxCodec(), webhooks=TelnyxWebhooks(config_value(config, "telnyx.publicKey")), control=control
    )


def _wiring(config: VoiceCallConfig, host: Host) -> TelnyxWiring:
    return TelnyxWiring(
        config.telnyx.api_base_url,
        config.phone_number or "",
        secret(host, SETUP.credentials[0]),
        config_value(config, "telnyx.connectionId"),
    )


SETUP = CarrierSetup(
    name="telnyx",
    title="Telnyx",
    credentials=(
        Credential("api_key", "API key", "telnyx.apiKeyRef", "voice_call.telnyx.api_key", validation.telnyx_api_key),
        Credential("connection_id", "connection id", "telnyx.connectionId"),
        Credential("public_key", "public key", "telnyx.publicKey"),
    ),
    example="Telnyx API key is KEY..., connection id is 1494404757140276705, public key is ..., my number is +15550001234",
    build=_build,
    wiring=_wiring,
)

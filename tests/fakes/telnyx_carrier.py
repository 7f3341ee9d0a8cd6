"""A fake Telnyx (Call Control v2): Ed25519-signed JSON webhooks, REST commands, media WebSocket.

- Webhooks: `{"data": {"record_type": "event", "id", "event_type", "occurred_at", "payload"}}`, signed with
  Ed25519 over `f"{timestamp}|{raw body}"` in `telnyx-signature-ed25519` / `telnyx-timestamp`.
- An inbound call waits for `POST /v2/calls/{id}/actions/answer` (Bearer API key) with the stream fields
  inline; `actions/reject` and `actions/hangup` end it; a hangup of an ended call is 422 with error 90018.
- Media: `connected`, `start` (stream_id at top level, `client_state` as given to answer), `media`
  (string sequence numbers and chunks); accepts `media` / `mark` / `clear` from the server.
- `actions/transfer` (telnyx/types/calls/action_transfer_params.py; "Transfer call" page): rings `to`,
  plays `audio_url` to them on answer, then bridges. The new leg's events (call.initiated,
  call.answered, call.bridged, call.hangup) carry `target_leg_client_state` and go to `webhook_url`.
  If the transfer fails, a call.hangup for the new leg says so and the original call stays up for
  further commands (`actions/streaming_start` streams it again). The document does not say what
  happens to the original call's stream during a transfer: this fake keeps it open (our server
  closes it), and the new stream's `start` carries the client_state given to streaming_start.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from datetime import UTC, datetime

import httpx
from nacl.signing import SigningKey
from starlette.responses import JSONResponse

from tests.fakes.carrier import Dial, FakeCarrier, Ring, Transfer
from tests.fakes.media import FakeMediaCall, b64
from tests.fakes.numbers import TelnyxNumbers

CONNECTION_ID = "1494404757140276705"


class TelnyxMediaCall(FakeMediaCall):
    def __init__(self, ws_url: str, call_control_id: str, client_state: str | None) -> None:
        super().__init__(ws_url)
        self.call_control_id, self.client_state = call_control_id, client_state
        self.stream_id = str(uuid.uuid4())

    def opening(self) -> list[dict]:
        return [
            {"event": "connected", "version": "1.0.0"},
            {
                "event": "start",
                "sequence_number": str(self.next_seq()),
                "stream_id": self.stream_id,
                "start": {
                    "call_control_id": self.call_control_id,
                    "call_session_id": str(uuid.uuid4()),
                    "from": "",
                    "to": "",
                    "client_state": self.client_state,
                    "custom_parameters": {},
                    "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
                },
            },
        ]

    def media_message(self, frame: bytes, chunk: int) -> dict:
        return {
            "event": "media",
            "sequence_number": str(self.next_seq()),
            "stream_id": self.stream_id,
            "media": {"track": "inbound", "chunk": str(chunk), "timestamp": str(chunk * 20), "payload": b64(frame)},
        }

    def mark_echo(self, name: str) -> dict:
        return {"event": "mark", "sequence_number": str(self.next_seq()), "stream_id": self.stream_id, "mark": {"name": name}}

    def dtmf_message(self, digit: str) -> dict:
        # The media stream's "dtmf" event (Telnyx media streaming: event, stream_id, occurred_at, dtmf.digit).
        return {
            "event": "dtmf",
            "sequence_number": str(self.next_seq()),
            "stream_id": self.stream_id,
            "occurred_at": datetime.now(UTC).isoformat(),
            "dtmf": {"digit": digit},
        }

    def closing(self) -> dict:
        return {
            "event": "stop",
            "sequence_number": str(self.next_seq()),
            "stream_id": self.stream_id,
            "stop": {"call_control_id": self.call_control_id},
        }

    def classify(self, message: dict) -> tuple[str, object]:
        event = message["event"]
        if event == "media":
            return "media", base64.b64decode(message["media"]["payload"])
        if event == "mark":
            return "mark", message["mark"]["name"]
        if event == "clear":
            return "clear", None
        raise AssertionError(f"Telnyx does not accept {event!r} from the server")


class FakeTelnyx(FakeCarrier):
    name = "telnyx"

    def __init__(self, gateway_url: str, public_url: str, api_key: str) -> None:
        self.api_key = api_key
        super().__init__(gateway_url, public_url)
        self.signing_key = SigningKey.generate()
        self.public_key = base64.b64encode(bytes(self.signing_key.verify_key)).decode()
        self.commands: list[tuple[str, str, dict]] = []  # (call id, action, body)

    def settings(self) -> tuple[dict, dict]:
        return (
            {
                "provider": "telnyx",
                "telnyx.connectionId": CONNECTION_ID,
                "telnyx.publicKey": self.public_key,
                "telnyx.apiBaseUrl": self.rest.url,
                "telnyx.apiKeyRef": "voice_call.telnyx.api_key",
            },
            {"voice_call.telnyx.api_key": self.api_key},
        )

    def make_numbers(self) -> TelnyxNumbers:
        return TelnyxNumbers(CONNECTION_ID)

    def check_auth(self, request):
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"errors": [{"code": "10009", "title": "Authentication failed"}]}, status_code=401)
        return None

    async def handle_rest(self, call, request):
        parts = call.path.strip("/").split("/")
        if request.method == "POST" and parts == ["v2", "calls"]:
            body = json.loads(call.body)
            for required in ("connection_id", "to", "from", "stream_url", "webhook_url", "client_state"):
                assert required in body, f"POST /v2/calls needs {required}"
            assert body["stream_bidirectional_mode"] == "rtp" and body["stream_bidirectional_codec"] == "PCMU", body
            call_id = "v3:" + uuid.uuid4().hex
            self.dials.append(Dial(call_id, body["to"], body["from"], body))
            return JSONResponse(
                {
                    "data": {
                        "call_control_id": call_id,
                        "call_leg_id": str(uuid.uuid4()),
                        "call_session_id": str(uuid.uuid4()),
                        "is_alive": False,
                        "record_type": "call",
                    }
                }
            )
        if len(parts) != 5 or parts[:2] != ["v2", "calls"] or parts[3] != "actions":
            return JSONResponse({"errors": [{"code": "10005", "title": "Resource not found"}]}, status_code=404)
        call_id, action = parts[2], parts[4]
        body = json.loads(call.body or b"{}")
        assert "command_id" in body, "commands carry a command_id"
        if call_id in self.ended:
            return JSONResponse({"errors": [{"code": "90018", "title": "Call has already ended"}]}, status_code=422)
        if action == "answer":
            assert body["stream_bidirectional_mode"] == "rtp" and body["stream_bidirectional_codec"] == "PCMU", body
            assert body["stream_url"].startswith("wss://"), body
        if action in ("reject", "hangup"):
            self.ended.add(call_id)
        if action == "transfer":
            for required in ("to", "from", "audio_url", "webhook_url", "target_leg_client_state"):
                assert required in body, f"the transfer the server asks for needs {required}"
            self.transfers.append(Transfer(call_id, body["to"], body["from"], body))
        if action == "send_dtmf":
            # "Send DTMF" (telnyx/types/calls/action_send_dtmf_params.py): digits 0-9, A-D, * and #, w
            # and W pauses; duration_millis from 100 to 500.
            assert re.fullmatch(r"[0-9A-D*#wW]+", body.get("digits", "")), body
            assert 100 <= body.get("duration_millis", 250) <= 500, body
            self.keys_sent[call_id] = self.keys_sent.get(call_id, "") + body["digits"].replace("w", "").replace("W", "")
        if action == "streaming_start":
            assert body["stream_url"].startswith("wss://") and body["stream_bidirectional_codec"] == "PCMU", body
        self.commands.append((call_id, action, body))
        return JSONResponse({"data": {"result": "ok"}})

    def _signed(self, body: bytes, key: SigningKey | None = None, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = (key or self.signing_key).sign(f"{ts}|".encode() + body).signature
        return {
            "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
            "telnyx-timestamp": ts,
            "Content-Type": "application/json",
        }

    def event(self, event_type: str, call_id: str, caller: str, callee: str, **payload) -> bytes:
        return json.dumps(
            {
                "data": {
                    "record_type": "event",
                    "id": str(uuid.uuid4()),
                    "event_type": event_type,
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "payload": {
                        "call_control_id": call_id,
                        "call_leg_id": str(uuid.uuid4()),
                        "call_session_id": str(uuid.uuid4()),
                        "client_state": None,
                        "connection_id": "1494404757140276705",
                        "from": caller,
                        "to": callee,
                        "direction": "incoming",
                        "state": "parked",
                        **payload,
                    },
                },
                "meta": {"attempt": 1, "delivered_to": self.public_url + "/voice/telnyx/webhook"},
            }
        ).encode()

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(self.local(self.public_url + "/voice/telnyx/webhook"), content=body, headers=headers, timeout=30)

    def ring(self, caller: str, callee: str) -> Ring:
        call_id = "v3:" + uuid.uuid4().hex
        body = self.event("call.initiated", call_id, caller, callee)
        response = self.post(body, self._signed(body))
        ring = Ring(call_id, response.status_code, response.text)
        for cid, action, command in self.commands:
            if cid != call_id:
                continue
            if action == "answer":
                ring.stream_url, ring.extra = command["stream_url"], {"client_state": command.get("client_state")}
            elif action == "reject":
                ring.rejected = "busy" if command.get("cause") == "USER_BUSY" else "rejected"
        return ring

    def media_call(self, ring: Ring) -> TelnyxMediaCall:
        assert ring.stream_url, ring.body
        call = TelnyxMediaCall(self.local(ring.stream_url), ring.call_id, ring.extra.get("client_state"))
        self.streams[ring.call_id] = call
        return call

    def post_forged(self, caller: str, callee: str, how: str) -> httpx.Response:
        body = self.event("call.initiated", "v3:" + uuid.uuid4().hex, caller, callee)
        if how == "unsigned":
            return self.post(body, {"Content-Type": "application/json"})
        if how == "stale":
            return self.post(body, self._signed(body, timestamp=int(time.time()) - 600))
        return self.post(body, self._signed(body, key=SigningKey.generate()))

    def report_hangup(self, ring: Ring) -> int:
        body = self.event("call.hangup", ring.call_id, "", "", hangup_cause="normal_clearing", hangup_source="caller")
        self.ended.add(ring.call_id)
        return self.post(body, self._signed(body)).status_code

    def keys_heard(self, call) -> str:
        return self.keys_sent.get(call.call_control_id, "")

    def hung_up_by_rest(self) -> list[str]:
        return [cid for cid, action, _ in self.commands if action == "hangup"]

    def _outbound_event(self, dial: Dial, event_type: str, **payload) -> int:
        body = self.event(
            event_type, dial.call_id, dial.from_, dial.to, direction="outgoing", client_state=dial.body["client_state"], **payload
        )
        url = dial.body["webhook_url"]
        return httpx.post(self.local(url), content=body, headers=self._signed(body), timeout=30).status_code

    def answer_outbound(self, dial: Dial, machine_greeting: bytes | None = None) -> TelnyxMediaCall:
        # Detection runs while the call and its stream go on; results come as webhooks
        # (Answering Machine Detection tutorial; telnyx/types/call_machine_*_ended.py):
        # detect -> call.machine.detection.ended (human|machine|not_sure); greeting_end and
        # detect_beep add call.machine.greeting.ended (beep_detected|ended|not_sure).
        assert self._outbound_event(dial, "call.answered") == 200
        call = TelnyxMediaCall(self.local(dial.body["stream_url"]), dial.call_id, dial.body["client_state"])
        call.machine_greeting = machine_greeting
        mode = dial.body.get("answering_machine_detection", "disabled")
        if mode == "disabled":
            return call
        result = "machine" if machine_greeting is not None else "human"
        self.later(self.DETECTION_SECONDS, lambda: self._outbound_event(dial, "call.machine.detection.ended", result=result))
        if machine_greeting is not None and mode in ("greeting_end", "detect_beep", "detect_words"):
            call.on_beep = lambda: self._outbound_event(dial, "call.machine.greeting.ended", result="beep_detected")
        return call

    def outbound_status(self, dial: Dial, outcome: str) -> int:
        self.ended.add(dial.call_id)
        cause = {"busy": "user_busy", "no-answer": "no_answer", "not-found": "not_found"}[outcome]
        return self._outbound_event(dial, "call.hangup", hangup_cause=cause, hangup_source="callee")

    def fail_stream(self, call_control_id: str, client_state: str | None) -> int:
        """The stream could not connect (telnyx/types/call_streaming_failed.py); the call stays up."""
        body = self.event(
            "streaming.failed",
            call_control_id,
            "",
            "",
            client_state=client_state,
            failure_reason="connection refused",
            stream_id=str(uuid.uuid4()),
            stream_type="websocket",
        )
        return self.post(body, self._signed(body)).status_code

    # -- putting a call through --------------------------------------------------------------------

    def _leg_event(self, transfer: Transfer, event_type: str, **payload) -> int:
        leg = transfer.extra.setdefault("leg", "v3:" + uuid.uuid4().hex)
        body = self.event(
            event_type,
            leg,
            transfer.caller_id,
            transfer.to,
            direction="outgoing",
            client_state=transfer.body["target_leg_client_state"],
            **payload,
        )
        url = transfer.body["webhook_url"]
        return httpx.post(self.local(url), content=body, headers=self._signed(body), timeout=30).status_code

    def owner_answers(self, transfer: Transfer) -> bytes:
        assert self._leg_event(transfer, "call.answered") == 200
        audio = httpx.get(self.local(transfer.body["audio_url"]), timeout=60)
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav", audio.text[:200]
        transfer.whisper = audio.content
        assert self._leg_event(transfer, "call.bridged") == 200
        return audio.content

    def caller_hangs_up_while_owner_rings(self, transfer: Transfer, caller_reported_first: bool) -> None:
        """The caller hangs up while the owner's phone rings: Telnyx ends the caller's leg
        (call.hangup, hangup_source caller) and cancels the owner's (call.hangup, originator_cancel).
        The two webhooks are separate deliveries: the documents promise no order, so either comes first."""
        ring = Ring(transfer.call_id, 200, "")
        self.ended.add(transfer.call_id)
        if caller_reported_first:
            assert self.report_hangup(ring) == 200
        leg = self._leg_event(transfer, "call.hangup", hangup_cause="originator_cancel", hangup_source="caller")
        assert leg == 200
        if not caller_reported_first:
            assert self.report_hangup(ring) == 200

    def transfer_ends(self, transfer: Transfer, outcome: str) -> Ring | None:
        if outcome == "completed":
            assert self._leg_event(transfer, "call.hangup", hangup_cause="normal_clearing", hangup_source="callee") == 200
            self.report_hangup(Ring(transfer.call_id, 200, ""))
            return None
        cause = {"no-answer": "timeout", "busy": "user_busy"}[outcome]
        assert self._leg_event(transfer, "call.hangup", hangup_cause=cause, hangup_source="callee") == 200
        starts = [c for c in self.commands if c[0] == transfer.call_id and c[1] == "streaming_start"]
        assert starts, "the server did not stream the call again"
        command = starts[-1][2]
        ring = Ring(transfer.call_id, 200, "")
        ring.stream_url, ring.extra = command["stream_url"], {"client_state": command.get("client_state")}
        return ring

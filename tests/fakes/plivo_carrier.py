"""A fake Plivo: V3-signed form callbacks (signed with the plivo SDK's own helpers), `<Stream>` XML,
the audio stream JSON, and the REST API's hang-up.

- answer_url / hangup_url POSTs carry `X-Plivo-Signature-V3` and its nonce.
- `<Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000"
  extraHeaders="token=...">wss://...</Stream>` opens the socket; `start` carries `extra_headers`.
- Numbers are numbers (`sequenceNumber`, `chunk`); the server may send `playAudio`, `checkpoint`
  (answered by `playedStream`) and `clearAudio` (answered by `clearedAudio`). There is no stop
  event: a hangup closes the socket.
- REST: `DELETE /v1/Account/{auth_id}/Call/{uuid}/` (Basic auth): 204, or 404 once the call is gone.
- "Transfer a call": `POST /v1/Account/{auth_id}/Call/{uuid}/` with `legs=aleg` and `aleg_url`
  (202): Plivo fetches aleg_url (signed) and runs its XML instead of the stream, which closes.
  `<Dial>` rings its `<Number>` (digits); `confirmSound` XML plays to the answerer, who must press
  `confirmKey` to be connected; the `action` URL gets DialStatus (completed, busy, no-answer,
  timeout, failed) when the dial ends, and with `redirect="true"` the XML it returns runs next.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
import xml.etree.ElementTree as ET

import httpx
from plivo.utils.signature_v3 import construct_post_url, get_signature_v3
from starlette.responses import JSONResponse, Response

from tests.fakes.carrier import Dial, FakeCarrier, Ring, Transfer
from tests.fakes.media import FakeMediaCall, b64
from tests.fakes.numbers import PlivoNumbers


class PlivoMediaCall(FakeMediaCall):
    echo_marks_on_clear = False  # cleared audio never plays, so its checkpoints never answer

    def __init__(self, ws_url: str, auth_id: str, call_uuid: str, extra_headers: str) -> None:
        super().__init__(ws_url)
        self.auth_id, self.call_uuid, self.extra_headers = auth_id, call_uuid, extra_headers
        self.stream_id = str(uuid.uuid4())

    def opening(self) -> list[dict]:
        return [
            {
                "event": "start",
                "sequenceNumber": self.next_seq(),
                "start": {
                    "callId": self.call_uuid,
                    "streamId": self.stream_id,
                    "accountId": self.auth_id,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
                },
                "extra_headers": self.extra_headers,
            }
        ]

    def media_message(self, frame: bytes, chunk: int) -> dict:
        return {
            "event": "media",
            "sequenceNumber": self.next_seq(),
            "streamId": self.stream_id,
            "media": {"track": "inbound", "timestamp": str(chunk * 20), "chunk": chunk, "payload": b64(frame)},
        }

    def mark_echo(self, name: str) -> dict:
        return {"event": "playedStream", "sequenceNumber": self.next_seq(), "streamId": self.stream_id, "name": name}

    def dtmf_message(self, digit: str) -> dict:
        # The audio stream's dtmf event (Plivo stream SDKs: event, streamId, dtmf.digit, dtmf.track).
        return {
            "event": "dtmf",
            "sequenceNumber": self.next_seq(),
            "streamId": self.stream_id,
            "dtmf": {"digit": digit, "track": "inbound"},
        }

    def closing(self) -> None:
        return None

    async def on_clear(self) -> None:
        await self.send({"event": "clearedAudio", "sequenceNumber": self.next_seq(), "streamId": self.stream_id})

    def classify(self, message: dict) -> tuple[str, object]:
        event = message["event"]
        if event == "playAudio":
            media = message["media"]
            assert media["contentType"] == "audio/x-mulaw" and int(media["sampleRate"]) == 8000, media
            return "media", base64.b64decode(media["payload"])
        if event == "checkpoint":
            assert message["streamId"] == self.stream_id, message
            return "mark", message["name"]
        if event == "clearAudio":
            assert message["streamId"] == self.stream_id, message
            return "clear", None
        raise AssertionError(f"Plivo does not accept {event!r} from the server")


class FakePlivo(FakeCarrier):
    name = "plivo"

    def __init__(self, gateway_url: str, public_url: str, auth_id: str, auth_token: str) -> None:
        self.auth_id, self.auth_token = auth_id, auth_token
        super().__init__(gateway_url, public_url)
        self.rest_hangups: list[str] = []
        self.cancelled: list[str] = []

    def settings(self) -> tuple[dict, dict]:
        return (
            {
                "provider": "plivo",
                "plivo.authId": self.auth_id,
                "plivo.apiBaseUrl": self.rest.url,
                "plivo.authTokenRef": "voice_call.plivo.auth_token",
            },
            {"voice_call.plivo.auth_token": self.auth_token},
        )

    def make_numbers(self) -> PlivoNumbers:
        return PlivoNumbers(self.auth_id)

    def check_auth(self, request):
        expected = "Basic " + base64.b64encode(f"{self.auth_id}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "not authorized"}, status_code=401)
        return None

    async def handle_rest(self, call, request):
        prefix = f"/v1/Account/{self.auth_id}/Call/"
        if request.method == "POST" and call.path == prefix:
            body = json.loads(call.body)
            for required in ("from", "to", "answer_url", "hangup_url"):
                assert required in body, f"POST Call/ needs {required}"
            if body.get("machine_detection"):
                assert body.get("machine_detection_url"), "without machine_detection_url Plivo has nowhere to send the result"
            assert body["to"].isdigit() and body["from"].isdigit(), "Plivo numbers are digits without +"
            request_uuid = str(uuid.uuid4())
            self.dials.append(Dial(request_uuid, "+" + body["to"], "+" + body["from"], body))
            return JSONResponse(
                {"api_id": str(uuid.uuid4()), "message": "call fired", "request_uuid": request_uuid}, status_code=201
            )
        requests = f"/v1/Account/{self.auth_id}/Request/"
        if request.method == "DELETE" and call.path.startswith(requests):
            # "Cancel a queued call": only while the call has not been answered.
            request_uuid = call.path[len(requests) :].strip("/")
            if request_uuid not in {d.call_id for d in self.dials} or request_uuid in self.ended:
                return JSONResponse({"error": "request not found"}, status_code=404)
            self.ended.add(request_uuid)
            self.cancelled.append(request_uuid)
            return Response(status_code=204)
        if request.method == "POST" and call.path.startswith(prefix) and call.path.endswith("/DTMF/"):
            # "Send digits" (plivo-python CallInterface.send_digits: POST Call/{uuid}/DTMF/, digits and
            # leg aleg|bleg); 202 when the call is live, 404 when it has ended.
            call_uuid = call.path[len(prefix) : -len("/DTMF/")]
            body = json.loads(call.body)
            assert re.fullmatch(r"[0-9*#wW]+", body.get("digits", "")) and body.get("leg", "aleg") in ("aleg", "bleg"), body
            if call_uuid in self.ended:
                return JSONResponse({"error": "call not found"}, status_code=404)
            self.keys_sent[call_uuid] = self.keys_sent.get(call_uuid, "") + body["digits"].replace("w", "").replace("W", "")
            return JSONResponse({"api_id": str(uuid.uuid4()), "message": "digits sent"}, status_code=202)
        if request.method == "POST" and call.path.startswith(prefix) and call.path != prefix:
            call_uuid = call.path[len(prefix) :].strip("/")
            body = json.loads(call.body)
            assert body.get("legs") == "aleg" and body.get("aleg_url"), body
            if call_uuid in self.ended:
                return JSONResponse({"error": "call not found"}, status_code=404)
            self.later(0.05, lambda: self._run_aleg_url(call_uuid, body["aleg_url"]))
            return JSONResponse({"api_id": str(uuid.uuid4()), "message": "call transferred"}, status_code=202)
        if request.method == "DELETE" and call.path.startswith(prefix):
            call_uuid = call.path[len(prefix) :].strip("/")
            if call_uuid in self.ended:
                return JSONResponse({"error": "call not found"}, status_code=404)
            self.ended.add(call_uuid)
            self.rest_hangups.append(call_uuid)
            return Response(status_code=204)
        return JSONResponse({"error": "not found"}, status_code=404)

    def signed_post(self, path: str, params: dict[str, str], token: str | None = None, sign: bool = True) -> httpx.Response:
        url = self.public_url + path
        nonce = secrets.token_hex(10)
        headers = {}
        if sign:
            base = construct_post_url(url, params).decode()
            signature = get_signature_v3((token or self.auth_token).encode(), base, nonce.encode()).decode()
            headers = {"X-Plivo-Signature-V3": signature, "X-Plivo-Signature-V3-Nonce": nonce}
        return httpx.post(self.local(url), data=params, headers=headers, timeout=30)

    def call_params(self, caller: str, callee: str, call_uuid: str, status: str = "ringing") -> dict[str, str]:
        return {
            "CallUUID": call_uuid,
            "From": caller.lstrip("+"),
            "To": callee.lstrip("+"),
            "CallStatus": status,
            "Direction": "inbound",
            "ALegUUID": call_uuid,
            "ALegRequestUUID": str(uuid.uuid4()),
            "Event": "StartApp",
        }

    def ring(self, caller: str, callee: str) -> Ring:
        call_uuid = str(uuid.uuid4())
        response = self.signed_post("/voice/plivo/webhook", self.call_params(caller, callee, call_uuid))
        ring = Ring(call_uuid, response.status_code, response.text)
        if response.status_code == 200:
            root = ET.fromstring(response.text)
            assert root.tag == "Response", response.text
            for element in root:
                if element.tag == "Stream":
                    assert element.get("bidirectional") == "true" and element.get("keepCallAlive") == "true", response.text
                    assert element.get("contentType") == "audio/x-mulaw;rate=8000", response.text
                    ring.stream_url = (element.text or "").strip()
                    ring.extra = {"extra_headers": element.get("extraHeaders", "")}
                elif element.tag == "Hangup":
                    ring.rejected = element.get("reason", "rejected")
                else:
                    raise AssertionError(f"unexpected Plivo XML element {element.tag}")
        return ring

    def media_call(self, ring: Ring) -> PlivoMediaCall:
        assert ring.stream_url and ring.stream_url.startswith("wss://"), ring.body
        call = PlivoMediaCall(self.local(ring.stream_url), self.auth_id, ring.call_id, ring.extra["extra_headers"])
        self.streams[ring.call_id] = call
        return call

    def post_forged(self, caller: str, callee: str, how: str) -> httpx.Response:
        params = self.call_params(caller, callee, str(uuid.uuid4()))
        if how == "unsigned":
            return self.signed_post("/voice/plivo/webhook", params, sign=False)
        return self.signed_post("/voice/plivo/webhook", params, token="X" * 40)

    def report_hangup(self, ring: Ring) -> int:
        params = {
            **self.call_params("", "", ring.call_id, status="completed"),
            "HangupCause": "NORMAL_CLEARING",
            "Duration": "12",
            "BillDuration": "60",
            "Event": "Hangup",
        }
        self.ended.add(ring.call_id)
        return self.signed_post("/voice/plivo/status", params).status_code

    def keys_heard(self, call) -> str:
        return self.keys_sent.get(call.call_uuid, "")

    def hung_up_by_rest(self) -> list[str]:
        return list(self.rest_hangups)

    def post_to(self, url: str, params: dict[str, str]) -> httpx.Response:
        nonce = secrets.token_hex(10)
        signature = get_signature_v3(self.auth_token.encode(), construct_post_url(url, params).decode(), nonce.encode()).decode()
        return httpx.post(
            self.local(url),
            data=params,
            headers={"X-Plivo-Signature-V3": signature, "X-Plivo-Signature-V3-Nonce": nonce},
            timeout=30,
        )

    def answer_outbound(self, dial: Dial, machine_greeting: bytes | None = None) -> PlivoMediaCall:
        call_uuid = str(uuid.uuid4())
        dial.extra["call_uuid"] = call_uuid
        params = {
            "CallUUID": call_uuid,
            "From": dial.from_.lstrip("+"),
            "To": dial.to.lstrip("+"),
            "CallStatus": "in-progress",
            "Direction": "outbound",
            "RequestUUID": dial.call_id,
            "Event": "StartApp",
        }
        response = self.post_to(dial.body["answer_url"], params)
        assert response.status_code == 200, response.text
        stream = ET.fromstring(response.text).find("Stream")
        assert stream is not None and stream.get("contentType") == "audio/x-mulaw;rate=8000", response.text
        call = PlivoMediaCall(self.local(stream.text.strip()), self.auth_id, call_uuid, stream.get("extraHeaders", ""))
        call.machine_greeting = machine_greeting
        if dial.body.get("machine_detection") in ("true", "hangup"):
            # Detection is asynchronous: its result is a request to machine_detection_url with
            # Machine=true|false and Event=MachineDetection (Plivo "Make a call", machine detection).
            # Plivo does not report the end of a machine's greeting.
            result = {**params, "Machine": "true" if machine_greeting is not None else "false", "Event": "MachineDetection"}
            self.later(self.DETECTION_SECONDS, lambda: self.post_to(dial.body["machine_detection_url"], result))
        return call

    def outbound_status(self, dial: Dial, outcome: str) -> int:
        params = {
            "CallUUID": str(uuid.uuid4()),
            "From": dial.from_.lstrip("+"),
            "To": dial.to.lstrip("+"),
            "CallStatus": {"not-found": "failed"}.get(outcome, outcome),
            "Direction": "outbound",
            "RequestUUID": dial.call_id,
            "HangupCause": {"busy": "USER_BUSY", "no-answer": "NO_ANSWER", "not-found": "UNALLOCATED_NUMBER"}[outcome],
            "Duration": "0",
            "BillDuration": "0",
        }
        return self.post_to(dial.body["hangup_url"], params).status_code

    # -- putting a call through --------------------------------------------------------------------

    def _run_aleg_url(self, call_uuid: str, url: str) -> None:
        response = self.post_to(url, {**self.call_params("", "", call_uuid, status="in-progress"), "Event": "Redirect"})
        assert response.status_code == 200, response.text
        dial = ET.fromstring(response.text).find("Dial")
        assert dial is not None, response.text
        number = dial.find("Number")
        assert number is not None and (number.text or "").strip().isdigit(), "Plivo numbers are digits without +"
        body = {k: dial.get(k) for k in ("action", "timeout", "callerId", "confirmSound", "confirmKey", "redirect")}
        self.end_stream(call_uuid)
        self.transfers.append(Transfer(call_uuid, "+" + number.text.strip(), body["callerId"] or "", body))

    def owner_answers(self, transfer: Transfer) -> bytes:
        leg = str(uuid.uuid4())
        transfer.extra["leg"] = leg
        params = {**self.call_params(transfer.caller_id, transfer.to, leg, status="in-progress"), "Direction": "outbound"}
        response = self.post_to(transfer.body["confirmSound"], params)
        assert response.status_code == 200, response.text
        whisper = self.play_whisper(transfer, response.text)
        assert transfer.body["confirmKey"] == "1"  # the owner presses it and is connected
        return whisper

    def transfer_ends(self, transfer: Transfer, outcome: str) -> Ring | None:
        params = {
            **self.call_params("", "", transfer.call_id, status="in-progress"),
            "DialStatus": outcome,
            "DialALegUUID": transfer.call_id,
            "DialBLegUUID": transfer.extra.get("leg", str(uuid.uuid4())),
            "Event": "DialAction",
        }
        response = self.post_to(transfer.body["action"], params)
        assert response.status_code == 200, response.text
        root = ET.fromstring(response.text)
        ring = Ring(transfer.call_id, 200, response.text)
        stream = root.find("Stream")
        if stream is not None:
            ring.stream_url = (stream.text or "").strip()
            ring.extra = {"extra_headers": stream.get("extraHeaders", "")}
            return ring
        assert root.find("Hangup") is not None, response.text
        self.report_hangup(ring)
        return None

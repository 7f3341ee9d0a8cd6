"""A fake Twilio: signed form webhooks (the SDK's RequestValidator), TwiML, Media Streams, REST.

- Webhooks are signed exactly as Twilio signs them, over the public URL.
- `<Connect><Stream>` opens the media socket with the `<Parameter>`s in `start.customParameters`;
  sequence numbers, chunks and timestamps are strings, as Twilio sends them.
- Marks are echoed when reached, and at once after a `clear`. Only `media`, `mark`, `clear` are accepted.
- REST: `POST /2010-04-01/Accounts/{sid}/Calls/{CallSid}.json` with `Status=completed` (Basic auth);
  404 with code 20404 once the call is gone. With `Twiml` it replaces the call's instructions (Call
  resource, "Update a Call"): the media stream stops, and a `<Dial>` rings its `<Number>`, whose
  `url` TwiML is played to the answerer before connecting; the `<Dial action>` URL (absolute, error
  15004 otherwise) gets DialCallStatus / DialCallSid / DialCallDuration when the dial ends, and the
  TwiML it returns runs on the caller's call (https://www.twilio.com/docs/voice/twiml/dial#action).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import xml.etree.ElementTree as ET
from concurrent.futures import Future
from urllib.parse import parse_qs

import httpx
from starlette.responses import JSONResponse
from twilio.request_validator import RequestValidator

from tests.fakes.carrier import Dial, FakeCarrier, Ring, Transfer
from tests.fakes.media import FakeMediaCall, b64
from tests.fakes.numbers import TwilioNumbers


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


class TwilioMediaCall(FakeMediaCall):
    def __init__(self, ws_url: str, account_sid: str, call_sid: str, parameters: dict[str, str]) -> None:
        super().__init__(ws_url)
        self.account_sid, self.call_sid, self.parameters = account_sid, call_sid, parameters
        self.stream_sid = new_sid("MZ")

    def opening(self) -> list[dict]:
        return [
            {"event": "connected", "protocol": "Call", "version": "1.0.0"},
            {
                "event": "start",
                "sequenceNumber": str(self.next_seq()),
                "streamSid": self.stream_sid,
                "start": {
                    "streamSid": self.stream_sid,
                    "accountSid": self.account_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": self.parameters,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            },
        ]

    def media_message(self, frame: bytes, chunk: int) -> dict:
        return {
            "event": "media",
            "sequenceNumber": str(self.next_seq()),
            "streamSid": self.stream_sid,
            "media": {"track": "inbound", "chunk": str(chunk), "timestamp": str(chunk * 20), "payload": b64(frame)},
        }

    def dtmf_message(self, digit: str) -> dict:
        # Twilio's "dtmf" message (Media Streams, bidirectional only): the key pressed, inbound track.
        return {
            "event": "dtmf",
            "streamSid": self.stream_sid,
            "sequenceNumber": str(self.next_seq()),
            "dtmf": {"track": "inbound_track", "digit": digit},
        }

    def mark_echo(self, name: str) -> dict:
        return {"event": "mark", "sequenceNumber": str(self.next_seq()), "streamSid": self.stream_sid, "mark": {"name": name}}

    def closing(self) -> dict:
        return {
            "event": "stop",
            "sequenceNumber": str(self.next_seq()),
            "streamSid": self.stream_sid,
            "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
        }

    def classify(self, message: dict) -> tuple[str, object]:
        assert message.get("streamSid") == self.stream_sid, message
        event = message["event"]
        if event == "media":
            return "media", base64.b64decode(message["media"]["payload"])
        if event == "mark":
            return "mark", message["mark"]["name"]
        if event == "clear":
            return "clear", None
        raise AssertionError(f"Twilio does not accept {event!r} from the server")


class FakeTwilio(FakeCarrier):
    name = "twilio"

    def __init__(self, gateway_url: str, public_url: str, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        super().__init__(gateway_url, public_url)
        self.validator = RequestValidator(auth_token)
        self.rest_hangups: list[str] = []

    def settings(self) -> tuple[dict, dict]:
        return (
            {
                "provider": "twilio",
                "twilio.accountSid": self.account_sid,
                "twilio.apiBaseUrl": self.rest.url,
                "twilio.authTokenRef": "voice_call.twilio.auth_token",
            },
            {"voice_call.twilio.auth_token": self.auth_token},
        )

    def make_numbers(self) -> TwilioNumbers:
        return TwilioNumbers(self.account_sid)

    def check_auth(self, request):
        if (
            request.headers.get("authorization")
            != "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        ):
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        return None

    async def handle_rest(self, call, request):
        if request.method == "POST" and call.path == f"/2010-04-01/Accounts/{self.account_sid}/Calls.json":
            form = parse_qs(call.body.decode())
            for required in ("To", "From", "Twiml", "StatusCallback"):
                assert required in form, f"Calls.json needs {required}"
            if form.get("AsyncAmd") == ["true"]:
                assert "AsyncAmdStatusCallback" in form, "AsyncAmd needs AsyncAmdStatusCallback (error 21262)"
                assert form["MachineDetection"][0] in ("Enable", "DetectMessageEnd"), form
            assert sorted(form["StatusCallbackEvent"]) == ["answered", "completed", "initiated", "ringing"], form
            stream = ET.fromstring(form["Twiml"][0]).find("Connect/Stream")
            sid = new_sid("CA")
            self.dials.append(
                Dial(
                    sid,
                    form["To"][0],
                    form["From"][0],
                    {k: v[0] for k, v in form.items()},
                    {
                        "stream_url": stream.get("url"),
                        "parameters": {p.get("name"): p.get("value") for p in stream.findall("Parameter")},
                    },
                )
            )
            return JSONResponse({"sid": sid, "status": "queued", "to": form["To"][0]}, status_code=201)
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/Calls/"
        if request.method == "POST" and call.path.startswith(prefix) and call.path.endswith(".json"):
            sid = call.path[len(prefix) : -len(".json")]
            form = parse_qs(call.body.decode())
            if sid in self.ended:
                return JSONResponse(
                    {"code": 20404, "message": "The requested resource was not found", "status": 404}, status_code=404
                )
            if form.get("Status") in (["completed"], ["canceled"]):
                self.ended.add(sid)
                self.rest_hangups.append(sid)
            if "Twiml" in form:
                stopped = self._new_instructions(sid, form["Twiml"][0])
                if stopped is not None:
                    # The new instructions run at once: the stream's stop reaches the server before
                    # this answer does (the order the server must cope with; Plivo's fake does the other).
                    await asyncio.wrap_future(stopped)
                return JSONResponse({"sid": sid, "status": "in-progress"})
            return JSONResponse({"sid": sid, "status": "completed"})
        return JSONResponse({"code": 20404, "message": "not found", "status": 404}, status_code=404)

    def signed_post(
        self, path: str, params: dict[str, str], signature: str | None = None, body: bytes | None = None
    ) -> httpx.Response:
        url = self.public_url + path
        sig = self.validator.compute_signature(url, params) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        if body is None:
            return httpx.post(self.local(url), data=params, headers=headers, timeout=30)
        return httpx.post(
            self.local(url), content=body, headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}, timeout=30
        )

    def call_params(self, caller: str, callee: str, call_sid: str | None = None, status: str = "ringing") -> dict[str, str]:
        return {
            "CallSid": call_sid or new_sid("CA"),
            "AccountSid": self.account_sid,
            "From": caller,
            "To": callee,
            "CallStatus": status,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "CallerName": "",
        }

    def ring(self, caller: str, callee: str, **kwargs) -> Ring:
        params = self.call_params(caller, callee, **kwargs)
        response = self.signed_post("/voice/twilio/webhook", params)
        ring = Ring(params["CallSid"], response.status_code, response.text)
        if response.status_code == 200:
            root = ET.fromstring(response.text)
            assert root.tag == "Response", response.text
            for verb in root:
                if verb.tag == "Connect":
                    stream = verb.find("Stream")
                    ring.stream_url = stream.get("url")
                    ring.extra = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
                elif verb.tag == "Reject":
                    ring.rejected = verb.get("reason", "rejected")
                else:
                    raise AssertionError(f"unexpected TwiML verb {verb.tag}")
        return ring

    def media_call(self, ring: Ring) -> TwilioMediaCall:
        assert ring.stream_url and ring.stream_url.startswith("wss://"), ring.body
        call = TwilioMediaCall(self.local(ring.stream_url), self.account_sid, ring.call_id, ring.extra)
        self.streams[ring.call_id] = call
        return call

    def post_forged(self, caller: str, callee: str, how: str) -> httpx.Response:
        params = self.call_params(caller, callee)
        if how == "unsigned":
            return self.signed_post("/voice/twilio/webhook", params, signature="")
        forged = RequestValidator("0" * 32).compute_signature(self.public_url + "/voice/twilio/webhook", params)
        return self.signed_post("/voice/twilio/webhook", params, signature=forged)

    def report_hangup(self, ring: Ring) -> int:
        params = {**self.call_params("", "", call_sid=ring.call_id, status="completed"), "CallbackSource": "call-progress-events"}
        return self.signed_post("/voice/twilio/status", params).status_code

    def hung_up_by_rest(self) -> list[str]:
        return list(self.rest_hangups)

    def keys_heard(self, call) -> str:
        """Twilio has no REST command that sends digits on a call with a bidirectional stream (the
        `<Play digits>` TwiML update would replace the `<Connect><Stream>`): keys arrive as tones in
        the audio, and the menu at the other end hears them there (ITU-T Q.23, tests/fakes/keypad.py)."""
        from .keypad import heard_keys

        return heard_keys(bytes(call.heard))

    def post_to(self, url: str, params: dict[str, str]) -> httpx.Response:
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, params)}
        return httpx.post(self.local(url), data=params, headers=headers, timeout=30)

    def _progress(self, dial: Dial, status: str, **extra: str) -> int:
        params = {
            **self.call_params(dial.from_, dial.to, call_sid=dial.call_id, status=status),
            "Direction": "outbound-api",
            "CallbackSource": "call-progress-events",
            **extra,
        }
        return self.post_to(dial.body["StatusCallback"], params).status_code

    def answer_outbound(self, dial: Dial, machine_greeting: bytes | None = None) -> TwilioMediaCall:
        # Status callbacks carry no AnsweredBy: with AsyncAmd the verdict goes to AsyncAmdStatusCallback
        # (CallSid, AccountSid, AnsweredBy, MachineDetectionDuration); without it, to the call's Url,
        # which inline Twiml does not have (warning 21262). https://www.twilio.com/docs/voice/answering-machine-detection
        assert self._progress(dial, "in-progress") == 200
        call = TwilioMediaCall(self.local(dial.extra["stream_url"]), self.account_sid, dial.call_id, dial.extra["parameters"])
        call.machine_greeting = machine_greeting
        mode = dial.body.get("MachineDetection")
        if mode is None:
            return call
        if dial.body.get("AsyncAmd") != "true":
            call.hold_seconds = 4.0  # synchronous AMD: Twilio listens in silence before running the Twiml
            return call
        callback = dial.body["AsyncAmdStatusCallback"]

        def verdict(answered_by: str) -> None:
            params = {
                "CallSid": dial.call_id,
                "AccountSid": self.account_sid,
                "AnsweredBy": answered_by,
                "MachineDetectionDuration": "1200",
            }
            self.post_to(callback, params)

        if machine_greeting is None:
            self.later(self.DETECTION_SECONDS, lambda: verdict("human"))
        elif mode == "Enable":
            self.later(self.DETECTION_SECONDS, lambda: verdict("machine_start"))
        else:  # DetectMessageEnd: a machine's verdict waits for the end of its greeting
            call.on_beep = lambda: verdict("machine_end_beep")
        return call

    def outbound_status(self, dial: Dial, outcome: str) -> int:
        self.ended.add(dial.call_id)
        return self._progress(dial, {"not-found": "failed"}.get(outcome, outcome))

    # -- putting a call through --------------------------------------------------------------------

    def _new_instructions(self, sid: str, twiml: str) -> Future[None] | None:
        root = ET.fromstring(twiml)
        assert root.tag == "Response", twiml
        dial = root.find("Dial")
        assert dial is not None, f"the fake only runs <Dial> on a live call: {twiml}"
        action = dial.get("action", "")
        assert action.startswith(("https://", "http://")), "action must be absolute when updating a live call (15004)"
        number = dial.find("Number")
        assert number is not None and (number.text or "").startswith("+"), twiml
        self.transfers.append(
            Transfer(
                sid,
                number.text.strip(),
                dial.get("callerId", ""),
                {"action": action, "timeout": dial.get("timeout"), "whisper_url": number.get("url")},
            )
        )
        return self.end_stream(sid)

    def owner_answers(self, transfer: Transfer, press: str | None = "1") -> bytes:
        """The owner picks up: Twilio runs the <Number url> TwiML on their leg. A <Gather> there
        (https://www.twilio.com/docs/voice/twiml/gather) plays its <Play> and posts the key pressed
        (`press`; None: none before the timeout, and the verbs after the <Gather> run) to its
        action; an empty document then joins the calls and a <Hangup> declines
        (`transfer.extra["joined"]`). A plain <Play> joins them once played."""
        child = new_sid("CA")
        transfer.extra["child"] = child
        params = {
            **self.call_params(transfer.caller_id, transfer.to, call_sid=child, status="in-progress"),
            "Direction": "outbound-dial",
            "ParentCallSid": transfer.call_id,
        }
        response = self.post_to(transfer.body["whisper_url"], params)
        assert response.status_code == 200, response.text
        root = ET.fromstring(response.text)
        gather = root.find("Gather")
        if gather is None:
            transfer.extra["joined"] = root.find("Hangup") is None
            return self.play_whisper(transfer, response.text)
        play = gather.find("Play")
        assert play is not None and gather.get("numDigits") == "1", response.text
        whisper = self.play_whisper(transfer, f"<Response>{ET.tostring(play, encoding='unicode')}</Response>")
        if press is None:
            after = list(root)[list(root).index(gather) + 1 :]
            transfer.extra["joined"] = not any(verb.tag == "Hangup" for verb in after)
            return whisper
        action = gather.get("action", "")
        assert action.startswith(("https://", "http://")), response.text
        chosen = self.post_to(action, {**params, "Digits": press})
        assert chosen.status_code == 200, chosen.text
        transfer.extra["joined"] = ET.fromstring(chosen.text).find("Hangup") is None
        return whisper

    def transfer_ends(self, transfer: Transfer, outcome: str, bridged: bool | None = None) -> Ring | None:
        """The <Dial action> request; `bridged` adds DialBridged ("false": the owner answered but
        hung up before the calls were joined, as during the whisper)."""
        params = {
            **self.call_params("", "", call_sid=transfer.call_id, status="in-progress"),
            "DialCallStatus": outcome,
            "DialCallSid": transfer.extra.get("child", new_sid("CA")),
            "DialCallDuration": "42" if outcome == "completed" and bridged is not False else "0",
        }
        if bridged is not None:
            params["DialBridged"] = "true" if bridged else "false"
        response = self.post_to(transfer.body["action"], params)
        assert response.status_code == 200, response.text
        ring = Ring(transfer.call_id, 200, response.text)
        root = ET.fromstring(response.text)
        stream = root.find("Connect/Stream")
        if stream is not None:
            ring.stream_url = stream.get("url")
            ring.extra = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
            return ring
        assert root.find("Hangup") is not None, response.text
        self.ended.add(transfer.call_id)
        self.report_hangup(ring)
        return None

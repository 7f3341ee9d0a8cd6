"""Putting a call through, on each carrier's own message shapes: what we send (TwiML <Dial> with
<Number url>, Telnyx actions/transfer, Plivo <Dial confirmSound confirmKey>) and how their reports
read (Twilio DialCallStatus, Telnyx events of the new leg, Plivo DialStatus). Sources are named in
the carrier modules and docs/carriers.md."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from plugins.voice_call.carriers.events import CallState, TransferRequest
from plugins.voice_call.carriers.plivo import PlivoControl, PlivoWebhooks
from plugins.voice_call.carriers.telnyx import TelnyxWebhooks, _state
from plugins.voice_call.carriers.twilio import TwilioControl, TwilioWebhooks
from tests.unit.payloads import CALL_SID, PLIVO_UUID

ACCOUNT = "AC" + "f" * 32
REQUEST = TransferRequest(
    to="+15550004321",
    caller_id="+15550001234",
    token="tok123",
    base_url="https://calls.example.com/voice/x",
    timeout_s=25,
)


def test_twilio_dial_reports() -> None:
    webhooks = TwilioWebhooks(ACCOUNT, "0" * 32)
    base = {"CallSid": CALL_SID, "AccountSid": ACCOUNT, "CallStatus": "in-progress", "Direction": "inbound"}
    for dial_status, state in [
        ("completed", CallState.COMPLETED),
        ("no-answer", CallState.NO_ANSWER),
        ("busy", CallState.BUSY),
        ("failed", CallState.FAILED),
        ("canceled", CallState.NO_ANSWER),
    ]:
        body = urlencode({**base, "DialCallStatus": dial_status, "DialCallDuration": "42"}).encode()
        event = webhooks.parse_webhook("status", body, {"transfer": "tok123", "step": "result"})
        assert (event.kind, event.transfer, event.transfer_step, event.status) == ("transfer", "tok123", "result", state)
    whisper = webhooks.parse_webhook("status", urlencode(base).encode(), {"transfer": "tok123", "step": "whisper"})
    assert whisper.transfer_step == "whisper"
    # The <Gather> action on the owner's leg: its form carries Digits.
    pressed = urlencode({**base, "Digits": "2"}).encode()
    choice = webhooks.parse_webhook("status", pressed, {"transfer": "tok123", "step": "choice"})
    assert (choice.transfer_step, choice.digits) == ("choice", "2")


def test_twilio_instructions() -> None:
    control = TwilioControl(api_base_url="http://127.0.0.1:9", account_sid=ACCOUNT, auth_token="0" * 32)
    whisper = ET.fromstring(bytes(control.transfer_instructions(REQUEST, "whisper").body))
    gather = whisper.find("Gather")  # the owner hears who is calling and chooses by key
    assert gather.find("Play").text == REQUEST.whisper_audio_url and gather.get("numDigits") == "1"
    assert gather.get("action").endswith("step=choice") and list(whisper)[-1].tag == "Hangup"  # no key: declined
    assert len(ET.fromstring(bytes(control.transfer_instructions(REQUEST, "choice", "1").body))) == 0  # joined
    for declined in ("2", "9", ""):
        assert ET.fromstring(bytes(control.transfer_instructions(REQUEST, "choice", declined).body)).find("Hangup") is not None
    assert ET.fromstring(bytes(control.transfer_over().body)).find("Hangup") is not None


def test_telnyx_new_leg_events_by_client_state_or_url() -> None:
    webhooks = TelnyxWebhooks("")

    def event(event_type: str, query: dict[str, str], client_state: str | None, **payload: str):
        body = {"data": {"id": "1", "event_type": event_type, "payload": {"call_control_id": "v3:leg", **payload}}}
        body["data"]["payload"]["client_state"] = client_state
        return webhooks.parse_webhook("status", json.dumps(body).encode(), query)

    tagged = _state(transfer="tok123")
    # The document does not say whether the new leg's events follow webhook_url: by either sign they are read.
    for query, state in [({"transfer": "tok123", "step": "result"}, tagged), ({}, tagged), ({"transfer": "tok123"}, None)]:
        bridged = event("call.bridged", query, state)
        assert (bridged.kind, bridged.transfer, bridged.status) == ("transfer", "tok123", CallState.IN_PROGRESS)
        missed = event("call.hangup", query, state, hangup_cause="timeout")
        assert missed.status == CallState.NO_ANSWER and "timeout" in missed.detail
        assert event("call.answered", query, state).kind == "ignored"  # the whisper is playing


def test_plivo_dial_instructions_and_reports() -> None:
    control = PlivoControl(api_base_url="http://127.0.0.1:9", auth_id="MA" + "A" * 18, auth_token="x" * 40)
    dial = ET.fromstring(bytes(control.transfer_instructions(REQUEST, "connect").body)).find("Dial")
    assert dial.get("action").endswith("step=result") and dial.get("confirmSound").endswith("step=whisper")
    assert dial.get("confirmKey") == "1" and dial.get("callerId") == "15550001234" and dial.find("Number").text == "15550004321"
    webhooks = PlivoWebhooks("x" * 40)
    base = {"CallUUID": PLIVO_UUID, "From": "15559876543", "To": "15550001234", "Direction": "inbound"}
    for dial_status, state in [("completed", CallState.COMPLETED), ("timeout", CallState.NO_ANSWER), ("busy", CallState.BUSY)]:
        body = urlencode({**base, "DialStatus": dial_status}).encode()
        event = webhooks.parse_webhook("status", body, {"transfer": "tok123", "step": "result"})
        assert (event.kind, event.transfer_step, event.status) == ("transfer", "result", state)
    connect = webhooks.parse_webhook("status", urlencode(base).encode(), {"transfer": "tok123", "step": "connect"})
    assert connect.transfer_step == "connect"

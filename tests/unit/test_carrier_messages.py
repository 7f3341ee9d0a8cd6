"""Each carrier's media codec and webhook parser on the carriers' own message shapes, with no I/O.

Payload shapes follow the carriers' documents, as compiled in ../shared/PROTOCOLS.md:
Twilio Media Streams ("Media Streams - WebSocket Messages"), Telnyx Media Streaming (its AsyncAPI
page "Stream call media over WebSocket"), Plivo Audio Streaming (its stream SDKs' event types).
Signatures are made with the carriers' SDKs (twilio RequestValidator, plivo signature_v3) or,
for Telnyx, with Ed25519 exactly as its SDK verifies it.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from nacl.signing import SigningKey
from plivo.utils.signature_v3 import construct_post_url, get_signature_v3
from twilio.request_validator import RequestValidator

from plugins.voice_call.carriers.events import (
    BadWebhook,
    CallState,
    DtmfReceived,
    Ignored,
    MarkPlayed,
    MediaProtocolError,
    MediaReceived,
    StreamStarted,
    StreamStopped,
    WebhookRejected,
)
from plugins.voice_call.carriers.plivo import PlivoCodec, PlivoWebhooks
from plugins.voice_call.carriers.telnyx import TelnyxCodec, TelnyxWebhooks, _state
from plugins.voice_call.carriers.twilio import TwilioCodec, TwilioWebhooks
from tests.values import PLIVO_TOKEN, TWILIO_SID, TWILIO_TOKEN

FRAME = bytes(range(160))  # one 20 ms frame of 8 kHz mu-law
PAYLOAD = base64.b64encode(FRAME).decode()
CALL_SID = "CA" + "0123456789abcdef" * 2
PLIVO_UUID = "d0b6b4c4-6b3e-4a58-9f44-3d1c9d6c2a11"


def frames(*messages: dict) -> list[str]:
    return [json.dumps(m) for m in messages]


# -- media codecs --------------------------------------------------------------------------------------


def test_twilio_media_stream_messages() -> None:
    codec = TwilioCodec()
    connected, start, media, mark, dtmf, stop = frames(
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": "MZ1",
            "start": {
                "streamSid": "MZ1",
                "accountSid": TWILIO_SID,
                "callSid": CALL_SID,
                "tracks": ["inbound"],
                "customParameters": {"token": "abc123"},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        },
        {
            "event": "media",
            "sequenceNumber": "3",
            "streamSid": "MZ1",
            "media": {"track": "inbound", "chunk": "2", "timestamp": "20", "payload": PAYLOAD},
        },
        {"event": "mark", "sequenceNumber": "4", "streamSid": "MZ1", "mark": {"name": "greeting"}},
        {"event": "dtmf", "streamSid": "MZ1", "sequenceNumber": "5", "dtmf": {"track": "inbound_track", "digit": "5"}},
        {"event": "stop", "sequenceNumber": "6", "streamSid": "MZ1", "stop": {"accountSid": TWILIO_SID, "callSid": CALL_SID}},
    )
    assert codec.parse_media(connected) == Ignored()
    assert codec.parse_media(start) == StreamStarted(CALL_SID, "MZ1", "abc123")
    assert codec.parse_media(media) == MediaReceived(FRAME, 2)
    assert codec.parse_media(mark) == MarkPlayed("greeting")
    assert codec.parse_media(dtmf) == DtmfReceived("5")
    assert codec.parse_media(stop) == StreamStopped()
    # Us to Twilio: only media, mark and clear, each naming the stream.
    assert json.loads(codec.media("MZ1", FRAME)) == {"event": "media", "streamSid": "MZ1", "media": {"payload": PAYLOAD}}
    assert json.loads(codec.mark("MZ1", "t1s0")) == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "t1s0"}}
    assert json.loads(codec.clear("MZ1")) == {"event": "clear", "streamSid": "MZ1"}


def test_telnyx_media_stream_messages() -> None:
    codec = TelnyxCodec()
    start, media, mark, dtmf, error, stop = frames(
        {
            "event": "start",
            "sequence_number": "1",
            "stream_id": "32de0dea",
            "start": {
                "call_control_id": "v3:abc",
                "call_session_id": "s1",
                "from": "+15559876543",
                "to": "+15550001234",
                "client_state": _state(token="tok9", ref=""),
                "custom_parameters": {},
                "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
            },
        },
        {
            "event": "media",
            "sequence_number": "4",
            "stream_id": "32de0dea",
            "media": {"track": "inbound", "chunk": "7", "timestamp": "140", "payload": PAYLOAD},
        },
        {"event": "mark", "sequence_number": "5", "stream_id": "32de0dea", "mark": {"name": "greeting"}},
        {"event": "dtmf", "stream_id": "32de0dea", "sequence_number": "6", "dtmf": {"digit": "#"}},
        {"event": "error", "sequence_number": "7", "stream_id": "32de0dea", "payload": {"code": 100002, "title": "x"}},
        {"event": "stop", "sequence_number": "8", "stream_id": "32de0dea", "stop": {"call_control_id": "v3:abc"}},
    )
    assert codec.parse_media(json.dumps({"event": "connected", "version": "1.0.0"})) == Ignored()
    assert codec.parse_media(start) == StreamStarted("v3:abc", "32de0dea", "tok9")
    assert codec.parse_media(media) == MediaReceived(FRAME, 7)
    assert codec.parse_media(mark) == MarkPlayed("greeting")
    assert codec.parse_media(dtmf) == DtmfReceived("#")
    assert codec.parse_media(error) == Ignored()
    assert codec.parse_media(stop) == StreamStopped()
    assert json.loads(codec.media("32de0dea", FRAME)) == {"event": "media", "media": {"payload": PAYLOAD}}
    assert json.loads(codec.mark("32de0dea", "m")) == {"event": "mark", "mark": {"name": "m"}}
    assert json.loads(codec.clear("32de0dea")) == {"event": "clear"}


@pytest.mark.parametrize("extra_headers", ["token=tok7", '{"token": "tok7"}', {"token": "tok7"}, "a=1,token=tok7"])
def test_plivo_audio_stream_messages(extra_headers) -> None:
    codec = PlivoCodec()
    start, media, played, cleared, dtmf, stop = frames(
        {
            "event": "start",
            "sequenceNumber": 1,
            "start": {
                "callId": PLIVO_UUID,
                "streamId": "st1",
                "accountId": "MA1",
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
            },
            "extra_headers": extra_headers,
        },
        {
            "event": "media",
            "sequenceNumber": 2,
            "streamId": "st1",
            "media": {"track": "inbound", "timestamp": "20", "chunk": 2, "payload": PAYLOAD},
        },
        {"event": "playedStream", "sequenceNumber": 3, "streamId": "st1", "name": "greeting"},
        {"event": "clearedAudio", "sequenceNumber": 4, "streamId": "st1"},
        {"event": "dtmf", "sequenceNumber": 5, "streamId": "st1", "dtmf": {"track": "inbound", "digit": "0"}},
        {"event": "stop", "sequenceNumber": 6, "streamId": "st1", "reason": "call ended"},
    )
    assert codec.parse_media(start) == StreamStarted(PLIVO_UUID, "st1", "tok7")
    assert codec.parse_media(media) == MediaReceived(FRAME, 2)
    assert codec.parse_media(played) == MarkPlayed("greeting")
    assert codec.parse_media(cleared) == Ignored()
    assert codec.parse_media(dtmf) == DtmfReceived("0")
    assert codec.parse_media(stop) == StreamStopped()
    assert json.loads(codec.media("st1", FRAME)) == {
        "event": "playAudio",
        "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": PAYLOAD},
    }
    assert json.loads(codec.mark("st1", "m")) == {"event": "checkpoint", "streamId": "st1", "name": "m"}
    assert json.loads(codec.clear("st1")) == {"event": "clearAudio", "streamId": "st1"}


@pytest.mark.parametrize("codec", [TwilioCodec(), TelnyxCodec(), PlivoCodec()], ids=["twilio", "telnyx", "plivo"])
@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"event": "media"}',
        '{"event": "media", "media": {"payload": "%%%"}}',
        '{"event": "start", "start": {}}',
        '{"event": "surprise"}',
        "null",
    ],
)
def test_malformed_media_messages_are_refused_with_a_reason(codec, text) -> None:
    with pytest.raises(MediaProtocolError):
        codec.parse_media(text)


# -- webhooks ------------------------------------------------------------------------------------------

URL = "https://calls.example.com/voice/twilio/webhook"


def test_twilio_webhook_signed_by_the_sdk_is_read() -> None:
    webhooks = TwilioWebhooks(TWILIO_SID, TWILIO_TOKEN)
    params = {
        "CallSid": CALL_SID,
        "AccountSid": TWILIO_SID,
        "From": "+15559876543",
        "To": "+15550001234",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    body = "&".join(f"{k}={v}" for k, v in params.items()).replace("+", "%2B").encode()
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(URL, params)
    webhooks.verify(URL, {"x-twilio-signature": signature}, body)
    event = webhooks.parse_webhook("webhook", body, {})
    assert (event.kind, event.carrier_call_id, event.from_number, event.status) == (
        "incoming",
        CALL_SID,
        "+15559876543",
        CallState.RINGING,
    )
    with pytest.raises(WebhookRejected):
        webhooks.verify(URL, {"x-twilio-signature": signature}, body.replace(b"ringing", b"completed"))
    with pytest.raises(WebhookRejected):
        webhooks.verify(URL, {}, body)
    with pytest.raises(BadWebhook):  # signed, but another account's
        TwilioWebhooks("AC" + "9" * 32, TWILIO_TOKEN).parse_webhook("webhook", body, {})


@pytest.mark.parametrize(
    ("status", "extra", "state"),
    [
        ("completed", {}, CallState.COMPLETED),
        ("busy", {}, CallState.BUSY),
        ("no-answer", {}, CallState.NO_ANSWER),
        ("canceled", {}, CallState.NO_ANSWER),
        ("failed", {}, CallState.FAILED),
        ("in-progress", {"AnsweredBy": "machine_start"}, CallState.IN_PROGRESS),  # not a status-callback field
    ],
)
def test_twilio_status_callbacks_map_to_call_states(status, extra, state) -> None:
    webhooks = TwilioWebhooks(TWILIO_SID, TWILIO_TOKEN)
    body = f"CallSid={CALL_SID}&AccountSid={TWILIO_SID}&CallStatus={status}&Direction=outbound-api".encode()
    body += "".join(f"&{k}={v}" for k, v in extra.items()).encode()
    event = webhooks.parse_webhook("status", body, {"ref": "ours"})
    assert (event.kind, event.status, event.direction, event.ref) == ("status", state, "outbound", "ours")


def test_telnyx_webhook_signed_with_ed25519_is_read() -> None:
    key = SigningKey.generate()
    webhooks = TelnyxWebhooks(base64.b64encode(bytes(key.verify_key)).decode())
    body = json.dumps(
        {
            "data": {
                "record_type": "event",
                "id": "e1",
                "event_type": "call.hangup",
                "payload": {
                    "call_control_id": "v3:abc",
                    "from": "+15559876543",
                    "to": "+15550001234",
                    "direction": "incoming",
                    "hangup_cause": "user_busy",
                    "client_state": _state(ref="r1"),
                },
            }
        }
    ).encode()
    timestamp = str(int(time.time()))
    signature = base64.b64encode(key.sign(f"{timestamp}|".encode() + body).signature).decode()
    webhooks.verify(URL, {"telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp}, body)
    event = webhooks.parse_webhook("webhook", body, {})
    assert (event.kind, event.status, event.detail, event.ref) == ("status", CallState.BUSY, "the line was busy: user_busy", "r1")
    with pytest.raises(WebhookRejected):
        webhooks.verify(URL, {"telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp}, body + b" ")
    stale = str(int(time.time()) - 3600)
    old = base64.b64encode(key.sign(f"{stale}|".encode() + body).signature).decode()
    with pytest.raises(WebhookRejected):
        webhooks.verify(URL, {"telnyx-signature-ed25519": old, "telnyx-timestamp": stale}, body)


def test_plivo_callback_signed_by_the_sdk_is_read() -> None:
    webhooks = PlivoWebhooks(PLIVO_TOKEN)
    url = "https://calls.example.com/voice/plivo/status?ref=r2"
    params = {
        "CallUUID": PLIVO_UUID,
        "From": "14155551234",
        "To": "15550001234",
        "CallStatus": "completed",
        "Direction": "outbound",
        "HangupCause": "NORMAL_CLEARING",
    }
    body = "&".join(f"{k}={v}" for k, v in params.items()).encode()
    nonce = "12345678901234567890"
    signature = get_signature_v3(PLIVO_TOKEN.encode(), construct_post_url(url, params).decode(), nonce.encode()).decode()
    webhooks.verify(url, {"x-plivo-signature-v3": signature, "x-plivo-signature-v3-nonce": nonce}, body)
    event = webhooks.parse_webhook("status", body, {"ref": "r2"})
    assert (event.kind, event.from_number, event.status, event.ref) == ("status", "+14155551234", CallState.COMPLETED, "r2")
    with pytest.raises(WebhookRejected):
        webhooks.verify(url, {"x-plivo-signature-v3": signature, "x-plivo-signature-v3-nonce": "other"}, body)
    answered_body = body.replace(b"completed", b"in-progress").replace(b"&HangupCause=NORMAL_CLEARING", b"")
    answered = webhooks.parse_webhook("webhook", answered_body, {})
    assert (answered.kind, answered.status) == ("answered", CallState.IN_PROGRESS)


# -- answering-machine detection, hang-up causes, failed streams -------------------------------------


@pytest.mark.parametrize(
    ("answered_by", "ours"),
    [
        ("human", "human"),
        ("machine_start", "machine"),
        ("fax", "machine"),
        ("unknown", "unknown"),
        ("machine_end_beep", "message_end"),
        ("machine_end_silence", "message_end"),
        ("machine_end_other", "message_end"),
    ],
)
def test_twilio_async_amd_callback(answered_by, ours) -> None:
    """AsyncAmdStatusCallback: CallSid, AccountSid, AnsweredBy, MachineDetectionDuration
    (https://www.twilio.com/docs/voice/answering-machine-detection)."""
    body = (f"CallSid={CALL_SID}&AccountSid={TWILIO_SID}&AnsweredBy={answered_by}&MachineDetectionDuration=2400").encode()
    event = TwilioWebhooks(TWILIO_SID, TWILIO_TOKEN).parse_webhook("status", body, {"ref": "r1", "amd": "1"})
    assert (event.kind, event.answered_by, event.detail, event.ref) == ("machine", ours, answered_by, "r1")


def test_twilio_repeated_keys_are_all_signed() -> None:
    url = "https://calls.example.com/voice/twilio/webhook"
    body = f"CallSid={CALL_SID}&AccountSid={TWILIO_SID}&CallStatus=ringing&Tag=a&Tag=b".encode()

    class Multi(dict):
        def getall(self, name):
            return self[name]

    params = Multi({"CallSid": [CALL_SID], "AccountSid": [TWILIO_SID], "CallStatus": ["ringing"], "Tag": ["a", "b"]})
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    TwilioWebhooks(TWILIO_SID, TWILIO_TOKEN).verify(url, {"x-twilio-signature": signature}, body)
    one_value = RequestValidator(TWILIO_TOKEN).compute_signature(
        url, {"CallSid": CALL_SID, "AccountSid": TWILIO_SID, "CallStatus": "ringing", "Tag": "b"}
    )
    with pytest.raises(WebhookRejected):
        TwilioWebhooks(TWILIO_SID, TWILIO_TOKEN).verify(url, {"x-twilio-signature": one_value}, body)


def telnyx_event(event_type: str, **payload) -> bytes:
    return json.dumps(
        {
            "data": {
                "record_type": "event",
                "id": "e1",
                "event_type": event_type,
                "payload": {
                    "call_control_id": "v3:abc",
                    "from": "+15550001234",
                    "to": "+15559876543",
                    "direction": "outgoing",
                    "client_state": _state(ref="r1"),
                    **payload,
                },
            }
        }
    ).encode()


@pytest.mark.parametrize(
    ("event_type", "result", "ours"),
    [
        ("call.machine.detection.ended", "human", "human"),
        ("call.machine.detection.ended", "machine", "machine"),
        ("call.machine.detection.ended", "not_sure", "unknown"),
        ("call.machine.greeting.ended", "beep_detected", "message_end"),
        ("call.machine.greeting.ended", "ended", "message_end"),
        ("call.machine.greeting.ended", "not_sure", "unknown"),
        ("call.machine.premium.detection.ended", "human_business", "human"),
        ("call.machine.premium.detection.ended", "silence", "unknown"),
        ("call.machine.premium.greeting.ended", "no_beep_detected", "message_end"),
    ],
)
def test_telnyx_machine_detection_events(event_type, result, ours) -> None:
    """Result values from the telnyx SDK's types (call_machine_*_ended.py)."""
    event = TelnyxWebhooks("").parse_webhook("webhook", telnyx_event(event_type, result=result), {})
    assert (event.kind, event.answered_by, event.ref) == ("machine", ours, "r1")


@pytest.mark.parametrize(
    ("cause", "state"),
    [
        ("call_rejected", CallState.BUSY),
        ("normal_clearing", CallState.COMPLETED),
        ("originator_cancel", CallState.NO_ANSWER),
        ("timeout", CallState.NO_ANSWER),
        ("time_limit", CallState.COMPLETED),
        ("user_busy", CallState.BUSY),
        ("not_found", CallState.FAILED),
        ("no_answer", CallState.NO_ANSWER),
        ("unspecified", CallState.FAILED),
    ],
)
def test_every_telnyx_hangup_cause_has_a_state_and_words(cause, state) -> None:
    """Every `hangup_cause` of the telnyx SDK's CallHangup type (telnyx/types/call_hangup.py)."""
    event = TelnyxWebhooks("").parse_webhook("webhook", telnyx_event("call.hangup", hangup_cause=cause), {})
    assert (event.kind, event.status) == ("status", state)
    assert event.detail.endswith(cause) and len(event.detail) > len(cause) + 5


def test_telnyx_streaming_failed_and_api_v1() -> None:
    failed = telnyx_event("streaming.failed", failure_reason="connection refused", stream_id="s1", stream_type="websocket")
    event = TelnyxWebhooks("").parse_webhook("webhook", failed, {})
    assert (event.kind, event.detail) == ("stream-failed", "connection refused")
    v1 = json.dumps({"event_type": "call_initiated", "payload": {"call_control_id": "v2:x"}}).encode()
    with pytest.raises(BadWebhook, match="webhook API v2"):
        TelnyxWebhooks("").parse_webhook("webhook", v1, {})


@pytest.mark.parametrize(("machine", "ours"), [("true", "machine"), ("false", "human"), ("", "unknown")])
def test_plivo_machine_detection_request(machine, ours) -> None:
    """machine_detection_url gets Machine=true|false with Event=MachineDetection (Plivo "Make a call")."""
    body = f"CallUUID={PLIVO_UUID}&RequestUUID=r&Machine={machine}&Event=MachineDetection&Direction=outbound".encode()
    event = PlivoWebhooks(PLIVO_TOKEN).parse_webhook("status", body, {"ref": "r2", "amd": "1"})
    assert (event.kind, event.answered_by) == ("machine", ours)


def test_plivo_hangup_at_the_answer_url_is_a_status() -> None:
    body = f"CallUUID={PLIVO_UUID}&From=14155551234&To=15550001234&CallStatus=completed&Direction=inbound&Event=Hangup&HangupCause=NORMAL_CLEARING".encode()
    event = PlivoWebhooks(PLIVO_TOKEN).parse_webhook("webhook", body, {})
    assert (event.kind, event.status, event.detail) == ("status", CallState.COMPLETED, "NORMAL_CLEARING")

"""Telnyx, on its own message shapes: the media-streaming AsyncAPI page ("Stream call media over
WebSocket") and the telnyx SDK's webhook types (call_hangup.py, call_machine_*_ended.py,
call_streaming_failed.py), signed with Ed25519 as its SDK verifies. See ../../docs/carriers.md."""

from __future__ import annotations

import base64
import json
import time

import pytest
from nacl.signing import SigningKey

from plugins.voice_call.carriers.events import (
    BadWebhook,
    CallState,
    DtmfReceived,
    Ignored,
    MarkPlayed,
    MediaReceived,
    StreamStarted,
    StreamStopped,
    WebhookRejected,
)
from plugins.voice_call.carriers.telnyx import TelnyxCodec, TelnyxWebhooks, _state
from tests.unit.payloads import FRAME, PAYLOAD, frames

WEBHOOK_URL = "https://calls.example.com/voice/telnyx/webhook"


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
    webhooks.verify(WEBHOOK_URL, {"telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp}, body)
    event = webhooks.parse_webhook("webhook", body, {})
    assert (event.kind, event.status, event.detail, event.ref) == ("status", CallState.BUSY, "the line was busy: user_busy", "r1")
    with pytest.raises(WebhookRejected):
        webhooks.verify(WEBHOOK_URL, {"telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp}, body + b" ")
    stale = str(int(time.time()) - 3600)
    old = base64.b64encode(key.sign(f"{stale}|".encode() + body).signature).decode()
    with pytest.raises(WebhookRejected):
        webhooks.verify(WEBHOOK_URL, {"telnyx-signature-ed25519": old, "telnyx-timestamp": stale}, body)


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
        ("call.machine.greeting.ended", "not_sure", "message_end"),  # the last report: leave the message
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


def test_telnyx_bad_bodies_are_refused_not_crashed_on() -> None:
    key = SigningKey.generate()
    webhooks = TelnyxWebhooks(base64.b64encode(bytes(key.verify_key)).decode())
    any_signature = base64.b64encode(bytes(64)).decode()
    headers = {"telnyx-signature-ed25519": any_signature, "telnyx-timestamp": str(int(time.time()))}
    with pytest.raises(WebhookRejected, match="UTF-8"):
        webhooks.verify(WEBHOOK_URL, headers, b"\xff\xfe not text")
    with pytest.raises(BadWebhook):
        webhooks.parse_webhook("webhook", json.dumps({"data": {"payload": "x"}}).encode(), {})
    for bad_id in ("../../v2/calls", "v3:abc/../x", "v3:abc?x=1", "v3 abc", ""):
        body = telnyx_event("call.hangup", call_control_id=bad_id, hangup_cause="normal_clearing")
        if bad_id:
            with pytest.raises(BadWebhook, match="call_control_id"):
                webhooks.parse_webhook("webhook", body, {})
        else:
            assert webhooks.parse_webhook("webhook", body, {}).kind == "ignored"

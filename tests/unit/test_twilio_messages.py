"""Twilio, on its own message shapes: Media Streams messages ("Media Streams - WebSocket Messages"),
voice webhooks and status callbacks signed with the SDK's RequestValidator, the AsyncAmdStatusCallback
(https://www.twilio.com/docs/voice/answering-machine-detection). See ../../docs/carriers.md."""

from __future__ import annotations

import json

import pytest
from twilio.request_validator import RequestValidator

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
from plugins.voice_call.carriers.twilio import TwilioCodec, TwilioWebhooks
from tests.unit.payloads import CALL_SID, FRAME, PAYLOAD, frames
from tests.values import TWILIO_SID, TWILIO_TOKEN


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

"""Plivo, on its own message shapes: audio-stream events (its stream SDKs), answer/hangup and
machine-detection requests ("Make a call"), signed with the SDK's signature_v3 helpers.
See ../../docs/carriers.md."""

from __future__ import annotations

import json

import pytest
from plivo.utils.signature_v3 import construct_post_url, get_signature_v3

from plugins.voice_call.carriers.events import (
    CallState,
    DtmfReceived,
    Ignored,
    MarkPlayed,
    MediaReceived,
    StreamStarted,
    StreamStopped,
    WebhookRejected,
)
from plugins.voice_call.carriers.plivo import PlivoCodec, PlivoWebhooks
from tests.unit.payloads import FRAME, PAYLOAD, PLIVO_UUID, frames
from tests.values import PLIVO_TOKEN


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
    assert codec.parse_media(played.replace("playedStream", "played")) == MarkPlayed("greeting")  # a support article's name
    assert codec.parse_media(cleared) == Ignored()
    assert codec.parse_media(dtmf) == DtmfReceived("0")
    assert codec.parse_media(stop) == StreamStopped()
    assert json.loads(codec.media("st1", FRAME)) == {
        "event": "playAudio",
        "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": PAYLOAD},
    }
    assert json.loads(codec.mark("st1", "m")) == {"event": "checkpoint", "streamId": "st1", "name": "m"}
    assert json.loads(codec.clear("st1")) == {"event": "clearAudio", "streamId": "st1"}


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

"""Carriers as their documents say they behave, around the media stream: a stream that fails or
never comes, hang-ups that arrive where an application sends them, old webhook formats."""

from __future__ import annotations

import asyncio

import pytest

from plugins.voice_call.carriers.plivo import PlivoWebhooks
from plugins.voice_call.carriers.telnyx import TelnyxWebhooks
from plugins.voice_call.carriers.twilio import TwilioWebhooks
from plugins.voice_call.doctor import voice_call_checks
from plugins.voice_call.history.records import CallRecords

from .conftest import FRIEND, OWNER
from .voice_harness import CARRIERS, CallLab, settle


@pytest.fixture(params=CARRIERS)
def lab(request, host):
    with CallLab(host, request.param) as lab:
        yield lab


def record_of(lab: CallLab, call_id: str):
    return CallRecords(lab.host.db).by_carrier_id(lab.carrier_name, call_id)


def test_a_stream_that_never_comes_is_hung_up(lab) -> None:
    lab.runtime.switchboard.stream_wait_s = 0.5
    ring = lab.carrier.ring(FRIEND, OWNER)
    assert ring.connected  # answered; the carrier then never opens the stream
    settle(lambda: record_of(lab, ring.call_id).state == "failed")
    assert record_of(lab, ring.call_id).end_reason.startswith("media stream never arrived")
    settle(lambda: lab.carrier.hung_up_by_rest() == [ring.call_id])
    assert lab.runtime.switchboard.active_count() == 0


def test_a_failed_telnyx_stream_is_hung_up_not_left_silent(host) -> None:
    """Telnyx keeps a call up when its stream fails (streaming.failed); we hang it up."""
    with CallLab(host, "telnyx") as lab:
        ring = lab.carrier.ring(FRIEND, OWNER)
        assert lab.carrier.fail_stream(ring.call_id, ring.extra["client_state"]) == 200
        settle(lambda: record_of(lab, ring.call_id).state == "failed")
        assert "media stream failed (connection refused)" in record_of(lab, ring.call_id).end_reason
        settle(lambda: lab.carrier.hung_up_by_rest() == [ring.call_id])


def test_a_plivo_hangup_at_the_answer_url_is_a_hangup(host) -> None:
    """An application without a hangup URL sends the hangup request to its answer URL."""
    with CallLab(host, "plivo") as lab:
        ring = lab.carrier.ring(FRIEND, OWNER)
        params = {
            **lab.carrier.call_params(FRIEND, OWNER, ring.call_id, status="completed"),
            "HangupCause": "NORMAL_CLEARING",
            "Event": "Hangup",
            "Duration": "3",
        }
        response = lab.carrier.signed_post("/voice/plivo/webhook", params)
        assert response.status_code == 200, response.text
        settle(lambda: record_of(lab, ring.call_id).state == "completed")
        assert lab.runtime.switchboard.active_count() == 0


def test_a_telnyx_api_v1_webhook_is_refused_and_named_by_the_doctor(host) -> None:
    with CallLab(host, "telnyx") as lab:
        body = b'{"event_type": "call_initiated", "payload": {"call_control_id": "v2:abc", "from": "+15559876543"}}'
        response = lab.carrier.post(body, lab.carrier._signed(body))
        assert response.status_code == 400 and "webhook API v2" in response.text
        checks = {c.name: c for c in voice_call_checks(lab.host)}
        assert checks["voice: telnyx webhooks"].status == "fail"
        assert "webhook API v2" in checks["voice: telnyx webhooks"].detail


def test_the_signature_check_runs_off_the_event_loop(lab, monkeypatch) -> None:
    """The first check imports the carrier's SDK (seconds for telnyx): every call's audio waits
    while the event loop does that, so the check runs in a worker thread."""
    on_loop: list[bool] = []
    webhooks = {"twilio": TwilioWebhooks, "telnyx": TelnyxWebhooks, "plivo": PlivoWebhooks}[lab.carrier_name]
    verify = webhooks.verify

    def watched(self, url, headers, body):
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return verify(self, url, headers, body)

    monkeypatch.setattr(webhooks, "verify", watched)
    ring = lab.carrier.ring(FRIEND, OWNER)
    assert ring.status_code < 400 and on_loop and not any(on_loop)


def test_twilio_signs_every_value_of_a_repeated_key(host) -> None:
    with CallLab(host, "twilio") as lab:
        carrier = lab.carrier
        params = carrier.call_params(FRIEND, OWNER)
        body = "&".join(f"{k}={v}" for k, v in params.items()).replace("+", "%2B") + "&StirVerstat=A&StirVerstat=B"
        multi = {**{k: [v] for k, v in params.items()}, "StirVerstat": ["A", "B"]}

        class Multi(dict):
            def getall(self, name):
                return self[name]

        url = carrier.public_url + "/voice/twilio/webhook"
        signature = carrier.validator.compute_signature(url, Multi(multi))
        response = carrier.signed_post("/voice/twilio/webhook", params, signature=signature, body=body.encode())
        assert response.status_code == 200, response.text

""" "connect my number" on each carrier's fake REST API (tests/fakes/numbers.py): the doctor reads
the number's settings back and says when they point elsewhere; after the owner's yes they point
at the gateway; a wrong credential or a number the account does not have is said plainly."""

from __future__ import annotations

import pytest

from .conftest import FRIEND, OWNER
from .voice_harness import PUBLIC_URL, CallLab


@pytest.fixture(params=["twilio", "telnyx", "plivo"])
def lab(host, request):
    with CallLab(host, request.param) as lab:
        yield lab


def test_connect_my_number_points_it_here_and_the_doctor_reads_it_back(lab) -> None:
    name = lab.carrier_name
    doctor = lab.say("check the voice call configuration")
    assert f"[FAIL] voice: number wiring: {OWNER} does not point at this gateway" in doctor, doctor
    assert 'Say "connect my number"' in doctor

    question = lab.say("connect my number")
    assert f"Point your number {OWNER} at {PUBLIC_URL}/voice/{name}/webhook" in question, question
    assert lab.carrier.numbers.updates == []  # nothing changes before the owner's yes
    reply = lab.say("yes")
    assert f"{OWNER} now sends its calls to {PUBLIC_URL}/voice/{name}/webhook." in reply, reply
    assert lab.carrier.numbers.voice_url == f"{PUBLIC_URL}/voice/{name}/webhook"

    doctor = lab.say("check the voice call configuration")
    assert f"[ok  ] voice: number wiring: {OWNER} sends its calls to this gateway" in doctor, doctor

    # A call the carrier now sends where the number points is answered.
    ring = lab.carrier.ring(FRIEND, OWNER)
    assert ring.connected, ring.body
    lab.carrier.report_hangup(ring)


def test_what_each_carrier_keeps_is_set_as_its_document_says(lab) -> None:
    lab.say("connect my number")
    lab.say("yes")
    numbers = lab.carrier.numbers
    base = f"{PUBLIC_URL}/voice/{lab.carrier_name}"
    if lab.carrier_name == "twilio":
        assert numbers.updates[-1] == {
            "VoiceUrl": f"{base}/webhook",
            "VoiceMethod": "POST",
            "StatusCallback": f"{base}/status",
            "StatusCallbackMethod": "POST",
        }
    elif lab.carrier_name == "telnyx":
        # The application's webhooks move to API v2, and the number onto the application.
        assert numbers.application["webhook_api_version"] == "2"
        assert numbers.application["application_name"] == "my voice app"  # kept, as the update requires one
        assert numbers.number["connection_id"] == numbers.application["id"]
    else:
        # An application of our own; the owner's demo application is left as it was.
        ours = [a for a in numbers.applications.values() if a["app_name"] == "Phone assistant"]
        assert len(ours) == 1 and ours[0]["answer_url"] == f"{base}/webhook" and ours[0]["hangup_url"] == f"{base}/status"
        assert numbers.applications["20372631212782780"]["answer_url"].startswith("https://s3.amazonaws.com/")
        assert numbers.number["application"].endswith(f"/Application/{ours[0]['app_id']}/")
        lab.say("connect my number")  # again: the same application is changed, not a second one made
        lab.say("yes")
        assert len([a for a in numbers.applications.values() if a["app_name"] == "Phone assistant"]) == 1


def test_a_number_the_account_does_not_have(lab) -> None:
    lab.host.config.update("voice_call", {"phoneNumber": "+15550009999"})
    lab.say("connect my number")
    reply = lab.say("yes")
    assert "Connecting +15550009999 failed" in reply and "+15550009999 is not a number of this" in reply, reply
    assert lab.carrier.numbers.updates == []


def test_a_wrong_credential_is_said_and_changes_nothing(lab) -> None:
    setup = {"twilio": "voice_call.twilio.auth_token", "telnyx": "voice_call.telnyx.api_key"}
    secret = setup.get(lab.carrier_name, "voice_call.plivo.auth_token")
    lab.host.vault.set(secret, "KEY0123456789ABCDEF0123456789abcdef" if lab.carrier_name == "telnyx" else "f" * 32)
    lab.say("connect my number")
    reply = lab.say("yes")
    assert "refused the stored credentials (401); check them" in reply, reply
    assert lab.carrier.numbers.updates == []
    doctor = lab.say("check the voice call configuration")
    assert "[FAIL] voice: number wiring: could not be read" in doctor, doctor


@pytest.mark.parametrize("name_filter", ["exact", "contains", "ignored"])
def test_plivo_finds_its_application_past_the_first_page(host, name_filter) -> None:
    """Plivo lists at most 20 applications a page: an owner with more got a second "Phone
    assistant" and the number moved to it. However Plivo applies the name filter, ours is found."""
    with CallLab(host, "plivo") as lab:
        numbers = lab.carrier.numbers
        numbers.name_filter = name_filter
        for n in range(30):  # the owner's own applications, listed before ours
            numbers.applications[f"9{n:016d}"] = {"app_id": f"9{n:016d}", "app_name": f"Phone app {n}", "answer_url": ""}
        lab.say("connect my number")
        lab.say("yes")
        for n in range(5):  # and more made after ours
            numbers.applications[f"8{n:016d}"] = {"app_id": f"8{n:016d}", "app_name": f"Later app {n}", "answer_url": ""}
        lab.say("connect my number")
        assert "now sends its calls to" in lab.say("yes")
        ours = [a for a in numbers.applications.values() if a["app_name"] == "Phone assistant"]
        assert len(ours) == 1 and numbers.number["application"].endswith(f"/Application/{ours[0]['app_id']}/")

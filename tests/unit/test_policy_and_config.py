"""Who may call in, and which settings the config model refuses (a refusal writes nothing)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.config import ConfigError
from plugins.voice_call.admission.pairing import Pairing
from plugins.voice_call.admission.policy import decide
from plugins.voice_call.config import VoiceCallConfig, voice_config
from tests.values import FRIEND, OWNER, TWILIO_SID

STRANGER = "+15551112222"


def config(**inbound) -> VoiceCallConfig:
    return VoiceCallConfig.model_validate({"inbound": inbound})


@pytest.mark.parametrize(
    ("inbound", "caller", "action"),
    [
        ({}, FRIEND, "reject"),  # disabled by default
        ({"policy": "open"}, STRANGER, "accept"),
        ({"policy": "open"}, "anonymous", "accept"),
        ({"policy": "allowlist", "allowFrom": [FRIEND]}, FRIEND, "accept"),
        ({"policy": "allowlist", "allowFrom": [FRIEND]}, "+1 (555) 987-6543", "accept"),  # the same number, written loosely
        ({"policy": "allowlist", "allowFrom": [FRIEND]}, STRANGER, "reject"),
        ({"policy": "allowlist", "allowFrom": [FRIEND]}, "anonymous", "reject"),
        ({"policy": "pairing", "allowFrom": [FRIEND]}, FRIEND, "accept"),
        ({"policy": "pairing"}, STRANGER, "pair"),
        ({"policy": "pairing"}, "anonymous", "reject"),  # a code needs a number to bind to
    ],
)
def test_inbound_policy(host, inbound, caller, action) -> None:
    assert decide(config(**inbound), caller, Pairing(host.db)).action == action


def test_a_pairing_code_is_bound_to_the_number_that_heard_it(host) -> None:
    pairing = Pairing(host.db)
    first = decide(config(policy="pairing"), STRANGER, pairing)
    again = decide(config(policy="pairing"), STRANGER, pairing)
    assert first.code and first.code == again.code  # calling back before approval hears the same code
    assert pairing.pending() == [(STRANGER, first.code)]
    assert not pairing.approve("0000" if first.code != "0000" else "1111").ok
    assert pairing.approve(first.code).number == STRANGER


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"maxDurationSeconds": -5}, "maxDurationSeconds"),
        ({"silenceTimeoutSeconds": 1}, "silenceTimeoutSeconds"),
        ({"endOfUtteranceMs": 50}, "endOfUtteranceMs"),
        ({"maxConcurrentCalls": 0}, "maxConcurrentCalls"),
        ({"phoneNumber": "555-1234"}, "phoneNumber"),
        ({"publicUrl": "ftp://calls.example.com"}, "publicUrl"),
        ({"inbound": {"policy": "allowlist"}}, "allowlist"),
        ({"inbound": {"policy": "everyone"}}, "policy"),
        ({"inbound": {"greeting": ""}}, "greeting"),
        ({"twilio": {"accountSid": "XX" + TWILIO_SID[2:]}}, "accountSid"),
        ({"provider": "skype"}, "provider"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"mode": "telepathy"}, "mode"),
    ],
)
def test_bad_settings_are_refused(change, word) -> None:
    with pytest.raises(ValidationError) as refused:
        VoiceCallConfig.model_validate(change)
    assert word.lower() in str(refused.value).lower()


def test_a_refused_change_writes_nothing(host) -> None:
    host.config.update("voice_call", {"phoneNumber": OWNER, "inbound.policy": "open"})
    with pytest.raises(ConfigError):
        host.config.update("voice_call", {"maxDurationSeconds": -5, "inbound.policy": "disabled"})
    stored = voice_config(host)
    assert (stored.phone_number, stored.inbound.policy, stored.max_duration_seconds) == (OWNER, "open", 300)


def test_numbers_are_stored_in_e164_once(host) -> None:
    host.config.update("voice_call", {"inbound.policy": "allowlist", "inbound.allowFrom": [FRIEND, "+1 555 987 6543"]})
    assert voice_config(host).inbound.allow_from == [FRIEND]


def test_a_flood_of_pairing_callers_cannot_lock_out_a_real_one(host) -> None:
    from plugins.voice_call.admission.pairing import MAX_PENDING

    pairing = Pairing(host.db)
    for n in range(MAX_PENDING + 5):
        decide(config(policy="pairing"), f"+1555300{n:04d}", pairing)
    assert len(pairing.pending()) == MAX_PENDING, "the codes stay bounded"
    real = decide(config(policy="pairing"), STRANGER, pairing)
    assert real.action == "pair" and real.code and (STRANGER, real.code) in pairing.pending()
    assert len(pairing.pending()) == MAX_PENDING
    # A caller refused as busy takes no code at all.
    busy = decide(config(policy="pairing"), "+15554440000", pairing, issue_codes=False)
    assert busy.action == "pair" and busy.code is None
    assert all(number != "+15554440000" for number, _ in pairing.pending())


def test_live_settings_are_declared_once_and_read_by_both_the_host_and_the_routes(host) -> None:
    """The chat's "restart needed" (the plugin's live_settings) and a new call's config (the
    routes' with_live_settings) come from the same marks on the config model."""
    from plugins.voice_call.plugin import plugin

    live = VoiceCallConfig.live_settings()
    assert set(live) == {
        "inbound",
        "ownerNumber",
        "appointments",
        "tunnel",
        "connectNumber",
        "holdLimitSeconds",
        "decisionWaitSeconds",
        "recording",
    }
    assert plugin.live_settings == live
    built = VoiceCallConfig()
    stored = VoiceCallConfig.model_validate(
        {
            "inbound": {"policy": "allowlist", "allowFrom": [FRIEND]},
            "ownerNumber": OWNER,
            "appointments": {"days": ["MO"], "start": "09:00", "end": "12:00"},
            "connectNumber": True,
            "maxDurationSeconds": 60,
            "endOfUtteranceMs": 900,
        }
    )
    call = built.with_live_settings(stored)
    stored_live = {k: v for k, v in stored.model_dump(by_alias=True).items() if k in live}
    assert {k: v for k, v in call.model_dump(by_alias=True).items() if k in live} == stored_live
    # Everything else stays as the gateway was built: those settings wait for a restart.
    assert (call.max_duration_seconds, call.end_of_utterance_ms) == (built.max_duration_seconds, built.end_of_utterance_ms)

"""The built-in offline model: the setup requests it understands, and honesty about the rest."""

from __future__ import annotations

import pytest

from assistant.agent import host_intents
from assistant.offline_model import RESTART_REMINDER, OfflineModel
from plugins.voice_call.plugin import plugin as voice_call

from .conftest import FRIEND, OWNER, PLIVO_ID, PLIVO_TOKEN, TELNYX_KEY, TELNYX_PUBLIC_KEY, TWILIO_SID, TWILIO_TOKEN
from .helpers import Chat

ALL_TOOLS = {
    "approve_pairing",
    "list_pairing_requests",
    "realtime_call",
    "schedule_call",
    "list_scheduled_calls",
    "cancel_scheduled_call",
    "restart_gateway",
    "voice_call_setup",
    "set_voice_call_credentials",
    "set_inbound_policy",
    "update_allowlist",
    "set_voice_call_greeting",
    "set_voice_call_speech",
    "set_voice_call_mode",
    "set_voice_call_limits",
    "set_voice_call_streaming",
    "set_voice_call_public_url",
    "expose_gateway",
    "connect_number",
    "show_voice_call_config",
    "check_voice_call_config",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to receive phone calls", [("voice_call_setup", {})]),
        ("Twilio", [("voice_call_setup", {"provider": "twilio"})]),
        ("I want to use Telnyx for calls", [("voice_call_setup", {"provider": "telnyx"})]),
        ("I want to use Plivo for calls", [("voice_call_setup", {"provider": "plivo"})]),
        ("accept calls from anyone", [("set_inbound_policy", {"policy": "open"})]),
        (f"only accept calls from {FRIEND}", [("set_inbound_policy", {"policy": "allowlist", "allow_from": [FRIEND]})]),
        ("also accept calls from +1 555 123 4567", [("update_allowlist", {"add": ["+15551234567"]})]),
        ("set the policy to open", [("set_inbound_policy", {"policy": "open"})]),
        ("use pairing", [("set_inbound_policy", {"policy": "pairing"})]),
        ("disable inbound calls", [("set_inbound_policy", {"policy": "disabled"})]),
        (
            "set a greeting: Hi, this is Sam's assistant.",
            [("set_voice_call_greeting", {"greeting": "Hi, this is Sam's assistant."})],
        ),
        ("use Kokoro for voice call speech", [("set_voice_call_speech", {"engine": "kokoro"})]),
        ("use ElevenLabs for call speech", [("set_voice_call_speech", {"engine": "elevenlabs"})]),
        ("use the voice af_bella", [("set_voice_call_speech", {"voice": "af_bella"})]),
        ("use realtime mode", [("set_voice_call_mode", {"mode": "realtime"})]),
        ("set the max call duration to 10 minutes", [("set_voice_call_limits", {"max_duration_seconds": 600})]),
        ("set the silence timeout to 20 seconds", [("set_voice_call_limits", {"silence_timeout_seconds": 20})]),
        ("disable streaming", [("set_voice_call_streaming", {"enabled": False})]),
        ("set the end of utterance pause to 800 ms", [("set_voice_call_limits", {"end_of_utterance_ms": 800})]),
        (
            "set the public URL to https://calls.example.com",
            [("set_voice_call_public_url", {"url": "https://calls.example.com"})],
        ),
        ("expose the gateway with cloudflare", [("expose_gateway", {"tunnel": "cloudflare"})]),
        ("use tailscale funnel", [("expose_gateway", {"tunnel": "tailscale"})]),
        (
            "use ngrok, my authtoken is <secret:0a1b2c3d>",
            [("expose_gateway", {"tunnel": "ngrok", "ngrok_authtoken": "<secret:0a1b2c3d>"})],
        ),
        ("stop the tunnel", [("expose_gateway", {"tunnel": "none"})]),
        ("connect my number", [("connect_number", {})]),
        ("check the voice call configuration", [("check_voice_call_config", {})]),
        ("show the voice call configuration", [("show_voice_call_config", {})]),
        ("restart the gateway", [("restart_gateway", {})]),
        (
            f"Twilio Account SID is {TWILIO_SID}, Auth Token is <secret:0a1b2c3d>, my number is {OWNER}",
            [
                (
                    "set_voice_call_credentials",
                    {"provider": "twilio", "account_sid": TWILIO_SID, "auth_token": "<secret:0a1b2c3d>", "phone_number": OWNER},
                )
            ],
        ),
        ("what's the weather like?", []),
        (
            f"Call {FRIEND} and remind them about tomorrow's appointment",
            [
                (
                    "realtime_call",
                    {
                        "action": "initiate_call",
                        "to": FRIEND,
                        "mode": "notify",
                        "message": "Hello! This is a friendly reminder about tomorrow's appointment.",
                    },
                )
            ],
        ),
        (
            "call +1 555 987 6543 and have a conversation about their order",
            [
                (
                    "realtime_call",
                    {
                        "action": "initiate_call",
                        "to": FRIEND,
                        "mode": "conversation",
                        "message": "Hello! I'm calling on behalf of my owner about your order.",
                    },
                )
            ],
        ),
        (
            f"Call {FRIEND} tomorrow at 9 and remind them about the dentist",
            [
                (
                    "schedule_call",
                    {
                        "to": FRIEND,
                        "when": "tomorrow at 9",
                        "mode": "notify",
                        "message": "Hello! This is a friendly reminder about the dentist.",
                    },
                )
            ],
        ),
        (
            f"call {FRIEND} and tell them I'm running late",
            [
                (
                    "realtime_call",
                    {
                        "action": "initiate_call",
                        "to": FRIEND,
                        "mode": "notify",
                        "message": "Hello! I have a message for you: my owner is running late.",
                    },
                )
            ],
        ),
        ("cancel scheduled call 3", [("cancel_scheduled_call", {"scheduled_id": 3})]),
        ("call mom", []),
    ],
)
def test_phrases_map_to_tool_calls(text: str, expected: list) -> None:
    model = OfflineModel(host_intents() + list(voice_call.intents))
    assert model.match(text, ALL_TOOLS) == expected


def test_twilio_guided_flow_end_to_end(host) -> None:
    chat = Chat(host)
    assert "which provider" in chat.say("I want to receive phone calls").text
    reply = chat.say("Twilio").text
    assert "Account SID" in reply and "Auth Token" in reply
    reply = chat.say(f"Twilio Account SID is {TWILIO_SID}, Auth Token is {TWILIO_TOKEN}, my number is {OWNER}").text
    assert "encrypted vault" in reply and "who may call" in reply
    assert TWILIO_TOKEN not in reply
    chat.confirmed(f"Only accept calls from {FRIEND}")
    chat.say("use Kokoro for voice call speech")
    config = chat.config()
    assert (config.provider, config.twilio.account_sid, config.phone_number) == ("twilio", TWILIO_SID, OWNER)
    assert (config.inbound.policy, config.inbound.allow_from, config.tts.engine) == ("allowlist", [FRIEND], "kokoro")
    assert host.vault.get("voice_call.twilio.auth_token") == TWILIO_TOKEN
    assert [n for n in host.vault.names() if n.startswith("chat.secret.")] == []


def test_telnyx_guided_flow(host) -> None:
    chat = Chat(host)
    reply = chat.say("I want to use Telnyx for calls").text
    assert "API key" in reply and "connection id" in reply and "public key" in reply
    reply = chat.say(
        f"Telnyx API key is {TELNYX_KEY}, connection id is 1494404757140276705, "
        f"public key is {TELNYX_PUBLIC_KEY}, my number is {OWNER}"
    ).text
    assert "who may call" in reply, reply
    config = chat.config()
    assert (config.provider, config.telnyx.connection_id, config.telnyx.public_key) == (
        "telnyx",
        "1494404757140276705",
        TELNYX_PUBLIC_KEY,
    )
    assert host.vault.get("voice_call.telnyx.api_key") == TELNYX_KEY


def test_plivo_guided_flow(host) -> None:
    chat = Chat(host)
    assert "Auth ID" in chat.say("I want to use Plivo for calls").text
    reply = chat.say(f"Plivo Auth ID is {PLIVO_ID}, Auth Token is {PLIVO_TOKEN}, my number is {OWNER}").text
    assert "who may call" in reply, reply
    assert chat.config().plivo.auth_id == PLIVO_ID
    assert host.vault.get("voice_call.plivo.auth_token") == PLIVO_TOKEN


def test_wrong_account_sid_is_refused_and_nothing_is_written(host) -> None:
    chat = Chat(host)
    chat.say("Twilio")
    reply = chat.say(f"Account SID is AB1234, Auth Token is {TWILIO_TOKEN}, my number is {OWNER}").text
    assert "Nothing was changed" in reply and "AC followed by 32 hex" in reply
    config = chat.config()
    assert (config.twilio.account_sid, config.phone_number) == (None, None)
    assert not host.vault.has("voice_call.twilio.auth_token")


def test_bad_token_and_number_are_explained(host) -> None:
    chat = Chat(host)
    chat.say("Twilio")
    assert "32 hex characters" in chat.say("Auth Token is nothex").text
    assert "E.164" in chat.say("my number is 12345678").text
    assert chat.config().phone_number is None


def test_credentials_for_the_wrong_provider_are_refused(host) -> None:
    chat = Chat(host)
    chat.say("Plivo")
    reply = chat.say(f"Account SID is {TWILIO_SID}").text
    assert "Plivo does not use account_sid" in reply
    assert chat.config().twilio.account_sid is None


def test_allowlist_policy_without_numbers_is_refused(host) -> None:
    chat = Chat(host)
    reply = chat.say("set the policy to allowlist").text
    assert "at least one number" in reply
    assert chat.config().inbound.policy == "disabled"


def test_other_settings(host) -> None:
    chat = Chat(host)
    chat.say("set a greeting: Hi, this is Sam's assistant.")
    chat.say("use OpenAI for call speech")
    chat.say("use realtime mode")
    chat.say("set the max call duration to 10 minutes")
    chat.say("disable streaming")
    chat.say("set the public URL to https://calls.example.com/")
    config = chat.config()
    assert config.inbound.greeting == "Hi, this is Sam's assistant."
    assert (config.tts.engine, config.voice(), config.mode) == ("openai", "marin", "realtime")
    assert (config.max_duration_seconds, config.streaming.enabled, config.public_url) == (600, False, "https://calls.example.com")
    check = chat.say("check the voice call configuration").text
    assert "OpenAI TTS needs OPENAI_API_KEY" in check and "streaming is off" in check and "no carrier chosen" in check


def test_unknown_request_gets_an_honest_answer(host) -> None:
    reply = Chat(host).say("book me a table for two tonight").text
    assert "running offline" in reply and "OPENAI_API_KEY" in reply


def test_restart_reminder_only_for_what_needs_it(host) -> None:
    """With no gateway in this process (`chat --no-gateway`; one may run elsewhere): who may call,
    the owner's number and appointments apply to the next call; the carrier and the voice need a
    restart. (Before, every change ended with the reminder.)"""
    chat = Chat(host)
    for live in ("accept calls from anyone", f"my own number is {FRIEND}", "allow bookings monday to friday 9 to 5"):
        asked = chat.say(live)
        reply = chat.say("yes").text if asked.approval else asked.text
        assert "Nothing was changed" not in reply and RESTART_REMINDER not in reply, (live, reply)
    assert (host.config.get("voice_call").inbound.policy, host.config.get("voice_call").owner_number) == ("open", FRIEND)
    assert RESTART_REMINDER in chat.say("use OpenAI for voice call speech").text
    assert "No gateway is running" in chat.confirmed("restart the gateway").text


def test_history_is_kept_across_restarts_and_masked(host, settings) -> None:
    chat = Chat(host)
    chat.say(f"Twilio Account SID is {TWILIO_SID}, Auth Token is {TWILIO_TOKEN}, my number is {OWNER}")
    chat.confirmed("accept calls from anyone")
    from assistant.host import Host

    again = Host(settings)
    shown = again.conversations.shown(chat.conversation_id)
    assert [m.role for m in shown] == ["user", "assistant", "user", "assistant", "user", "assistant"]
    assert "need your yes" in shown[3].text and shown[4].text == "yes"
    assert TWILIO_TOKEN not in " ".join(m.text for m in shown)
    assert "<secret:" in shown[0].text
    assert len(again.conversations.load(chat.conversation_id)) == 8  # request, tool call, tool return, reply x2
    again.close()

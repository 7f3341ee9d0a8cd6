"""What is still missing in the voice-call setup, and the next question to ask the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.config import PLIVO_AUTH_TOKEN, TELNYX_API_KEY, TWILIO_AUTH_TOKEN, VoiceCallConfig

if TYPE_CHECKING:
    from assistant.host import Host

PROVIDER_NAMES = {"twilio": "Twilio", "telnyx": "Telnyx", "plivo": "Plivo"}

CREDENTIAL_PROMPTS = {
    "twilio": (
        "To use Twilio I need your Account SID, Auth Token and the Twilio phone number, for example: "
        '"Twilio Account SID is AC..., Auth Token is ..., my number is +15550001234". '
        "The Auth Token goes straight into the encrypted vault."
    ),
    "telnyx": (
        "To use Telnyx I need your API key, the Call Control connection id, the webhook public key and your Telnyx number, "
        'for example: "Telnyx API key is KEY..., connection id is 1494404757140276705, public key is ..., my number is +15550001234". '
        "The API key goes straight into the encrypted vault."
    ),
    "plivo": (
        "To use Plivo I need your Auth ID, Auth Token and your Plivo number, for example: "
        '"Plivo Auth ID is MA..., Auth Token is ..., my number is +15550001234". '
        "The Auth Token goes straight into the encrypted vault."
    ),
}


def missing_credentials(config: VoiceCallConfig, host: "Host") -> list[str]:
    """Names (as a user would say them) of what the chosen provider still needs."""
    missing = []
    if config.provider == "twilio":
        if not config.twilio.account_sid:
            missing.append("Account SID")
        if not (config.twilio.auth_token_ref and host.vault.has(TWILIO_AUTH_TOKEN)):
            missing.append("Auth Token")
    elif config.provider == "telnyx":
        if not (config.telnyx.api_key_ref and host.vault.has(TELNYX_API_KEY)):
            missing.append("API key")
        if not config.telnyx.connection_id:
            missing.append("connection id")
        if not config.telnyx.public_key:
            missing.append("public key")
    elif config.provider == "plivo":
        if not config.plivo.auth_id:
            missing.append("Auth ID")
        if not (config.plivo.auth_token_ref and host.vault.has(PLIVO_AUTH_TOKEN)):
            missing.append("Auth Token")
    if config.provider and not config.phone_number:
        missing.append("phone number")
    return missing


def next_step(config: VoiceCallConfig, host: "Host") -> str:
    """The one question that moves setup forward, or a confirmation that it is complete."""
    if config.provider is None:
        return "Which provider do you use for calls: Twilio, Telnyx or Plivo?"
    name = PROVIDER_NAMES[config.provider]
    missing = missing_credentials(config, host)
    if missing:
        return f"Still needed for {name}: {', '.join(missing)}. " + CREDENTIAL_PROMPTS[config.provider]
    if config.inbound.policy == "disabled":
        return (
            'Inbound calls are disabled; who may call? Say "accept calls from anyone", '
            '"only accept calls from +1...", or "use pairing" to approve new callers one by one.'
        )
    if not config.public_url:
        return (
            f"Last step: the public https address where {name} can reach this gateway, "
            'e.g. "set the public URL to https://calls.example.com".'
        )
    return f"Voice calls are set up with {name} on {config.phone_number}."

"""What is still missing in the voice-call setup, and the next question to ask the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.carriers import SETUPS
from plugins.voice_call.carriers.setup import missing
from plugins.voice_call.config import VoiceCallConfig

if TYPE_CHECKING:
    from assistant.host import Host


def title(provider: str) -> str:
    return SETUPS[provider].title


def missing_credentials(config: VoiceCallConfig, host: Host) -> list[str]:
    """Labels (as a user would say them) of what the chosen provider still needs."""
    return missing(SETUPS[config.provider], config, host) if config.provider else []


def next_step(config: VoiceCallConfig, host: Host) -> str:
    """The one question that moves setup forward, or a confirmation that it is complete."""
    if config.provider is None:
        names = [s.title for s in SETUPS.values()]
        return f"Which provider do you use for calls: {', '.join(names[:-1])} or {names[-1]}?"
    setup = SETUPS[config.provider]
    needed = missing_credentials(config, host)
    if needed:
        return f"Still needed for {setup.title}: {', '.join(needed)}. " + setup.prompt()
    if config.inbound.policy == "disabled":
        return (
            'Inbound calls are disabled; who may call? Say "accept calls from anyone", '
            '"only accept calls from +1...", or "use pairing" to approve new callers one by one.'
        )
    if not config.public_url:
        return (
            f"Last step: the public https address where {setup.title} can reach this gateway, "
            'e.g. "set the public URL to https://calls.example.com".'
        )
    return f"Voice calls are set up with {setup.title} on {config.phone_number}."

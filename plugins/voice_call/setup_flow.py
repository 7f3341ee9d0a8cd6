"""What is still missing in the voice-call setup, and the next question to ask the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.carriers import SETUPS
from plugins.voice_call.carriers.setup import missing
from plugins.voice_call.config import VoiceCallConfig

if TYPE_CHECKING:
    from assistant.plugin_api import Host


def title(provider: str) -> str:
    return SETUPS[provider].title


def missing_credentials(config: VoiceCallConfig, host: Host) -> list[str]:
    """Labels (as a user would say them) of what the chosen provider still needs."""
    return missing(SETUPS[config.provider], config, host) if config.provider else []


def next_step(config: VoiceCallConfig, host: Host) -> str:
    """Where setup stands, as facts for the model and the owner: what is missing next, or that it
    is complete. Statements, not lines for anyone to say: a tool result is data."""
    if config.provider is None:
        names = [s.title for s in SETUPS.values()]
        return f"Setup: which provider carries the calls is not chosen yet ({', '.join(names[:-1])} or {names[-1]})."
    setup = SETUPS[config.provider]
    needed = missing_credentials(config, host)
    if needed and len(needed) == len(setup.credentials) + 1:  # nothing given yet: how to give it all
        return f"Setup: {setup.prompt()}"
    if needed:
        return f"Setup: {setup.title} still needs {', '.join(needed)}. " + setup.prompt()
    if config.inbound.policy == "disabled":
        return (
            "Setup: inbound calls are disabled, so who may call is not decided yet. Inbound policies: "
            "open (anyone), allowlist (listed numbers only), pairing (the owner approves each new caller by a code)."
        )
    if not config.public_url:
        return (
            f"Setup: no public URL yet (the https address where {setup.title} reaches this gateway, "
            "through a tunnel or a reverse proxy)."
        )
    return f"Setup: voice calls are set up with {setup.title} on {config.phone_number}."


def setup_state(config: VoiceCallConfig, host: Host) -> dict[str, object]:
    """The same, as fields."""
    return {
        "provider": config.provider,
        "missing": missing_credentials(config, host),
        "inbound_policy": config.inbound.policy,
        "public_url_set": bool(config.public_url),
    }

"""A secret-free summary of the voice-call config, for chat, the CLI and /healthz."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from plugins.voice_call.config import VoiceCallConfig

if TYPE_CHECKING:
    from assistant.plugin_api import Host


def describe_config(config: VoiceCallConfig, host: Host | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "provider": config.provider or "not chosen",
        "phone number": config.phone_number or "not set",
        "your own number": config.owner_number or "not set",
        "inbound policy": config.inbound.policy,
        "allowed callers": ", ".join(config.inbound.allow_from) or "none",
        "greeting": config.inbound.greeting,
        "mode": config.mode,
        "speech": f"{config.tts.engine} ({config.voice()})",
        "speech recognition": config.stt.engine,
        "streaming": "on" if config.streaming.enabled else "off",
        "max duration": f"{config.max_duration_seconds} s",
        "silence timeout": f"{config.silence_timeout_seconds} s",
        "max concurrent calls": config.max_concurrent_calls,
        "call capacity": config.call_capacity or "measured at start",
        "public URL": config.public_url or "not set",
    }
    if host is not None and config.provider:
        from plugins.voice_call.carriers import SETUPS

        for credential in SETUPS[config.provider].credentials:
            if credential.secret:
                stored = host.vault.has(credential.secret)
                summary[credential.label] = "stored in the vault" if stored else "missing"
    return summary


def describe_for_health(config: BaseModel) -> dict[str, Any]:
    """In words (the web page shows these as they are): "not chosen", never null."""
    assert isinstance(config, VoiceCallConfig)
    return {
        "provider": config.provider or "not chosen",
        "phone_number": config.phone_number or "not set",
        "inbound_policy": config.inbound.policy,
        "public_url": config.public_url or "not set",
        "tunnel": config.tunnel.kind if config.tunnel.kind != "none" else "none (your own address)",
        "mode": config.mode,
        "tts": config.tts.engine,
        "streaming": "on" if config.streaming.enabled else "off",
    }

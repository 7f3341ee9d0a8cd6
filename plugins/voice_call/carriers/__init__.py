"""Carriers: one module per carrier behind the `Carrier` interface."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.carriers.base import Carrier
from plugins.voice_call.config import TWILIO_AUTH_TOKEN, VoiceCallConfig

if TYPE_CHECKING:
    from assistant.host import Host


class CarrierNotConfigured(RuntimeError):
    pass


def carrier_for(config: VoiceCallConfig, host: "Host") -> Carrier:
    """The configured carrier, built with its secrets from the vault."""
    if config.provider == "twilio":
        from plugins.voice_call.carriers.twilio import TwilioCarrier

        token = host.vault.get(TWILIO_AUTH_TOKEN)
        if not (config.twilio.account_sid and token):
            raise CarrierNotConfigured("Twilio needs an Account SID and an Auth Token.")
        return TwilioCarrier(config.twilio.account_sid, token)
    raise CarrierNotConfigured(f"Calls through {config.provider or 'no provider'} are not supported yet.")

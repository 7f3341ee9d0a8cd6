"""Carriers: one module per carrier behind the `Carrier` interface, each with its `CarrierSetup`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.carriers import plivo, telnyx, twilio
from plugins.voice_call.carriers.base import Carrier
from plugins.voice_call.carriers.setup import CarrierSetup, missing

if TYPE_CHECKING:
    from assistant.host import Host
    from plugins.voice_call.config import VoiceCallConfig

SETUPS: dict[str, CarrierSetup] = {s.name: s for s in (twilio.SETUP, telnyx.SETUP, plivo.SETUP)}


class CarrierNotConfigured(RuntimeError):
    pass


def carrier_for(config: VoiceCallConfig, host: Host) -> Carrier:
    """The configured carrier, built with its secrets from the vault."""
    if config.provider is None:
        raise CarrierNotConfigured("no provider is chosen")
    setup = SETUPS[config.provider]
    needed = missing(setup, config, host)
    if needed:
        raise CarrierNotConfigured(f"{setup.title} still needs: {', '.join(needed)}")
    return setup.build(config, host)

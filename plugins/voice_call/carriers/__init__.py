"""Carriers: one module per carrier behind the `Carrier` interface, each with its `CarrierSetup`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.carriers import plivo, telnyx, twilio
from plugins.voice_call.carriers.base import Carrier
from plugins.voice_call.carriers.setup import CarrierSetup, missing

if TYPE_CHECKING:
    from assistant.plugin_api import Host
    from plugins.voice_call.carriers.wiring.base import NumberWiring
    from plugins.voice_call.config import VoiceCallConfig

SETUPS: dict[str, CarrierSetup] = {s.name: s for s in (twilio.SETUP, telnyx.SETUP, plivo.SETUP)}


class CarrierNotConfigured(RuntimeError):
    pass


def _complete(config: VoiceCallConfig, host: Host) -> CarrierSetup:
    if config.provider is None:
        raise CarrierNotConfigured("no provider is chosen")
    setup = SETUPS[config.provider]
    needed = missing(setup, config, host)
    if needed:
        raise CarrierNotConfigured(f"{setup.title} still needs: {', '.join(needed)}")
    return setup


def carrier_for(config: VoiceCallConfig, host: Host) -> Carrier:
    """The configured carrier, built with its secrets from the vault."""
    return _complete(config, host).build(config, host)


def number_wiring(config: VoiceCallConfig, host: Host) -> NumberWiring:
    """The configured number's settings at its carrier, reached with the stored credentials."""
    return _complete(config, host).wiring(config, host)

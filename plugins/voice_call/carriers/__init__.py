"""Carriers: one module per carrier behind the `Carrier` interface; `carrier_for` picks the configured one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.carriers.base import Carrier
from plugins.voice_call.config import PLIVO_AUTH_TOKEN, TELNYX_API_KEY, TWILIO_AUTH_TOKEN, VoiceCallConfig
from plugins.voice_call.setup_flow import PROVIDER_NAMES, missing_credentials

if TYPE_CHECKING:
    from assistant.host import Host


class CarrierNotConfigured(RuntimeError):
    pass


def carrier_for(config: VoiceCallConfig, host: "Host") -> Carrier:
    """The configured carrier, built with its secrets from the vault."""
    if config.provider is None:
        raise CarrierNotConfigured("no provider is chosen")
    missing = missing_credentials(config, host)
    if missing:
        raise CarrierNotConfigured(f"{PROVIDER_NAMES[config.provider]} still needs: {', '.join(missing)}")
    if config.provider == "twilio":
        from plugins.voice_call.carriers.twilio import TwilioCarrier

        return TwilioCarrier(api_base_url=config.twilio.api_base_url, account_sid=config.twilio.account_sid or "",
                             auth_token=host.vault.get(TWILIO_AUTH_TOKEN) or "")
    if config.provider == "telnyx":
        from plugins.voice_call.carriers.telnyx import TelnyxCarrier

        return TelnyxCarrier(api_base_url=config.telnyx.api_base_url, api_key=host.vault.get(TELNYX_API_KEY) or "",
                             public_key=config.telnyx.public_key or "")
    from plugins.voice_call.carriers.plivo import PlivoCarrier

    return PlivoCarrier(api_base_url=config.plivo.api_base_url, auth_id=config.plivo.auth_id or "",
                        auth_token=host.vault.get(PLIVO_AUTH_TOKEN) or "")
